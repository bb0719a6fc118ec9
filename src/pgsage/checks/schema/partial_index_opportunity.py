"""partial-index-opportunity: a flag or status column always filtered on one value."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pgsage.checks.base import Check, CheckDocs, Param
from pgsage.checks.schema.column_uses import Catalog, ColumnUsage, column_ref, parsed_workload
from pgsage.db.rows import Column, ColumnValues, Constraint, Table
from pgsage.db.snapshot import Snapshot
from pgsage.fixes.index import CreateIndex
from pgsage.fixes.quoting import ident, index_name, literal
from pgsage.model import Finding, Severity
from pgsage.sql.analysis import ColumnUse, expression_columns, predicate_filters

BOOLEAN = "bool"
EQUALITY = frozenset({"=", "in", "= any"})
RANGE_OR_SORT = frozenset({"<", ">", "<=", ">=", "order-by"})
MAX_KEY_COLUMNS = 2


def as_text(value: object) -> str | None:
    """A literal as pg_stats prints it (booleans as t/f)."""
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, str | int | float):
        return str(value)
    return None


def distinct_values(column: Column, rows: float) -> float | None:
    if column.type_name == BOOLEAN:
        return 2.0
    if column.n_distinct is None:
        return None
    return column.n_distinct if column.n_distinct >= 0 else -column.n_distinct * rows


def frequencies(column: Column, stats: ColumnValues | None) -> dict[str, float]:
    """Value -> fraction of rows, from the most common values (both booleans always present)."""
    found = dict(zip(stats.values, stats.freqs, strict=False)) if stats else {}
    if column.type_name == BOOLEAN and stats is not None:
        rest = max(0.0, 1.0 - sum(found.values()) - (column.null_frac or 0.0))
        for value in ("t", "f"):
            found.setdefault(value, rest)
    return found


@dataclass
class FilterUsage(ColumnUsage):
    values: set[str] = field(default_factory=set)
    with_parameter: bool = False
    # other columns of the same table the filtering statements use: name -> calls
    equality: dict[str, int] = field(default_factory=dict)
    range_or_sort: dict[str, int] = field(default_factory=dict)


class PartialIndexOpportunity(Check):
    id = "partial-index-opportunity"
    category = "schema"
    severity = Severity.INFO
    title = "Partial index opportunity"
    reads_query_texts = True
    requires_sections = (
        "statements",
        "tables",
        "columns",
        "indexes",
        "constraints",
        "column_values",
    )
    params = (
        Param("min_rows", 100000.0, "only tables with at least this many rows"),
        Param(
            "max_distinct",
            10.0,
            "a column with at most this many distinct values is "
            "low-cardinality (booleans always are)",
        ),
        Param(
            "minority_fraction",
            0.5,
            "a value named in the statement text and held by at "
            "most this fraction of the rows is a minority: a warning",
        ),
        Param(
            "max_value_fraction",
            0.9,
            "ignore a value named in the text that more than this "
            "fraction of the rows hold (the index = the table)",
        ),
    )
    docs = CheckDocs(
        problem="The workload filters a large table on a boolean or low-cardinality column with "
        "a constant (`is_admin = false`, `is_active = true`, `status = 'active'`), and "
        "no index has that condition as its predicate.",
        why="A partial index holds only the rows the queries want, so it is smaller, cheaper "
        "to maintain and more selective than an index on the flag or on the other columns "
        "alone; for a minority value (active orders, unprocessed jobs) it turns a scan "
        "into a few page reads.",
        fix="CREATE INDEX CONCURRENTLY ... ON t (<the column the same queries filter or sort "
        "on, or the primary key>) WHERE <flag> = <value>. pg_stat_statements shows "
        "constants as $n: when the value is not in the text, the least common value in "
        "pg_stats is proposed — check it against the value your code passes.",
        alembic='op.create_index(name, table, [col], postgresql_where=sa.text("is_admin = '
        'false"), postgresql_concurrently=True) inside '
        "op.get_context().autocommit_block().",
    )

    def evaluate(self, snapshot: Snapshot, params: Mapping[str, Any]) -> list[Finding]:
        catalog = Catalog(self.context)
        stats = {(v.schema, v.table, v.column): v for v in snapshot.column_values}
        usages: dict[tuple[str, str, str], FilterUsage] = {}
        for statement in parsed_workload(self.context):
            resolved = [(use, catalog.resolve(use)) for use in statement.info.uses]
            for use, found in resolved:
                if found is None or not use.is_constant_filter:
                    continue
                table, column = found
                if not self._low_cardinality(table, column, params) or self._pinpointed(
                    catalog, table, resolved
                ):
                    continue
                usage = usages.setdefault(
                    (table.schema, table.name, column.name), FilterUsage(table, column)
                )
                if use.operand.kind == "literal":
                    text = as_text(use.operand.value)
                    if text is not None:
                        usage.values.add(text)
                else:
                    usage.with_parameter = True
                self._other_columns(usage, resolved, statement.calls, params)
                usage.add(
                    use, statement.queryid, statement.query, statement.calls, statement.total_ms
                )
        findings = []
        for key in sorted(usages):
            usage = usages[key]
            finding = self._judge(catalog, usage, stats.get(key), params)
            if finding is not None:
                findings.append(finding)
        return findings

    @staticmethod
    def _pinpointed(
        catalog: Catalog,
        table: Table,
        resolved: list[tuple[ColumnUse, tuple[Table, Column] | None]],
    ) -> bool:
        """Whether the statement finds its rows by a unique key (WHERE id = $1 AND NOT
        is_admin): the primary key already leads straight to them, a partial index adds
        nothing."""
        equal = {
            found[1].attnum
            for use, found in resolved
            if found is not None
            and found[0].oid == table.oid
            and use.conjunct
            and use.operator == "="
            and use.wrapper is None
            and use.operand.kind in ("literal", "param")
        }
        return any(
            ix.is_unique
            and not ix.predicate
            and 0 not in ix.key_attnums[: ix.key_count]
            and set(ix.key_attnums[: ix.key_count]) <= equal
            for ix in catalog.indexes(table)
        )

    @staticmethod
    def _low_cardinality(table: Table, column: Column, params: Mapping[str, Any]) -> bool:
        distinct = distinct_values(column, table.estimated_rows)
        return distinct is not None and 0 < distinct <= float(params["max_distinct"])

    def _other_columns(
        self,
        usage: FilterUsage,
        resolved: list[tuple[ColumnUse, tuple[Table, Column] | None]],
        calls: int,
        params: Mapping[str, Any],
    ) -> None:
        for use, found in resolved:
            if (
                found is None
                or found[0].oid != usage.table.oid
                or found[1].attnum == usage.column.attnum
            ):
                continue
            if use.wrapper is not None or self._low_cardinality(found[0], found[1], params):
                continue
            name = found[1].name
            if use.conjunct and use.operator in EQUALITY:
                usage.equality[name] = usage.equality.get(name, 0) + calls
            elif use.operator in RANGE_OR_SORT and (use.conjunct or use.operator == "order-by"):
                usage.range_or_sort[name] = usage.range_or_sort.get(name, 0) + calls

    def _judge(
        self,
        catalog: Catalog,
        usage: FilterUsage,
        stats: ColumnValues | None,
        params: Mapping[str, Any],
    ) -> Finding | None:
        table, column = usage.table, usage.column
        rows = table.estimated_rows
        if rows < float(params["min_rows"]):
            return None
        freqs = frequencies(column, stats)
        if usage.values:
            # The text names the value: propose the least common of those it filters on.
            value: str | None = min(sorted(usage.values), key=lambda v: freqs.get(v, 0.0))
        elif freqs:
            value = min(sorted(freqs), key=lambda v: freqs[v])
        else:
            value = None
        fraction = freqs.get(value) if value is not None else None
        if fraction is None and value is not None and stats is not None:
            # Not among the most common values: at most what those leave over.
            fraction = max(0.0, 1.0 - sum(stats.freqs) - (column.null_frac or 0.0))
        if usage.values and fraction is not None and fraction > float(params["max_value_fraction"]):
            return None
        # A guessed value must not make an existing predicate on the column look wrong.
        if self._has_predicate(catalog, table, column, value if usage.values else None):
            return None
        # A warning only when the text names the value and pg_stats shows it is a minority; a
        # value guessed from pg_stats (the text has $n) stays informational.
        minority = (
            bool(usage.values)
            and fraction is not None
            and fraction <= float(params["minority_fraction"])
        )
        keys = self._key_columns(catalog, usage)
        predicate = self._predicate(column, value)
        fix: CreateIndex | None = None
        if keys and predicate:
            name = index_name(table.name, [*keys, column.name], "partial")
            fix = CreateIndex(table.schema, table.name, tuple(keys), name, where=predicate)
        shown = self._shown(column, value)
        where = f"{table.schema}.{table.name}.{column.name}"
        filter_text = f"{column.name} = {shown if usage.values else '$n'}"
        share = (
            f" ({fraction:.1%} of {int(rows):,} rows)"
            if fraction is not None
            else f" ({int(rows):,} rows)"
        )
        message = (
            f"{where} is filtered as {filter_text} in {usage.calls:,} calls and no "
            f"partial index has that condition; {column.name} = {shown}{share}"
            if value is not None
            else f"{where} is filtered on a constant in {usage.calls:,} calls and no partial "
            f"index has that condition ({int(rows):,} rows)"
        )
        on = f"({', '.join(keys)})" if keys else "(the columns the queries filter or sort on)"
        cond = f"WHERE {predicate}" if predicate else f"WHERE {column.name} = <value>"
        advice = f"Create a partial index on {table.name} {on} {cond}"
        if not usage.values:
            advice += (
                "; the value is a parameter in pg_stat_statements, so check it against "
                "the value your code passes"
            )
        return self.finding(
            column_ref(table, column),
            message,
            severity=Severity.WARNING if minority else None,
            evidence={
                "value": value,
                "value_fraction": round(fraction, 4) if fraction is not None else None,
                "value_from": "statement text"
                if usage.values
                else ("pg_stats (least common value)" if value is not None else None),
                "n_distinct": distinct_values(column, rows),
                "table_rows": int(rows),
                "table_bytes": table.table_bytes,
                "index_columns": ", ".join(keys) or None,
                "minority_fraction": float(params["minority_fraction"]),
                **usage.evidence(),
            },
            recommendation=advice + ".",
            fix=fix,
        )

    @staticmethod
    def _has_predicate(catalog: Catalog, table: Table, column: Column, value: str | None) -> bool:
        """Whether an index already has a predicate on the column (for this value, if known)."""
        for index in catalog.indexes(table):
            if not index.predicate or column.name not in expression_columns(index.predicate):
                continue
            pinned = {
                as_text(f.operand.value)
                for f in predicate_filters(index.predicate)
                if f.column == column.name and f.operand.kind == "literal"
            }
            if value is None or not pinned or value in pinned:
                return True
        return False

    @staticmethod
    def _key_columns(catalog: Catalog, usage: FilterUsage) -> list[str]:
        def by_calls(found: dict[str, int]) -> list[str]:
            return sorted(found, key=lambda name: (-found[name], name))

        keys: list[str] = []
        for name in by_calls(usage.equality)[:1] + by_calls(usage.range_or_sort)[:1]:
            if name not in keys:
                keys.append(name)
        if keys:
            return keys[:MAX_KEY_COLUMNS]
        primary = [
            c
            for c in catalog.snapshot.constraints
            if c.type == "p" and (c.schema, c.table) == (usage.table.schema, usage.table.name)
        ]
        return list(_primary_columns(primary))

    @staticmethod
    def _predicate(column: Column, value: str | None) -> str | None:
        if value is None:
            return None
        if column.type_name == BOOLEAN:
            return f"{ident(column.name)} = {'true' if value == 't' else 'false'}"
        return f"{ident(column.name)} = {literal(value)}"

    @staticmethod
    def _shown(column: Column, value: str | None) -> str:
        if value is None:
            return "$n"
        if column.type_name == BOOLEAN:
            return "true" if value == "t" else "false"
        return literal(value)


def _primary_columns(constraints: list[Constraint]) -> list[str]:
    return list(constraints[0].columns) if constraints else []
