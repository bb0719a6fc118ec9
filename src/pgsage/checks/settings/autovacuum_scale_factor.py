"""autovacuum-scale-factor-large-tables: large tables that wait for 20 % dead rows."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pgsage.checks.base import Check, CheckDocs, Param
from pgsage.checks.settings.values import reloption
from pgsage.db.rows import Table
from pgsage.db.snapshot import Snapshot
from pgsage.fixes.table import SetStorageParameter
from pgsage.model import Finding, ObjectRef, Severity

SCALE_FACTOR = "autovacuum_vacuum_scale_factor"
THRESHOLD = "autovacuum_vacuum_threshold"
MAX_THRESHOLD = "autovacuum_vacuum_max_threshold"  # PostgreSQL 18+
VACUUMED_KINDS = ("r", "m")


def _number(value: str | None) -> float | None:
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


class AutovacuumScaleFactorLargeTables(Check):
    id = "autovacuum-scale-factor-large-tables"
    category = "settings"
    severity = Severity.WARNING
    title = "Large table on the default autovacuum scale factor"
    requires_sections = ("tables", "settings")
    params = (
        Param("min_rows", 1_000_000.0, "only tables with at least this many rows"),
        Param(
            "max_scale_factor",
            0.2,
            "report an effective autovacuum_vacuum_scale_factor at "
            "or above this (0.2 is the default)",
        ),
        Param("suggested_scale_factor", 0.01, "the per-table scale factor the fix proposes"),
    )
    docs = CheckDocs(
        problem="A large table uses an autovacuum_vacuum_scale_factor of 0.2 (the default, "
        "from the server or its own storage parameters): autovacuum waits until about "
        "20 % of its rows are dead before vacuuming it.",
        why="On a table of 50 million rows that is 10 million dead rows: the table and its "
        "indexes bloat, scans read the dead rows, index-only scans fall back to the heap "
        "because the visibility map is stale, and each VACUUM, when it finally comes, is "
        "long and I/O-heavy.",
        fix="Give large, frequently updated tables their own scale factor, e.g. ALTER TABLE "
        "... SET (autovacuum_vacuum_scale_factor = 0.01), optionally with a fixed "
        "autovacuum_vacuum_threshold, so they are vacuumed little and often.",
        alembic='op.execute("ALTER TABLE ... SET (autovacuum_vacuum_scale_factor = 0.01)"), '
        "or postgresql_with={'autovacuum_vacuum_scale_factor': 0.01} on the Table.",
    )

    def evaluate(self, snapshot: Snapshot, params: Mapping[str, Any]) -> list[Finding]:
        server_factor = _number(snapshot.setting(SCALE_FACTOR))
        server_threshold = _number(snapshot.setting(THRESHOLD)) or 0.0
        server_max = _number(snapshot.setting(MAX_THRESHOLD))
        if server_factor is None:
            return []
        min_rows = float(params["min_rows"])
        limit = float(params["max_scale_factor"])
        suggested = float(params["suggested_scale_factor"])
        findings = []
        for table in snapshot.tables:
            if table.kind not in VACUUMED_KINDS or table.estimated_rows < min_rows:
                continue
            if (reloption(table, "autovacuum_enabled") or "").lower() in ("false", "off"):
                continue  # autovacuum is off for it: another problem, not this one
            own = _number(reloption(table, SCALE_FACTOR))
            factor = own if own is not None else server_factor
            if factor < limit:
                continue
            findings.append(
                self._finding(
                    table, factor, own is not None, server_threshold, server_max, params, suggested
                )
            )
        return findings

    def _finding(
        self,
        table: Table,
        factor: float,
        own: bool,
        server_threshold: float,
        server_max: float | None,
        params: Mapping[str, Any],
        suggested: float,
    ) -> Finding:
        rows = table.estimated_rows
        threshold = _number(reloption(table, THRESHOLD))
        threshold = server_threshold if threshold is None else threshold
        cap = _number(reloption(table, MAX_THRESHOLD))
        cap = server_max if cap is None else cap
        trigger = threshold + factor * rows
        if cap is not None and cap >= 0:
            trigger = min(trigger, cap)
        source = "table storage parameter" if own else "server setting"
        return self.finding(
            ObjectRef("table", table.schema, table.name),
            f"{table.qualified} ({rows:,.0f} rows) is vacuumed only after about "
            f"{trigger:,.0f} dead rows (scale factor {factor:g} from the {source})",
            evidence={
                "rows": int(rows),
                "scale_factor": factor,
                "scale_factor_source": source,
                "vacuum_threshold": threshold,
                "dead_rows_before_vacuum": int(trigger),
                "dead_rows": table.n_dead_tup,
                "last_autovacuum": table.last_autovacuum.isoformat()
                if table.last_autovacuum
                else None,
                "min_rows": float(params["min_rows"]),
                "max_scale_factor": float(params["max_scale_factor"]),
            },
            recommendation=f"Set a per-table autovacuum_vacuum_scale_factor of about "
            f"{suggested:g} on {table.qualified} so autovacuum runs after "
            f"{threshold + suggested * rows:,.0f} dead rows instead of "
            f"{trigger:,.0f}.",
            fix=SetStorageParameter(table.schema, table.name, SCALE_FACTOR, suggested),
        )
