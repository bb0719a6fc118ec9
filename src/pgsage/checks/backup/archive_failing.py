"""archive-failing: the archive_command fails, so WAL piles up and point-in-time recovery breaks."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from pgsage.checks.base import Check, CheckDocs, Param
from pgsage.db.snapshot import Snapshot
from pgsage.model import Finding, ObjectRef, Severity


class ArchiveFailing(Check):
    id = "archive-failing"
    category = "backup"
    severity = Severity.ERROR
    title = "WAL archiving fails"
    requires_sections = ("archiver", "settings")
    params = (
        Param(
            "recent_minutes",
            60,
            "also warn when archiving failed within this many minutes even though it has "
            "succeeded since (failed_count is growing)",
        ),
    )
    docs = CheckDocs(
        problem="pg_stat_archiver reports that the archive_command failed more recently than "
        "it last succeeded: WAL segments are not reaching the archive. A failure within the "
        "last hour, followed by a success, is a warning: failed_count keeps growing.",
        why="Every segment the archiver cannot hand over stays in pg_wal, which grows until the "
        "disk is full and the server stops; and the archive has a hole from the first "
        "failure on, so point-in-time recovery and pgBackRest/Barman restores past it fail.",
        fix="Read the server log for the archive_command's error (permissions, a full archive "
        "disk, a network mount, pgbackrest's repository lock); run the command by hand as the "
        "postgres user; after the fix, confirm that last_archived_time moves on and take a "
        "new base backup if segments were lost.",
    )

    def evaluate(self, snapshot: Snapshot, params: Mapping[str, Any]) -> list[Finding]:
        archiver = snapshot.archiver
        if archiver is None or archiver.failed_count == 0 or archiver.last_failed_time is None:
            return []
        evidence = {
            "failed_count": archiver.failed_count,
            "last_failed_wal": archiver.last_failed_wal,
            "last_failed_time": archiver.last_failed_time.isoformat(),
            "archived_count": archiver.archived_count,
            "last_archived_wal": archiver.last_archived_wal,
            "last_archived_time": (
                archiver.last_archived_time.isoformat() if archiver.last_archived_time else None
            ),
            "archive_command": snapshot.setting("archive_command"),
        }
        ref = ObjectRef("server", "", "archiver")
        failing = (
            archiver.last_archived_time is None
            or archiver.last_failed_time > archiver.last_archived_time
        )
        if failing:
            return [
                self.finding(
                    ref,
                    f"WAL archiving fails: segment {archiver.last_failed_wal} failed at "
                    f"{archiver.last_failed_time:%Y-%m-%d %H:%M:%S %Z} ({archiver.failed_count} "
                    "failure(s)), and no segment was archived since",
                    evidence=evidence,
                    recommendation="Find the archive_command's error in the server log and fix "
                    "it before pg_wal fills the disk; then take a new base backup.",
                )
            ]
        window = timedelta(minutes=int(params["recent_minutes"]))
        if snapshot.collected_at - archiver.last_failed_time > window:
            return []
        return [
            self.finding(
                ref,
                f"WAL archiving failed {archiver.failed_count} time(s), the last at "
                f"{archiver.last_failed_time:%Y-%m-%d %H:%M:%S %Z}; it succeeds again since",
                severity=Severity.WARNING,
                evidence=evidence,
                recommendation="Look for the archive_command's intermittent errors in the "
                "server log (a flaky mount or network, a repository lock).",
            )
        ]
