"""invalid-index: an index left INVALID by a failed CREATE INDEX CONCURRENTLY."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pgsage.checks.base import Check, CheckDocs
from pgsage.checks.indexes.signatures import index_ref
from pgsage.db.snapshot import Snapshot
from pgsage.fixes.index import DropIndex, ReindexIndex
from pgsage.fixes.steps import Comment, CommentedOut, Steps
from pgsage.model import Finding, Fix, Severity


class InvalidIndex(Check):
    id = "invalid-index"
    category = "indexes"
    severity = Severity.ERROR
    title = "Invalid index"
    requires_sections = ("indexes",)
    docs = CheckDocs(
        problem="The index is marked INVALID, usually because CREATE INDEX CONCURRENTLY or "
        "REINDEX CONCURRENTLY failed (a deadlock, a unique violation, a cancelled "
        "migration).",
        why="The planner never uses it, yet every write still maintains it; an invalid UNIQUE "
        "index does not enforce uniqueness. Migrations that ran 'successfully' may have "
        "left it behind.",
        fix="Rebuild it with REINDEX INDEX CONCURRENTLY (after fixing the cause, e.g. duplicate "
        "rows), or drop it with DROP INDEX CONCURRENTLY if it is not needed.",
        alembic="Run the REINDEX or DROP inside op.get_context().autocommit_block().",
    )

    def evaluate(self, snapshot: Snapshot, params: Mapping[str, Any]) -> list[Finding]:
        building = {
            (s.query or "").lower()
            for s in snapshot.activity
            if s.state == "active" and "concurrently" in (s.query or "").lower()
        }
        findings = []
        for index in snapshot.indexes:
            if index.is_valid:
                continue
            in_progress = any(index.name.lower() in query for query in building)
            message = f"index {index.name} on {index.schema}.{index.table} is INVALID" + (
                " (a concurrent build is running now)" if in_progress else ""
            )
            fix: Fix = ReindexIndex(index.schema, index.name)
            if not index.is_unique:
                # An alternative, not a second step: the script must not drop what it rebuilt.
                fix = Steps(
                    (
                        fix,
                        Comment("or, if the index is not needed:"),
                        CommentedOut(DropIndex(index.schema, index.name)),
                    )
                )
            findings.append(
                self.finding(
                    index_ref(index),
                    message,
                    severity=Severity.INFO if in_progress else None,
                    evidence={
                        "definition": index.definition,
                        "size_bytes": index.size_bytes,
                        "is_ready": index.is_ready,
                        "is_unique": index.is_unique,
                    },
                    recommendation="Rebuild the index concurrently (fix duplicate rows first if it "
                    "is unique), or drop it if it is not needed.",
                    fix=fix,
                )
            )
        return findings
