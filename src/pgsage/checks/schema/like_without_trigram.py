"""like-without-trigram: substring searches (LIKE/ILIKE '%...') with no trigram index."""

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
from pgsage.sql.analysis import LIKE_OPERATORS, ColumnUse, like_shape

TEXT_TYPES = frozenset({"text", "varchar", "bpchar", "citext"})
TRGM_OPCLASSES = frozenset({"gin_trgm_ops", "gist_trgm_ops"})
WRAPPERS = (None, "lower", "upper")
# How sure we are that a pattern starts with a wildcard, by shape (see sqlparse.like_shape):
# a literal '%...' is certain; pg_stat_statements turns '%' || $1 || '%' into $2 || $1 || $3,
# and a bare parameter may hold anything, so those are only likely.
CERTAIN, LIKELY = 2, 1


def confidence(use: ColumnUse) -> int:
    shape = like_shape(use.operand)
    if shape == "leading-wildcard":
        return CERTAIN
    if shape == "param-concat" or (shape == "param" and use.operator == "~~*"):
        return LIKELY
    return 0


def searches_substring(use: ColumnUse) -> bool:
    """LIKE/ILIKE on the column (or lower/upper of it) with a pattern that may start with '%'."""
    return use.operator in LIKE_OPERATORS and use.wrapper in WRAPPERS and confidence(use) > 0


def trigram_served(index: Index, column: Column, wrapper: str | None) -> bool:
    if index.predicate:
        return False
    for position in range(index.key_count):
        if index.opclasses[position] not in TRGM_OPCLASSES:
            continue
        if wrapper is None and key_is_column(index, position, column):
            return True
        if (
            wrapper is not None
            and not key_is_column(index, position, column)
            and key_mentions(index, position, column)
        ):
            return True
    return False


def describe(use: ColumnUse) -> str:
    target = f"{use.wrapper}({use.column})" if use.wrapper else use.column
    shape = like_shape(use.operand)
    pattern = {"leading-wildcard": "'%...'", "param-concat": "'%' || $n || '%'", "param": "$n"}.get(
        shape, "..."
    )
    return f"{target} {LIKE_OPERATORS[use.operator]} {pattern}"


class LikeWithoutTrigram(Check):
    id = "like-without-trigram"
    category = "schema"
    severity = Severity.WARNING
    title = "LIKE/ILIKE substring search without a trigram index"
    reads_query_texts = True
    requires_sections = ("statements", "tables", "columns", "indexes")
    params = (Param("min_rows", 10000.0, "ignore tables with fewer rows (a scan is cheap there)"),)
    docs = CheckDocs(
        problem="Statements search a text column with LIKE or ILIKE and a pattern that starts "
        "with a wildcard ('%term%'), and no pg_trgm GIN/GiST index covers the column. "
        "pg_stat_statements replaces literals with $n, so `'%' || $1 || '%'` shapes and "
        "ILIKE on a parameter are reported with lower confidence (info).",
        why="A btree index can only serve patterns anchored at the start; a leading wildcard "
        "makes every search a sequential scan that runs the pattern over every row — the "
        "usual search box or admin filter that gets slower as the table grows.",
        fix="CREATE EXTENSION IF NOT EXISTS pg_trgm; then CREATE INDEX CONCURRENTLY ... USING "
        "gin (col gin_trgm_ops) — or on lower(col) when the query searches lower(col). "
        "For word search rather than substrings, consider full-text search instead.",
        alembic="op.execute('CREATE EXTENSION IF NOT EXISTS pg_trgm'), then op.create_index("
        "name, table, [col], postgresql_using='gin', postgresql_ops={col: "
        "'gin_trgm_ops'}, postgresql_concurrently=True) in an autocommit_block().",
    )

    def evaluate(self, snapshot: Snapshot, params: Mapping[str, Any]) -> list[Finding]:
        catalog = Catalog(self.context)
        usages = column_usages(catalog, searches_substring, lambda c: c.type_name in TEXT_TYPES)
        findings = [self._judge(catalog, usage, float(params["min_rows"])) for usage in usages]
        return [finding for finding in findings if finding is not None]

    def _judge(self, catalog: Catalog, usage: ColumnUsage, min_rows: float) -> Finding | None:
        table, column = usage.table, usage.column
        rows = table.estimated_rows
        if rows < min_rows:
            return None
        indexes = catalog.indexes(table)
        open_uses = [
            u
            for u in usage.uses
            if not any(trigram_served(ix, column, u.wrapper) for ix in indexes)
        ]
        if not open_uses:
            return None
        best = max(open_uses, key=lambda u: (confidence(u), u.wrapper is None, u.wrapper or ""))
        certain = confidence(best) == CERTAIN
        shapes = sorted({describe(u) for u in open_uses})
        key = IndexKey.of(column.name, "gin_trgm_ops", best.wrapper)
        parts = [best.wrapper, column.name] if best.wrapper else [column.name]
        fix = CreateIndex(
            table.schema,
            table.name,
            (key,),
            new_index_name(table, parts, "trgm"),
            method="gin",
            extension="pg_trgm",
        )
        where = f"{table.schema}.{table.name}.{column.name}"
        qualifier = "" if certain else " (the pattern is a parameter: likely, not certain)"
        return self.finding(
            column_ref(table, column),
            f"{where} is searched with {'; '.join(shapes)} ({usage.calls:,} calls) and has no "
            f"trigram index{qualifier}",
            severity=None if certain else Severity.INFO,
            evidence={
                "patterns": "; ".join(shapes),
                "leading_wildcard_certain": certain,
                "table_rows": int(rows),
                "table_bytes": table.table_bytes,
                "pg_trgm_installed": catalog.snapshot.server.has_extension("pg_trgm"),
                "threshold_rows": min_rows,
                **usage.evidence(),
            },
            recommendation=f"Install pg_trgm and create a trigram GIN index on "
            f"{key.to_sql().removesuffix(' gin_trgm_ops')} of {table.name}"
            + ("" if certain else ", if the patterns passed start with '%'")
            + ".",
            fix=fix,
        )
