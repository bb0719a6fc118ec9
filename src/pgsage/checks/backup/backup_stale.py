"""backup-stale: no backup proven by a restore is newer than the threshold."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pgsage.checks.backup.manifests import BACKUP_DIR, backups_of
from pgsage.checks.base import Check, CheckDocs, Param
from pgsage.db.snapshot import Snapshot
from pgsage.model import Finding, ObjectRef, Severity


class BackupStale(Check):
    id = "backup-stale"
    category = "backup"
    severity = Severity.WARNING
    title = "No recent verified backup"
    params = (
        BACKUP_DIR,
        Param("warning_hours", 26.0, "warn when the newest verified backup is this old"),
        Param("error_hours", 72.0, "an error from this age on (or with no backup at all)"),
    )
    docs = CheckDocs(
        problem="The newest backup of this database in the configured directory that "
        "`pgsage backup verify` restored successfully is older than the threshold, or there "
        "is none.",
        why="The age of the newest backup that is known to restore is the data you would "
        "lose today (the RPO of logical backups). A dump that was never restored may not "
        "restore at all.",
        fix="Schedule `pgsage backup run` and `pgsage backup verify --latest DIR` (cron, a CI "
        "job); see docs/backup.md.",
    )

    def evaluate(self, snapshot: Snapshot, params: Mapping[str, Any]) -> list[Finding]:
        backups = backups_of(snapshot, params, self.id)
        warn, error = float(params["warning_hours"]), float(params["error_hours"])
        ref = ObjectRef("database", "", snapshot.server.database)
        verified = [b for b in backups if b.manifest.verified is not None]
        if not verified:
            what = "no verified backup" if backups else "no backup at all"
            return [
                self.finding(
                    ref,
                    f"{what} of {snapshot.server.database} in {params['backup_dir']}",
                    severity=Severity.ERROR,
                    evidence={"backups": len(backups), "verified": 0},
                    recommendation="Run `pgsage backup run` and `pgsage backup verify --latest`.",
                )
            ]
        newest = verified[-1]
        age = (snapshot.collected_at - newest.manifest.finished_at).total_seconds() / 3600
        if age < warn:
            return []
        return [
            self.finding(
                ref,
                f"the newest verified backup of {snapshot.server.database} "
                f"({newest.manifest.dump}) is {age:.0f} h old",
                severity=Severity.ERROR if age >= error else None,
                evidence={
                    "dump": newest.manifest.dump,
                    "age_hours": round(age, 1),
                    "warning_hours": warn,
                    "error_hours": error,
                },
                recommendation="Take and verify a new backup; check the schedule that should.",
            )
        ]
