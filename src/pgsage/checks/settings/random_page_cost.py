"""random-page-cost: the planner still assumes spinning disks."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pgsage.checks.base import Check, CheckDocs, Param
from pgsage.checks.settings.values import (
    change_setting,
    setting_ref,
    setting_row,
    value_float,
)
from pgsage.db.snapshot import Snapshot
from pgsage.model import Finding, Severity


class RandomPageCost(Check):
    id = "random-page-cost"
    category = "settings"
    severity = Severity.INFO
    title = "random_page_cost tuned for spinning disks"
    requires_sections = ("settings",)
    params = (
        Param("max_cost", 4.0, "report random_page_cost at or above this (4 is the default)"),
        Param("suggested_cost", 1.1, "the value the fix proposes for SSD or cloud storage"),
    )
    docs = CheckDocs(
        problem="random_page_cost is at its default of 4 (or higher): the planner assumes a "
        "random page read costs four sequential ones, as on spinning disks.",
        why="On SSDs, NVMe and cloud block storage random reads cost about as much as "
        "sequential ones, and most hot data is cached. With 4, the planner undervalues "
        "index scans and picks sequential scans or bitmap scans where an index scan would "
        "be faster. Values of 1.1-2 are usual on such storage.",
        fix="ALTER SYSTEM SET random_page_cost = 1.1; SELECT pg_reload_conf(); — if the data "
        "lives on SSD or cloud storage (or fits in memory); compare key query plans before "
        "and after. It can also be set per tablespace.",
    )

    def evaluate(self, snapshot: Snapshot, params: Mapping[str, Any]) -> list[Finding]:
        row = setting_row(snapshot, "random_page_cost")
        cost = value_float(row) if row else None
        if row is None or cost is None or cost < float(params["max_cost"]):
            return []
        suggested = float(params["suggested_cost"])
        return [
            self.finding(
                setting_ref(row.name),
                f"random_page_cost is {cost:g}: the planner prices random reads as on spinning "
                "disks",
                evidence={
                    "random_page_cost": cost,
                    "seq_page_cost": snapshot.setting("seq_page_cost"),
                    "source": row.source,
                    "max_cost": float(params["max_cost"]),
                    "suggested_cost": suggested,
                },
                recommendation=f"If the data is on SSD or cloud storage, lower random_page_cost to "
                f"about {suggested:g} (1.1-2 is usual) and compare the plans of key "
                "queries.",
                fix=change_setting(snapshot, row, suggested),
            )
        ]
