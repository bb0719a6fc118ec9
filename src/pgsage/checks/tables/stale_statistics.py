"""stale-statistics: tables never analyzed, or modified far past the point where autovacuum
should have analyzed them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pgsage.checks.base import Check, CheckDocs, Param
from pgsage.checks.tables.storage_params import (
    VACUUMED_KINDS,
    age_hours,
    analyze_trigger,
    autovacuum_disabled_by,
    describe_age,
    iso,
    last_analyze,
    partition_rows,
    table_ref,
)
from pgsage.db.rows import Table
from pgsage.db.snapshot import Snapshot
from pgsage.fixes.table import Analyze
from pgsage.model import Finding, Severity
from pgsage.units import human_bytes


def _unknown_but_big(table: Table, params: Mapping[str, Any]) -> bool:
    """No statistic knows the row count (reltuples -1: never analyzed nor vacuumed; the live
    counter zero, e.g. after pg_stat_reset()), yet the table's measured size is real."""
    return (
        table.reltuples < 0
        and not table.n_live_tup
        and table.table_bytes >= float(params["min_bytes_unknown_rows"])
    )


def has_column_statistics(snapshot: Snapshot, table: Table) -> bool:
    """pg_stats has rows for the table: it was analyzed at some point, even when the
    statistics counters (last_analyze) were reset since."""
    columns = snapshot.columns_by_table.get((table.schema, table.name), [])
    return any(c.null_frac is not None for c in columns)


class StaleStatistics(Check):
    id = "stale-statistics"
    category = "tables"
    severity = Severity.WARNING
    title = "Missing or stale planner statistics"
    requires_sections = ("tables", "columns", "settings")
    params = (
        Param("min_rows", 1000.0, "only tables with at least this many rows"),
        Param(
            "min_bytes_unknown_rows",
            1048576.0,
            "a table whose row count nothing records (never analyzed or vacuumed, counters "
            "reset) is judged by its measured size: at least this many bytes",
        ),
        Param(
            "lag_factor",
            2.0,
            "report rows modified since the last ANALYZE above this many "
            "times the table's autoanalyze trigger (threshold + scale "
            "factor x rows)",
        ),
        Param(
            "min_minutes_since_analyze",
            10.0,
            "a table autovacuum looks after, analyzed more recently than this, is not yet "
            "judged stale (autovacuum may not have had its turn)",
        ),
    )
    docs = CheckDocs(
        problem="A table with rows was never analyzed (no statistics in pg_stats), or far more "
        "rows were modified since its last ANALYZE than autovacuum waits for "
        "(autovacuum_analyze_threshold + autovacuum_analyze_scale_factor x reltuples, "
        "from the table's storage parameters when it has them). Partitioned tables are "
        "never analyzed by autovacuum: their own statistics come only from a manual "
        "ANALYZE (reported as info). A table autovacuum looks after that was analyzed "
        "only minutes ago is left to autovacuum to catch up.",
        why="The planner estimates row counts from these statistics. Without them, or with "
        "old ones after a bulk load or a large delete, it picks nested loops over millions "
        "of rows, sequential scans where an index would do, or too little memory for "
        "sorts and hashes — the same query suddenly runs minutes instead of milliseconds.",
        fix="ANALYZE the table (it reads a sample, takes a lock that does not block reads or "
        "writes). Run ANALYZE after every bulk load in the load job itself; if autovacuum "
        "is off for the table or cannot keep up, fix that (see autovacuum-disabled, "
        "dead-tuples). Partitioned parents need a scheduled ANALYZE.",
        alembic="op.execute('ANALYZE ...') at the end of a data migration that loads or "
        "rewrites many rows.",
    )

    def evaluate(self, snapshot: Snapshot, params: Mapping[str, Any]) -> list[Finding]:
        min_rows = float(params["min_rows"])
        findings = []
        for table in snapshot.tables:
            analyzed = last_analyze(table) is not None or has_column_statistics(snapshot, table)
            if table.kind == "p":
                rows = partition_rows(snapshot, table)
                if not analyzed and rows >= min_rows:
                    findings.append(self._never(snapshot, table, rows, params, partitioned=True))
                continue
            if table.kind not in VACUUMED_KINDS:
                continue
            rows = max(float(table.n_live_tup or 0), table.reltuples)
            if not analyzed and _unknown_but_big(table, params):
                findings.append(self._never(snapshot, table, rows, params))
                continue
            if rows < min_rows:
                continue
            if not analyzed:
                findings.append(self._never(snapshot, table, rows, params))
                continue
            stale = self._stale(snapshot, table, rows, params)
            if stale is not None:
                findings.append(stale)
        return findings

    def _never(
        self,
        snapshot: Snapshot,
        table: Table,
        rows: float,
        params: Mapping[str, Any],
        partitioned: bool = False,
    ) -> Finding:
        if partitioned:
            note = (
                "; autovacuum never analyzes partitioned tables, the planner has only the "
                "partitions' statistics"
            )
        else:
            disabled = autovacuum_disabled_by(snapshot, table)
            note = {
                "table": "; autovacuum is switched off for it",
                "server": "; autovacuum is off on the server",
            }.get(disabled or "", "")
        size = (
            f"{rows:,.0f} rows"
            if rows > 0
            else f"{human_bytes(table.table_bytes)}, row count unknown: no statistics record it"
        )
        return self.finding(
            table_ref(table),
            f"{table.qualified} ({size}) has never been analyzed{note}",
            severity=Severity.INFO if partitioned else None,
            evidence={
                "rows": int(rows),
                "table_bytes": table.table_bytes,
                "last_analyze": None,
                "last_autoanalyze": None,
                "modified_since_analyze": table.n_mod_since_analyze,
                "partitioned": partitioned,
                "min_rows": float(params["min_rows"]),
            },
            recommendation=f"ANALYZE {table.qualified} now"
            + (
                " and on a schedule (e.g. nightly)."
                if partitioned
                else ", and after every bulk load."
            ),
            fix=Analyze(table.schema, table.name),
        )

    def _stale(
        self, snapshot: Snapshot, table: Table, rows: float, params: Mapping[str, Any]
    ) -> Finding | None:
        modified = table.n_mod_since_analyze or 0
        trigger = analyze_trigger(snapshot, table)
        lag_factor = float(params["lag_factor"])
        if trigger is None or modified <= lag_factor * trigger.value:
            return None
        now = snapshot.collected_at
        analyzed = last_analyze(table)
        disabled = autovacuum_disabled_by(snapshot, table)
        minutes = (age_hours(analyzed, now) or 0.0) * 60 if analyzed else None
        if (
            disabled is None
            and minutes is not None
            and minutes < float(params["min_minutes_since_analyze"])
        ):
            return None
        return self.finding(
            table_ref(table),
            f"{table.qualified} had {modified:,} rows modified since its last ANALYZE "
            f"({describe_age(age_hours(analyzed, now))}), {modified / max(trigger.value, 1):.1f}x "
            f"the {trigger.value:,.0f} that trigger autoanalyze",
            evidence={
                "rows": int(rows),
                "modified_since_analyze": modified,
                "autoanalyze_trigger_rows": round(trigger.value),
                "analyze_threshold": trigger.threshold,
                "analyze_scale_factor": trigger.scale_factor,
                "scale_factor_source": trigger.source,
                "autovacuum_disabled": disabled,
                "last_analyze": iso(table.last_analyze),
                "last_autoanalyze": iso(table.last_autoanalyze),
                "last_analyze_age_hours": age_hours(analyzed, now),
                "lag_factor": lag_factor,
            },
            recommendation=f"ANALYZE {table.qualified} now; if autovacuum keeps falling behind "
            "on it, lower its autovacuum_analyze_scale_factor.",
            fix=Analyze(table.schema, table.name),
        )
