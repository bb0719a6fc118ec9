"""maintenance-work-mem-low: maintenance_work_mem at the 64MB default with large indexes."""

from __future__ import annotations

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


class MaintenanceWorkMemLow(Check):
    id = "maintenance-work-mem-low"
    category = "settings"
    severity = Severity.INFO
    title = "maintenance_work_mem low for the index sizes"
    requires_sections = ("settings", "indexes")
    params = (
        Param(
            "max_bytes",
            64 * 1024 * 1024,
            "report maintenance_work_mem at or below this (64MB is the default)",
        ),
        Param("min_index_bytes", 1024 * 1024 * 1024, "only when an index is at least this large"),
        Param("suggested_value", "1GB", "the maintenance_work_mem the fix proposes"),
    )
    docs = CheckDocs(
        problem="maintenance_work_mem is at the 64MB default (or lower) while the database has "
        "large indexes.",
        why="CREATE INDEX and REINDEX sort in maintenance_work_mem and spill to disk beyond it; "
        "VACUUM (and autovacuum, unless autovacuum_work_mem is set) keeps the dead row "
        "pointers it collects there, and must scan every index of the table once per "
        "filling — with large indexes, several full index passes per VACUUM.",
        fix="ALTER SYSTEM SET maintenance_work_mem = '1GB'; SELECT pg_reload_conf(); (size it "
        "to the memory: up to autovacuum_max_workers of them can run at once, or set "
        "autovacuum_work_mem separately), or SET maintenance_work_mem in the session that "
        "builds an index.",
    )

    def evaluate(self, snapshot: Snapshot, params: Mapping[str, Any]) -> list[Finding]:
        row = setting_row(snapshot, "maintenance_work_mem")
        current = value_bytes(row) if row else None
        if row is None or current is None or current > int(params["max_bytes"]):
            return []
        minimum = int(params["min_index_bytes"])
        large = sorted(
            (ix for ix in snapshot.indexes if ix.size_bytes >= minimum),
            key=lambda ix: (-ix.size_bytes, ix.schema, ix.name),
        )
        if not large:
            return []
        biggest = large[0]
        autovacuum_row = setting_row(snapshot, "autovacuum_work_mem")
        autovacuum = value_bytes(autovacuum_row) if autovacuum_row else None
        suggested = str(params["suggested_value"])
        return [
            self.finding(
                setting_ref(row.name),
                f"maintenance_work_mem is {human_bytes(current)} while {len(large)} index(es) are "
                f"{human_bytes(minimum)} or larger (largest {biggest.qualified}, "
                f"{human_bytes(biggest.size_bytes)})",
                evidence={
                    "maintenance_work_mem_bytes": current,
                    "autovacuum_work_mem_bytes": autovacuum
                    if autovacuum and autovacuum > 0
                    else None,
                    "large_indexes": len(large),
                    "largest_index": biggest.qualified,
                    "largest_index_bytes": biggest.size_bytes,
                    "min_index_bytes": minimum,
                    "suggested_value": suggested,
                },
                recommendation=f"Raise maintenance_work_mem (e.g. to {suggested}, within memory: "
                "autovacuum workers each use it unless autovacuum_work_mem is set) "
                "so index builds and VACUUM's index passes work in memory.",
                fix=change_setting(snapshot, row, suggested),
            )
        ]
