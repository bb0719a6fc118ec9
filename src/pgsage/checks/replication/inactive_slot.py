"""inactive-replication-slot: a slot no consumer reads, holding WAL back on this server."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pgsage.checks.base import Check, CheckDocs, Param
from pgsage.db.snapshot import Snapshot
from pgsage.fixes.server import DropReplicationSlot
from pgsage.model import Finding, ObjectRef, Severity
from pgsage.units import human_bytes


class InactiveReplicationSlot(Check):
    id = "inactive-replication-slot"
    category = "replication"
    severity = Severity.WARNING
    title = "Inactive replication slot retaining WAL"
    requires_sections = ("slots",)
    params = (
        Param(
            "warning_bytes",
            1024 * 1024 * 1024,
            "warn when an inactive slot retains this many bytes of WAL",
        ),
        Param("error_bytes", 10 * 1024 * 1024 * 1024, "an error from this many bytes on"),
    )
    docs = CheckDocs(
        problem="A replication slot has no connected consumer (active = false) and retains "
        "more WAL than the threshold: the server must keep every WAL file from the "
        "slot's restart_lsn on.",
        why="An abandoned slot (a decommissioned replica, a stopped CDC connector, a dropped "
        "subscription) retains WAL without limit unless max_slot_wal_keep_size is set — "
        "until pg_wal fills the disk and the server stops. A logical slot also holds back "
        "VACUUM of the system catalogs.",
        fix="If the consumer is gone for good, drop the slot with pg_drop_replication_slot(); "
        "if it is only down, bring it back soon. Set max_slot_wal_keep_size so that a "
        "forgotten slot is invalidated before the disk fills.",
    )

    def evaluate(self, snapshot: Snapshot, params: Mapping[str, Any]) -> list[Finding]:
        warn, error = int(params["warning_bytes"]), int(params["error_bytes"])
        keep_size = snapshot.setting("max_slot_wal_keep_size")
        findings = []
        for slot in sorted(snapshot.slots, key=lambda s: s.name):
            if slot.active or slot.temporary or slot.retained_bytes is None:
                continue
            if slot.retained_bytes < warn:
                continue
            catalog = (
                " and holds back VACUUM of the system catalogs" if slot.type == "logical" else ""
            )
            findings.append(
                self.finding(
                    ObjectRef("replication slot", "", slot.name),
                    f"{slot.type} replication slot {slot.name} has no consumer and retains "
                    f"{human_bytes(slot.retained_bytes)} of WAL{catalog}",
                    severity=Severity.ERROR if slot.retained_bytes >= error else None,
                    evidence={
                        "slot": slot.name,
                        "type": slot.type,
                        "database": slot.database,
                        "wal_status": slot.wal_status,
                        "retained_bytes": slot.retained_bytes,
                        "max_slot_wal_keep_size": keep_size,
                        "warning_bytes": warn,
                        "error_bytes": error,
                    },
                    recommendation=f"Find the consumer of slot {slot.name}; if it is gone for good "
                    "drop the slot, otherwise reconnect it soon. Set "
                    "max_slot_wal_keep_size to bound what a slot may retain.",
                    fix=DropReplicationSlot(slot.name),
                )
            )
        return findings
