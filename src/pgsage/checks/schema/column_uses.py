"""What the schema-pattern checks share: the workload's column uses mapped onto the catalog.

Statement texts come from pg_stat_statements (``sql.analysis`` reads them); a table written without
a schema is matched to the one table of that name, preferring ``public`` when several schemas
have one (the search path is not known from a snapshot).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from pgsage.checks.columns import columns_by_name
from pgsage.checks.context import AuditContext
from pgsage.checks.queries.folded import preview, workload
from pgsage.db.rows import Column, Index, Table
from pgsage.fixes.quoting import index_name
from pgsage.model import ObjectRef
from pgsage.sql.analysis import ColumnUse, StatementInfo, TableRef, expression_columns

DEFAULT_SCHEMA = "public"
EXAMPLE_QUERIES = 3


@dataclass
class ColumnUsage:
    """How the workload uses one column with one kind of operation, summed over statements."""

    table: Table
    column: Column
    uses: list[ColumnUse] = field(default_factory=list)
    queryids: set[int] = field(default_factory=set)
    calls: int = 0
    total_ms: float = 0.0
    examples: list[str] = field(default_factory=list)

    def add(
        self, use: ColumnUse, queryid: int | None, query: str, calls: int, total_ms: float
    ) -> None:
        self.uses.append(use)
        if queryid is not None and queryid in self.queryids:
            return  # the same statement using the column twice: count it once
        if queryid is not None:
            self.queryids.add(queryid)
        self.calls += calls
        self.total_ms += total_ms
        if len(self.examples) < EXAMPLE_QUERIES and query not in self.examples:
            self.examples.append(query)

    @property
    def operators(self) -> list[str]:
        return sorted({u.operator for u in self.uses})

    def evidence(self) -> dict[str, int | float | str | None]:
        return {
            "statements": len(self.queryids) or len(self.examples),
            "calls": self.calls,
            "total_ms": round(self.total_ms, 2),
            "queryids": ", ".join(str(q) for q in sorted(self.queryids)[:10]),
            "example_query": preview(self.examples[0]) if self.examples else None,
        }


@dataclass(frozen=True)
class ParsedStatement:
    queryid: int | None
    query: str
    calls: int
    total_ms: float
    info: StatementInfo


def tables_by_bare_name(context: AuditContext) -> Mapping[str, tuple[Table, ...]]:
    """Tables by name without schema (in snapshot order), shared by the schema checks."""
    return context.view(_tables_by_bare_name)


def _tables_by_bare_name(context: AuditContext) -> Mapping[str, tuple[Table, ...]]:
    by_name: dict[str, list[Table]] = {}
    for table in context.snapshot.tables:
        by_name.setdefault(table.name, []).append(table)
    return MappingProxyType({name: tuple(tables) for name, tables in by_name.items()})


class Catalog:
    """Look-ups from names in statement texts to the snapshot's tables, columns and indexes."""

    def __init__(self, context: AuditContext) -> None:
        self.context = context
        self.snapshot = context.snapshot
        self._by_name = tables_by_bare_name(context)
        self._columns = columns_by_name(context)

    def table(self, ref: TableRef) -> Table | None:
        if ref.schema is not None:
            return self.snapshot.table(ref.schema, ref.name)
        candidates = self._by_name.get(ref.name, ())
        if len(candidates) == 1:
            return candidates[0]
        return next((t for t in candidates if t.schema == DEFAULT_SCHEMA), None)

    def column(self, table: Table, name: str) -> Column | None:
        return self._columns.get(table.schema, table.name).get(name)

    def columns(self, table: Table) -> list[Column]:
        return sorted(self._columns.get(table.schema, table.name).values(), key=lambda c: c.attnum)

    def resolve(self, use: ColumnUse) -> tuple[Table, Column] | None:
        """The table and column a use refers to: the innermost candidate having the column."""
        for ref in use.tables:
            table = self.table(ref)
            if table is None:
                continue
            column = self.column(table, use.column)
            if column is not None:
                return table, column
        return None

    def indexes(self, table: Table) -> list[Index]:
        return [
            ix
            for ix in self.snapshot.indexes_by_table.get((table.schema, table.name), [])
            if ix.is_valid and ix.is_ready
        ]


def parsed_workload(context: AuditContext) -> tuple[ParsedStatement, ...]:
    """The workload statements that parse, folded per queryid (every user), in a stable order.
    Read by three checks: built once per run."""
    return context.view(_parsed_workload)


def _parsed_workload(context: AuditContext) -> tuple[ParsedStatement, ...]:
    parsed = []
    for query in workload(context):
        info = query.info
        if info is not None:
            parsed.append(
                ParsedStatement(query.queryid, query.query, query.calls, query.total_ms, info)
            )
    return tuple(parsed)


def column_usages(
    catalog: Catalog, wanted: Callable[[ColumnUse], bool], column_fits: Callable[[Column], bool]
) -> list[ColumnUsage]:
    """The workload's uses that ``wanted`` accepts, summed per column they resolve to (only
    columns that ``column_fits``), in (schema, table, column) order so findings are stable."""
    usages: dict[tuple[str, str, str], ColumnUsage] = {}
    for statement in parsed_workload(catalog.context):
        for use in statement.info.uses:
            if not wanted(use):
                continue
            found = catalog.resolve(use)
            if found is None or not column_fits(found[1]):
                continue
            table, column = found
            usage = usages.setdefault(
                (table.schema, table.name, column.name), ColumnUsage(table, column)
            )
            usage.add(use, statement.queryid, statement.query, statement.calls, statement.total_ms)
    return [usages[key] for key in sorted(usages)]


def key_mentions(index: Index, position: int, column: Column) -> bool:
    """Whether key ``position`` of the index is the column or an expression of it."""
    attnum = index.key_attnums[position] if position < len(index.key_attnums) else 0
    if attnum == column.attnum:
        return True
    return attnum == 0 and column.name in expression_columns(index.key_columns[position])


def key_is_column(index: Index, position: int, column: Column) -> bool:
    return position < len(index.key_attnums) and index.key_attnums[position] == column.attnum


def column_ref(table: Table, column: Column) -> ObjectRef:
    return ObjectRef("column", table.schema, f"{table.name}.{column.name}")


def new_index_name(table: Table, parts: list[str], suffix: str) -> str:
    return index_name(table.name, parts, suffix)
