"""duplicate-index: two indexes with the same definition; the one that enforces nothing goes."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pgsage.checks.base import Check, CheckDocs
from pgsage.checks.indexes.signatures import index_evidence, index_ref, table_duplicates
from pgsage.db.snapshot import Snapshot
from pgsage.fixes.index import DropIndex
from pgsage.model import Finding, Severity


class DuplicateIndex(Check):
    id = "duplicate-index"
    category = "indexes"
    severity = Severity.WARNING
    title = "Duplicate index"
    requires_sections = ("indexes",)
    docs = CheckDocs(
        problem="Two or more indexes on the same table have the same method, key columns, "
        "operator classes, collations, sort order, predicate and INCLUDE list.",
        why="Each copy is written on every INSERT/UPDATE, takes disk and cache, and adds "
        "planning work; the planner can use only one of them. A typical cause is "
        "`index=True` on a column that is also `unique=True`, or a migration that re-creates "
        "an index under a new name.",
        fix="Drop the copy that enforces nothing (a non-unique, non-constraint index) with "
        "DROP INDEX CONCURRENTLY.",
        alembic="op.drop_index(name, postgresql_concurrently=True) inside "
        "op.get_context().autocommit_block(); remove index=True from the model.",
    )

    def evaluate(self, snapshot: Snapshot, params: Mapping[str, Any]) -> list[Finding]:
        findings = []
        for (schema, table), pairs in table_duplicates(self.context).items():
            # Two unique indexes are reported by unique-index-duplicates-constraint instead.
            for index, keeper in pairs:
                findings.append(
                    self.finding(
                        index_ref(index),
                        f"index {index.name} duplicates {keeper.name} on {schema}.{table}",
                        evidence={**index_evidence(index), **index_evidence(keeper, "kept_")},
                        recommendation=f"Drop {index.name}; {keeper.name} serves the same queries.",
                        fix=DropIndex(schema, index.name),
                    )
                )
        return findings
