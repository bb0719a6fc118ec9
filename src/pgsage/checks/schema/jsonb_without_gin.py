"""jsonb-without-gin: JSONB containment / key-existence searches with no GIN index to serve them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pgsage.checks.base import Check, CheckDocs, Param
from pgsage.checks.schema.column_uses import (
    Catalog,
    ColumnUsage,
    column_ref,
    column_usages,
    key_is_column,
    key_mentions,
    new_index_name,
)
from pgsage.db.rows import Column, Index
from pgsage.db.snapshot import Snapshot
from pgsage.fixes.index import CreateIndex, IndexKey
from pgsage.model import Finding, Severity
from pgsage.sql.analysis import ColumnUse

# Operators a GIN index on jsonb can serve, and which of them each built-in opclass supports.
GIN_OPERATORS = frozenset({"@>", "?", "?|", "?&", "@?", "@@"})
PATH_OPS_OPERATORS = frozenset({"@>", "@?", "@@"})
OPCLASS_OPERATORS = {"jsonb_ops": GIN_OPERATORS, "jsonb_path_ops": PATH_OPS_OPERATORS}
# ``data -> 'tags' @> '["x"]'``: the operator applies to a value inside the column.
PATH_WRAPPERS = frozenset({"->", "#>"})


def searches_jsonb(use: ColumnUse) -> bool:
    """A GIN-able operator on the column itself or on a value inside it (``data -> 'tags'``)."""
    return use.operator in GIN_OPERATORS and (use.wrapper is None or use.wrapper in PATH_WRAPPERS)


def serves(index: Index, column: Column, operators: set[str]) -> bool:
    """A GIN index whose key is the column itself with an opclass supporting the operators."""
    if index.method != "gin" or index.predicate:
        return False
    for position in range(index.key_count):
        if key_is_column(index, position, column):
            supported = OPCLASS_OPERATORS.get(index.opclasses[position], GIN_OPERATORS)
            if operators <= supported:
                return True
    return False


def serves_path(index: Index, column: Column) -> bool:
    """A GIN index on an expression of the column (``(data -> 'tags')``)."""
    return (
        index.method == "gin"
        and not index.predicate
        and any(
            not key_is_column(index, p, column) and key_mentions(index, p, column)
            for p in range(index.key_count)
        )
    )


class JsonbWithoutGin(Check):
    id = "jsonb-without-gin"
    category = "schema"
    severity = Severity.WARNING
    title = "JSONB searched without a GIN index"
    reads_query_texts = True
    requires_sections = ("statements", "tables", "columns", "indexes")
    params = (Param("min_rows", 10000.0, "ignore tables with fewer rows (a scan is cheap there)"),)
    docs = CheckDocs(
        problem="Statements in pg_stat_statements search a JSONB column with containment or "
        "key-existence operators (@>, ?, ?|, ?&, @?, @@), and no GIN index on that "
        "column (or on the expression searched) supports those operators.",
        why="Without a GIN index each such search reads and decodes every row's JSON document: "
        "a sequential scan whose cost grows with the table, typical of filters on "
        "interview/audit data stored as JSONB.",
        fix="CREATE INDEX CONCURRENTLY ... USING gin (col jsonb_path_ops) when the workload "
        "only uses @> (and @?, @@): smaller and faster. Use the default jsonb_ops when it "
        "also tests keys with ?, ?| or ?&. For `col -> 'key' @> ...` either rewrite the "
        "filter as top-level containment (`col @> '{\"key\": ...}'`) or index the "
        "expression.",
        alembic="op.create_index(name, table, [col], postgresql_using='gin', "
        "postgresql_ops={col: 'jsonb_path_ops'}, postgresql_concurrently=True) inside "
        "op.get_context().autocommit_block().",
    )

    def evaluate(self, snapshot: Snapshot, params: Mapping[str, Any]) -> list[Finding]:
        catalog = Catalog(self.context)
        usages = column_usages(catalog, searches_jsonb, lambda c: c.type_name == "jsonb")
        findings = [self._judge(catalog, usage, float(params["min_rows"])) for usage in usages]
        return [finding for finding in findings if finding is not None]

    def _judge(self, catalog: Catalog, usage: ColumnUsage, min_rows: float) -> Finding | None:
        table, column = usage.table, usage.column
        rows = table.estimated_rows
        if rows < min_rows:
            return None
        direct = {u.operator for u in usage.uses if u.wrapper is None}
        nested = {u.operator for u in usage.uses if u.wrapper is not None}
        gin = [ix for ix in catalog.indexes(table) if ix.method == "gin"]
        direct_ok = not direct or any(serves(ix, column, direct) for ix in gin)
        nested_ok = not nested or any(serves_path(ix, column) for ix in gin)
        if direct_ok and nested_ok:
            return None
        operators = sorted(direct | nested)
        opclass = "jsonb_path_ops" if set(operators) <= PATH_OPS_OPERATORS else "jsonb_ops"
        # A GIN index on the column whose opclass lacks an operator (jsonb_path_ops and ?).
        weak = (
            []
            if direct_ok
            else [
                (ix, ix.opclasses[p])
                for ix in gin
                for p in range(ix.key_count)
                if key_is_column(ix, p, column)
            ]
        )
        where = f"{table.schema}.{table.name}.{column.name}"
        message = (
            f"jsonb column {where} is searched with {', '.join(operators)} "
            f"({usage.calls:,} calls) but no GIN index serves it"
        )
        if weak:
            message += (
                f"; {weak[0][0].name} ({weak[0][1]}) does not support "
                f"{', '.join(sorted(direct - OPCLASS_OPERATORS.get(weak[0][1], set())))}"
            )
        on_column = [
            ix for ix in gin if any(key_is_column(ix, p, column) for p in range(ix.key_count))
        ]
        fix: CreateIndex | None = None
        if not direct_ok or not on_column:
            fix = CreateIndex(
                table.schema,
                table.name,
                (IndexKey.of(column.name, opclass),),
                new_index_name(table, [column.name], "gin"),
                method="gin",
            )
            advice = f"Create a GIN index with {opclass} on {table.name}.{column.name}"
            if not nested_ok:
                advice += (
                    f"; rewrite `{column.name} -> 'key' <op> ...` filters as top-level "
                    f"containment (`{column.name} @> '{{\"key\": ...}}'`) so that it "
                    "serves them, or index that expression instead"
                )
        else:
            advice = (
                f"Rewrite `{column.name} -> 'key' <op> ...` filters as top-level "
                f"containment (`{column.name} @> '{{\"key\": ...}}'`), which "
                f"{on_column[0].name} serves, or create a GIN index on that expression"
            )
        if weak:
            advice += f"; then drop {weak[0][0].name}, which the new index replaces"
        return self.finding(
            column_ref(table, column),
            message,
            evidence={
                "operators": ", ".join(operators),
                "path_operators": ", ".join(sorted(nested)) or None,
                "opclass": opclass,
                "table_rows": int(rows),
                "table_bytes": table.table_bytes,
                "existing_gin_indexes": ", ".join(ix.name for ix in gin) or None,
                "threshold_rows": min_rows,
                **usage.evidence(),
            },
            recommendation=advice + ".",
            fix=fix,
        )
