"""gist-fulltext-index: a GiST index for full-text search on a table that is mostly read.

Pagila's ``film_fulltext_idx`` is ``USING gist (fulltext)`` on a tsvector column of a table
that is loaded once and then only read. A GiST tsvector index is lossy (a signature per row:
every match is rechecked against the row) and slower to search than GIN; its advantage, cheaper
updates, matters only when the table is written heavily.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pgsage.checks.base import Check, CheckDocs, Param
from pgsage.checks.columns import columns_by_name
from pgsage.db.rows import Index, Table
from pgsage.db.snapshot import Snapshot
from pgsage.fixes.index import CreateIndex, DropIndex, IndexKey
from pgsage.fixes.quoting import fit_identifier
from pgsage.fixes.steps import Steps
from pgsage.model import Finding, ObjectRef, Severity


def churn(table: Table) -> float:
    """Rows updated or deleted since the statistics were reset, per live row."""
    changed = (table.n_tup_upd or 0) + (table.n_tup_del or 0)
    return changed / max(table.estimated_rows, 1.0)


class GistFulltextIndex(Check):
    id = "gist-fulltext-index"
    category = "schema"
    severity = Severity.INFO
    title = "GiST full-text index on a read-mostly table"
    requires_sections = ("columns", "indexes", "tables")
    params = (
        Param(
            "max_churn",
            0.5,
            "rows updated or deleted per live row (since statistics were reset) up to which "
            "the table counts as read-mostly",
        ),
    )
    docs = CheckDocs(
        problem="A GiST index serves full-text search (a tsvector column or to_tsvector "
        "expression) on a table that is mostly read: few updates and deletes per row.",
        why="GiST stores a lossy signature per row, so every match is rechecked against the "
        "table and searches slow down as the table grows; GIN indexes each lexeme exactly and "
        "is usually several times faster to search. GiST's one advantage, cheaper updates, "
        "does not matter on a table that is rarely written.",
        fix="CREATE INDEX CONCURRENTLY ... USING gin (the same key), then DROP INDEX "
        "CONCURRENTLY the GiST one.",
        alembic="op.create_index(name, table, [col], postgresql_using='gin', "
        "postgresql_concurrently=True) and op.drop_index(old, postgresql_concurrently=True) "
        "inside op.get_context().autocommit_block().",
    )

    def evaluate(self, snapshot: Snapshot, params: Mapping[str, Any]) -> list[Finding]:
        by_name = columns_by_name(self.context)
        findings = []
        for index in snapshot.indexes:
            if index.method != "gist" or index.key_count != 1 or not index.is_valid:
                continue
            if not self.full_text(index, by_name.get(index.schema, index.table)):
                continue
            table = snapshot.table(index.schema, index.table)
            if table is None or churn(table) > float(params["max_churn"]):
                continue
            findings.append(self.gist(index, table))
        return findings

    @staticmethod
    def full_text(index: Index, columns: Mapping[str, Any]) -> bool:
        key = index.key_columns[0]
        if index.key_attnums[0] > 0:
            column = columns.get(key)
            return column is not None and column.type_name == "tsvector"
        return "to_tsvector(" in key

    def gist(self, index: Index, table: Table) -> Finding:
        key = index.key_columns[0]
        column_key: str | IndexKey = key if index.key_attnums[0] > 0 else IndexKey(expression=key)
        gin = CreateIndex(
            index.schema,
            index.table,
            (column_key,),
            fit_identifier(index.name.removesuffix("_idx"), "gin_idx"),
            method="gin",
            where=index.predicate,
        )
        return self.finding(
            ObjectRef("index", index.schema, index.name, index.table),
            f"full-text index {index.name} on {index.schema}.{index.table} is GiST on a "
            f"read-mostly table: GIN searches faster",
            evidence={
                "index": index.name,
                "key": key,
                "table_rows": int(table.estimated_rows),
                "updates": table.n_tup_upd,
                "deletes": table.n_tup_del,
                "index_bytes": index.size_bytes,
            },
            recommendation=f"Build a GIN index on the same key concurrently, then drop "
            f"{index.name} concurrently.",
            fix=Steps((gin, DropIndex(index.schema, index.name))),
        )
