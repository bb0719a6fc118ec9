"""slow-query-log-off: statements are never logged for being slow."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pgsage.checks.base import Check, CheckDocs, Param
from pgsage.checks.settings.values import (
    change_setting,
    setting_ref,
    setting_row,
    value_ms,
)
from pgsage.db.snapshot import Snapshot
from pgsage.model import Finding, Severity


class SlowQueryLogOff(Check):
    id = "slow-query-log-off"
    category = "settings"
    severity = Severity.WARNING
    title = "Slow-query logging is off"
    requires_sections = ("settings",)
    params = (
        Param(
            "suggested_ms",
            1000,
            "the log_min_duration_statement the fix proposes "
            "(seed 004: log queries slower than 1 s)",
        ),
    )
    docs = CheckDocs(
        problem="log_min_duration_statement is -1 (and auto_explain does not log slow plans "
        "either), so no statement is ever logged for being slow.",
        why="pg_stat_statements aggregates, but only the log shows the individual slow "
        "execution: its parameters, when it happened, and which session ran it — what is "
        "needed to reproduce an incident. A threshold such as 1 s logs only the outliers.",
        fix="ALTER SYSTEM SET log_min_duration_statement = 1000; SELECT pg_reload_conf(); "
        "(or per database or role with ALTER DATABASE / ALTER ROLE ... SET). Consider "
        "auto_explain with the same threshold to also log the plans.",
    )

    def evaluate(self, snapshot: Snapshot, params: Mapping[str, Any]) -> list[Finding]:
        row = setting_row(snapshot, "log_min_duration_statement")
        if row is None or value_ms(row) != -1:
            return []
        # auto_explain (when loaded) logs slow statements with their plans.
        explain = setting_row(snapshot, "auto_explain.log_min_duration")
        explain_ms = value_ms(explain) if explain is not None else None
        if explain_ms is not None and explain_ms >= 0:
            return []
        suggested = int(params["suggested_ms"])
        return [
            self.finding(
                setting_ref(row.name),
                "log_min_duration_statement is -1: no statement is logged for being slow",
                evidence={
                    "log_min_duration_statement": -1,
                    "source": row.source,
                    "auto_explain_loaded": explain is not None,
                    "suggested_ms": suggested,
                },
                recommendation=f"Log statements slower than {suggested} ms "
                f"(log_min_duration_statement = {suggested}) so that each slow "
                "execution, with its parameters, can be found and reproduced.",
                fix=change_setting(snapshot, row, suggested),
            )
        ]
