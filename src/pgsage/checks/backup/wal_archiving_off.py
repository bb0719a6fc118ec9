"""wal-archiving-off: a primary with neither WAL archiving nor a replica: no point-in-time
recovery, and a lost disk loses everything since the last dump."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pgsage.checks.base import Check, CheckDocs
from pgsage.db.snapshot import Snapshot
from pgsage.model import Finding, ObjectRef, Severity


class WalArchivingOff(Check):
    id = "wal-archiving-off"
    category = "backup"
    severity = Severity.WARNING
    title = "No WAL archiving and no replica"
    requires_sections = ("settings", "replication")
    docs = CheckDocs(
        problem="The server is a primary, archive_mode is off and no standby streams from it: "
        "the only copies of committed data are this server's disk and the last logical dump.",
        why="Without archived WAL there is no point-in-time recovery: after a lost disk, a "
        "dropped table or a bad migration, everything since the last pg_dump is gone (the "
        "RPO is the dump interval, often a day). A replica protects against the lost disk, "
        "not against the DROP it replays.",
        fix="Set archive_mode = on and an archive_command (pgBackRest, WAL-G or Barman: they "
        "also take the base backups), or at least stream to a replica; test a restore "
        "(`pgsage backup verify --pgbackrest STANZA`).",
    )

    def evaluate(self, snapshot: Snapshot, params: Mapping[str, Any]) -> list[Finding]:
        if snapshot.server.in_recovery:
            return []
        mode = snapshot.setting("archive_mode")
        if mode is None or mode != "off" or snapshot.replication:
            return []
        return [
            self.finding(
                ObjectRef("server", "", snapshot.server.database),
                "archive_mode is off and no replica streams from this primary: no "
                "point-in-time recovery, a restore loses everything since the last dump",
                evidence={
                    "archive_mode": mode,
                    "replicas": 0,
                    "wal_level": snapshot.setting("wal_level"),
                },
                recommendation="Archive WAL (pgBackRest, WAL-G, Barman) or stream to a replica, "
                "and test restores.",
            )
        ]
