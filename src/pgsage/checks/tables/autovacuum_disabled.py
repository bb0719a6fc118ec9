"""autovacuum-disabled: autovacuum switched off for written tables (storage parameter) or for
the whole server."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pgsage.checks.base import Check, CheckDocs, Param
from pgsage.checks.tables.storage_params import (
    VACUUMED_KINDS,
    age_hours,
    describe_age,
    is_false,
    iso,
    last_vacuum,
    reloption,
    table_ref,
    writes,
)
from pgsage.db.rows import Table
from pgsage.db.snapshot import Snapshot
from pgsage.fixes.settings import SetSetting
from pgsage.fixes.table import ResetStorageParameter
from pgsage.model import Finding, ObjectRef, Severity
from pgsage.units import human_bytes

PARAMETER = "autovacuum_enabled"
MAX_LISTED = 20


class AutovacuumDisabled(Check):
    id = "autovacuum-disabled"
    category = "tables"
    severity = Severity.WARNING
    title = "Autovacuum switched off"
    requires_sections = ("tables", "settings")
    params = (
        Param(
            "min_writes",
            1,
            "only tables with at least this many rows inserted, updated "
            "or deleted since the statistics were reset",
        ),
        Param(
            "min_size_bytes",
            8388608,
            "tables at least this big are reported whatever the write counters say (after "
            "pg_stat_reset() or a crash they read zero)",
        ),
    )
    docs = CheckDocs(
        problem="Tables that are written to (or big enough to matter when the write counters "
        "were reset) have the storage parameter autovacuum_enabled = false, or the server "
        "runs with autovacuum = off.",
        why="Nothing vacuums or analyzes these tables any more: dead rows pile up and bloat "
        "them and their indexes, the visibility map goes stale (no index-only scans), the "
        "planner works from old statistics, and the transaction ID age grows until an "
        "emergency anti-wraparound vacuum (which runs even when autovacuum is off) or, at "
        "worst, a shutdown to prevent wraparound.",
        fix="ALTER TABLE ... RESET (autovacuum_enabled) — tune the table's autovacuum "
        "parameters (scale factor, cost limit) instead of switching it off. For the "
        "server: ALTER SYSTEM SET autovacuum = on; SELECT pg_reload_conf();. If a bulk "
        "load needed it off, switch it back on and VACUUM ANALYZE after the load.",
        alembic="op.execute('ALTER TABLE ... RESET (autovacuum_enabled)'), and drop "
        "autovacuum_enabled from the Table's postgresql_with.",
    )

    def evaluate(self, snapshot: Snapshot, params: Mapping[str, Any]) -> list[Finding]:
        min_writes = int(params["min_writes"])
        min_size = int(params["min_size_bytes"])
        written = [
            t for t in snapshot.tables if t.kind in VACUUMED_KINDS and writes(t) >= min_writes
        ]
        big = [
            t
            for t in snapshot.tables
            if t.kind in VACUUMED_KINDS and writes(t) < min_writes and t.table_bytes >= min_size
        ]
        findings = [
            self._table(snapshot, t, min_writes)
            for t in sorted(written + big, key=lambda t: (t.schema, t.name))
            if is_false(reloption(t.reloptions, PARAMETER))
        ]
        if is_false(snapshot.setting("autovacuum")) and written:
            findings.append(self._server(written, min_writes))
        return findings

    def _table(self, snapshot: Snapshot, table: Table, min_writes: int) -> Finding:
        now = snapshot.collected_at
        vacuumed = last_vacuum(table)
        return self.finding(
            table_ref(table),
            f"{table.qualified} has autovacuum_enabled = false but "
            + (
                f"{writes(table):,} rows written ({table.n_dead_tup or 0:,} dead now)"
                if writes(table) >= min_writes
                else f"holds {human_bytes(table.table_bytes)} (no writes recorded since the "
                "statistics were reset: the counters cannot tell whether it is written)"
            )
            + f"; last vacuumed {describe_age(age_hours(vacuumed, now))}",
            evidence={
                "reloption": f"{PARAMETER}={reloption(table.reloptions, PARAMETER)}",
                "rows_inserted": table.n_tup_ins,
                "rows_updated": table.n_tup_upd,
                "rows_deleted": table.n_tup_del,
                "dead_rows": table.n_dead_tup,
                "live_rows": table.n_live_tup,
                "last_vacuum": iso(table.last_vacuum),
                "last_autovacuum": iso(table.last_autovacuum),
                "last_vacuum_age_hours": age_hours(vacuumed, now),
                "table_bytes": table.table_bytes,
                "min_writes": min_writes,
            },
            recommendation=f"Switch autovacuum back on for {table.qualified} (RESET "
            f"{PARAMETER}) and tune its autovacuum parameters instead; VACUUM "
            "ANALYZE it once by hand if it has many dead rows.",
            fix=ResetStorageParameter(table.schema, table.name, PARAMETER),
        )

    def _server(self, written: list[Table], min_writes: int) -> Finding:
        busiest = sorted(written, key=lambda t: (-writes(t), t.schema, t.name))
        return self.finding(
            ObjectRef("setting", "", "autovacuum"),
            f"autovacuum is off on the server while {len(written)} table(s) are written to "
            f"(busiest: {busiest[0].qualified}, {writes(busiest[0]):,} rows written)",
            severity=Severity.ERROR,
            evidence={
                "setting": "autovacuum=off",
                "written_tables": len(written),
                "busiest_tables": [
                    f"{t.qualified}: {writes(t)} rows written" for t in busiest[:MAX_LISTED]
                ],
                "min_writes": min_writes,
            },
            recommendation="Turn autovacuum back on for the whole server; switch it off per "
            "table (briefly, for a bulk load) if you must.",
            fix=SetSetting(name="autovacuum", value=True),
        )
