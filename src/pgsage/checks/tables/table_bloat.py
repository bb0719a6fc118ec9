"""table-bloat: a table much larger than its rows need (a statistical estimate)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pgsage.checks.base import Check, CheckDocs
from pgsage.checks.tables.estimate import BloatLimits, bloat_params, table_estimate
from pgsage.checks.tables.storage_params import table_ref
from pgsage.db.snapshot import Snapshot
from pgsage.fixes.table import Vacuum
from pgsage.model import Finding, Severity
from pgsage.units import human_bytes


class TableBloat(Check):
    id = "table-bloat"
    category = "tables"
    severity = Severity.WARNING
    title = "Bloated table"
    requires_sections = ("tables", "columns", "settings")
    params = bloat_params("table")
    docs = CheckDocs(
        problem="The table takes far more pages than its rows need. The estimate comes from "
        "the planner's statistics (pg_stats average width and null fraction of each "
        "column, reltuples, block size, fillfactor) and PostgreSQL's page layout, "
        "compared with the table's size; ANALYZE the table first for a fresh estimate.",
        why="Free space inside a table is only reused by new rows of the same table: "
        "sequential scans, VACUUM and backups still read every page, the cache holds half "
        "empty pages, and the table never shrinks on its own. It comes from mass DELETEs "
        "or UPDATEs and from autovacuum running too late.",
        fix="Rebuild the table online with pg_repack (extension and client tool; it needs a "
        "primary key or unique index). VACUUM FULL also compacts it, but it rewrites the "
        "table under an ACCESS EXCLUSIVE lock: every read and write waits until it ends. "
        "Then keep autovacuum up with the table so the space is reused instead of growing.",
        alembic="Not a migration: run pg_repack (or VACUUM FULL in a maintenance window) by hand.",
    )

    def evaluate(self, snapshot: Snapshot, params: Mapping[str, Any]) -> list[Finding]:
        limits = BloatLimits.from_params(params)
        findings = []
        for table in snapshot.tables:
            estimate = table_estimate(snapshot, table)
            if estimate is None or not limits.exceeded_by(estimate):
                continue
            findings.append(
                self.finding(
                    table_ref(table),
                    f"{table.qualified} is about {estimate.ratio:.0%} bloat: "
                    f"{human_bytes(estimate.actual_bytes)} on disk where its "
                    f"{estimate.rows:,.0f} rows need about {human_bytes(estimate.expected_bytes)} "
                    f"({human_bytes(estimate.wasted_bytes)} wasted)",
                    severity=limits.severity(estimate),
                    evidence={
                        "table_bytes": estimate.actual_bytes,
                        **estimate.waste_evidence(),
                        "rows": int(estimate.rows),
                        "estimated_row_bytes": estimate.tuple_bytes,
                        "rows_per_page": estimate.rows_per_page,
                        "fillfactor": estimate.fillfactor,
                        "dead_rows": table.n_dead_tup,
                        **limits.evidence(),
                    },
                    recommendation=f"Rebuild {table.qualified} online with pg_repack "
                    f"(pg_repack --table={table.qualified}); VACUUM FULL works too "
                    "but holds an ACCESS EXCLUSIVE lock (no reads or writes) while "
                    "it rewrites the table.",
                    fix=Vacuum(table.schema, table.name, ("FULL", "VERBOSE", "ANALYZE")),
                )
            )
        return findings
