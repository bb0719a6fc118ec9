"""dead-tuples: many dead rows, or dead rows far past the point where autovacuum should have
vacuumed the table — autovacuum is behind."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pgsage.checks.base import Check, CheckDocs, Param
from pgsage.checks.tables.storage_params import (
    VACUUMED_KINDS,
    age_hours,
    autovacuum_disabled_by,
    describe_age,
    iso,
    last_vacuum,
    table_ref,
    vacuum_trigger,
)
from pgsage.db.rows import Table
from pgsage.db.snapshot import Snapshot
from pgsage.fixes.table import Vacuum
from pgsage.model import Finding, Severity


class DeadTuples(Check):
    id = "dead-tuples"
    category = "tables"
    severity = Severity.WARNING
    title = "Dead rows piling up (autovacuum behind)"
    requires_sections = ("tables", "settings")
    params = (
        Param("min_rows", 10000.0, "only tables with at least this many live + dead rows"),
        Param("max_dead_ratio", 0.2, "report a share of dead rows above this"),
        Param("error_dead_ratio", 0.5, "a share of dead rows above this is an error"),
        Param(
            "lag_factor",
            2.0,
            "report dead rows above this many times the table's "
            "autovacuum trigger (threshold + scale factor x rows)",
        ),
    )
    docs = CheckDocs(
        problem="A large share of the table's rows are dead (n_dead_tup / (n_live_tup + "
        "n_dead_tup)), or its dead rows are far past the count at which autovacuum "
        "should have vacuumed it (autovacuum_vacuum_threshold + "
        "autovacuum_vacuum_scale_factor x reltuples, from the table's own storage "
        "parameters when it has them): autovacuum is behind or cannot clean up.",
        why="Dead rows take space until VACUUM reclaims it: sequential scans read them, index "
        "scans visit them, the table and its indexes bloat, and index-only scans fall back "
        "to the heap because the visibility map is stale. When autovacuum does run but the "
        "dead rows stay, something holds back the cleanup horizon: a long transaction, an "
        "idle-in-transaction session, a prepared transaction or a replication slot.",
        fix='Run VACUUM (VERBOSE, ANALYZE) on the table and read its output ("dead row '
        'versions cannot be removed yet" means a transaction or slot holds the horizon: '
        "end it). Then make autovacuum keep up: a lower per-table "
        "autovacuum_vacuum_scale_factor, more autovacuum_max_workers, a higher "
        "autovacuum_vacuum_cost_limit.",
        alembic="op.execute('VACUUM (VERBOSE, ANALYZE) ...') inside "
        "op.get_context().autocommit_block() — better run by hand or a scheduled job "
        "than in a migration.",
    )

    def evaluate(self, snapshot: Snapshot, params: Mapping[str, Any]) -> list[Finding]:
        findings = []
        for table in snapshot.tables:
            if table.kind not in VACUUMED_KINDS or table.n_dead_tup is None:
                continue
            finding = self._judge(snapshot, table, params)
            if finding is not None:
                findings.append(finding)
        return findings

    def _judge(self, snapshot: Snapshot, table: Table, params: Mapping[str, Any]) -> Finding | None:
        dead = table.n_dead_tup or 0
        live = table.n_live_tup or 0
        total = live + dead
        if total < float(params["min_rows"]) or dead == 0:
            return None
        ratio = dead / total
        trigger = vacuum_trigger(snapshot, table)
        lag_factor = float(params["lag_factor"])
        behind = trigger is not None and dead > lag_factor * trigger.value
        high = ratio > float(params["max_dead_ratio"])
        if not (behind or high):
            return None
        now = snapshot.collected_at
        vacuumed = last_vacuum(table)
        disabled = autovacuum_disabled_by(snapshot, table)
        reasons = []
        if high:
            reasons.append(f"{ratio:.0%} of its rows are dead")
        if behind and trigger is not None:
            reasons.append(
                f"{dead / max(trigger.value, 1):.1f}x the {trigger.value:,.0f} dead "
                "rows that trigger autovacuum"
            )
        if disabled:
            cause = (
                "autovacuum is switched off for it"
                if disabled == "table"
                else "autovacuum is off on the server"
            )
        else:
            cause = "autovacuum has not caught up"
        return self.finding(
            table_ref(table),
            f"{table.qualified} has {dead:,} dead rows ({' and '.join(reasons)}); last vacuumed "
            f"{describe_age(age_hours(vacuumed, now))}, {cause}",
            severity=Severity.ERROR if ratio > float(params["error_dead_ratio"]) else None,
            evidence={
                "dead_rows": dead,
                "live_rows": live,
                "dead_ratio": round(ratio, 4),
                "autovacuum_trigger_rows": round(trigger.value) if trigger else None,
                "vacuum_threshold": trigger.threshold if trigger else None,
                "vacuum_scale_factor": trigger.scale_factor if trigger else None,
                "scale_factor_source": trigger.source if trigger else None,
                "autovacuum_disabled": disabled,
                "last_vacuum": iso(table.last_vacuum),
                "last_autovacuum": iso(table.last_autovacuum),
                "last_vacuum_age_hours": age_hours(table.last_vacuum, now),
                "last_autovacuum_age_hours": age_hours(table.last_autovacuum, now),
                "autovacuum_count": table.autovacuum_count,
                "max_dead_ratio": float(params["max_dead_ratio"]),
                "lag_factor": lag_factor,
                "min_rows": float(params["min_rows"]),
            },
            recommendation=f"VACUUM {table.qualified} now and read the VERBOSE output: if dead "
            'rows "cannot be removed yet", end the long transaction, idle '
            "session, prepared transaction or stale replication slot holding "
            "them; then tune autovacuum so it keeps up with this table.",
            fix=Vacuum(table.schema, table.name),
        )
