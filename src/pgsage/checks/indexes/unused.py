"""unused-index: an index never scanned since statistics began, big enough to matter."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pgsage.checks.base import Check, CheckDocs, Param
from pgsage.checks.indexes.signatures import index_ref, is_protected, stats_window
from pgsage.db.snapshot import Snapshot
from pgsage.fixes.index import DropIndex
from pgsage.model import Finding, Severity


class UnusedIndex(Check):
    id = "unused-index"
    category = "indexes"
    severity = Severity.WARNING
    title = "Unused index"
    requires_sections = ("indexes", "database")
    params = (
        Param("min_size_bytes", 1024 * 1024, "ignore indexes smaller than this"),
        Param(
            "min_stats_days",
            7.0,
            "below this much statistics history a finding is only informational",
        ),
    )
    docs = CheckDocs(
        problem="The index has not been scanned once since the statistics were last reset, and "
        "it does not enforce a primary key, unique or exclusion constraint.",
        why="Every INSERT and most UPDATEs write to it, it takes disk, cache and backup space, "
        "and VACUUM has to process it — for no reads at all.",
        fix="Confirm that the statistics cover a representative period (month-end jobs, "
        "reports) and that no replica serves queries that use it — index usage on standbys "
        "is not counted on the primary — then DROP INDEX CONCURRENTLY.",
        alembic="op.drop_index(name, postgresql_concurrently=True) inside "
        "op.get_context().autocommit_block(); drop it from the model's __table_args__.",
    )

    def evaluate(self, snapshot: Snapshot, params: Mapping[str, Any]) -> list[Finding]:
        window = stats_window(snapshot)
        if window is None:
            return []
        now = snapshot.collected_at
        coverage = window.describe(now)
        short_history = window.exact and window.days(now) < float(params["min_stats_days"])
        replicas = len(snapshot.replication)
        caveat = (
            f"; {replicas} replica(s) stream from this server and may use it" if replicas else ""
        )
        min_size = int(params["min_size_bytes"])
        findings = []
        for index in snapshot.indexes:
            if (index.idx_scan or 0) > 0 or is_protected(index) or not index.is_valid:
                continue
            if index.size_bytes < min_size:
                continue
            findings.append(
                self.finding(
                    index_ref(index),
                    f"index {index.name} on {index.schema}.{index.table} has never been scanned "
                    f"({coverage}{caveat})",
                    severity=Severity.INFO if short_history else None,
                    evidence={
                        "definition": index.definition,
                        "size_bytes": index.size_bytes,
                        "scans": index.idx_scan or 0,
                        "stats_since": window.since.isoformat(),
                        "stats_days": round(window.days(now), 2),
                        "stats_reset_known": window.exact,
                        "replicas": replicas,
                    },
                    recommendation=f"Drop {index.name} once you are sure the statistics cover a "
                    "representative period and no replica uses it.",
                    fix=DropIndex(index.schema, index.name),
                )
            )
        return findings
