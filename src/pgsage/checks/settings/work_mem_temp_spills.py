"""work-mem-temp-spills: queries spill sorts and hashes to disk while work_mem is the default."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from pgsage.checks.base import Check, CheckDocs, Param
from pgsage.checks.settings.values import (
    change_setting,
    setting_ref,
    setting_row,
    value_bytes,
)
from pgsage.db.snapshot import Snapshot
from pgsage.model import Finding, Severity
from pgsage.units import human_bytes

BLOCK_BYTES = 8192
TOP_STATEMENTS = 3


class WorkMemTempSpills(Check):
    id = "work-mem-temp-spills"
    category = "settings"
    severity = Severity.WARNING
    title = "Temporary files with default work_mem"
    requires_sections = ("database", "settings")
    params = (
        Param(
            "min_temp_bytes",
            1024 * 1024 * 1024,
            "report when the database has written this many bytes of temporary files since "
            "its statistics were reset",
        ),
        Param(
            "max_work_mem_bytes",
            4 * 1024 * 1024,
            "only while work_mem is at most this (4MB is the default)",
        ),
        Param("suggested_work_mem", "16MB", "the work_mem the fix proposes"),
    )
    docs = CheckDocs(
        problem="Queries in this database have written a significant volume of temporary files "
        "(pg_stat_database.temp_bytes) while work_mem is still the 4MB default.",
        why="A sort, hash join or hash aggregate that does not fit in work_mem spills to disk "
        "and runs many times slower. The 4MB default is sized for tiny servers; "
        "analytics and reporting queries almost always exceed it.",
        fix="Find the statements that spill (pg_stat_statements.temp_blks_written) and raise "
        "work_mem for them — per role (ALTER ROLE reporting SET work_mem = '64MB'), per "
        "transaction (SET LOCAL work_mem) or moderately server-wide. work_mem is per sort "
        "or hash node per backend, so a global value multiplies by the connections.",
    )

    def evaluate(self, snapshot: Snapshot, params: Mapping[str, Any]) -> list[Finding]:
        db = snapshot.database
        row = setting_row(snapshot, "work_mem")
        if db is None or row is None:
            return []
        work_mem = value_bytes(row)
        temp_bytes = db.temp_bytes or 0
        if work_mem is None or work_mem > int(params["max_work_mem_bytes"]):
            return []
        if temp_bytes < int(params["min_temp_bytes"]):
            return []
        spilling = sorted(
            (s for s in snapshot.statements if s.temp_blks_written > 0),
            key=lambda s: (-s.temp_blks_written, s.query),
        )[:TOP_STATEMENTS]
        since = db.stats_reset or db.postmaster_start_time
        suggested = str(params["suggested_work_mem"])
        return [
            self.finding(
                setting_ref(row.name),
                f"database {db.name} wrote {human_bytes(temp_bytes)} in {db.temp_files or 0} "
                f"temporary files while work_mem is {human_bytes(work_mem)}",
                evidence={
                    "database": db.name,
                    "temp_files": db.temp_files or 0,
                    "temp_bytes": temp_bytes,
                    "work_mem_bytes": work_mem,
                    "stats_since": since.isoformat(),
                    "min_temp_bytes": int(params["min_temp_bytes"]),
                    "top_spilling_statements": [
                        f"{human_bytes(s.temp_blks_written * BLOCK_BYTES)} written: "
                        f"{_one_line(s.query)}"
                        for s in spilling
                    ],
                },
                recommendation="Raise work_mem where the spills happen — for the statements or "
                "roles that write temporary files (per role, or SET LOCAL in the "
                f"transaction) — or moderately server-wide (e.g. {suggested}), "
                "keeping connections x work_mem within memory.",
                fix=change_setting(snapshot, row, suggested),
            )
        ]


def _one_line(query: str, limit: int = 120) -> str:
    text = re.sub(r"\s+", " ", query).strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"
