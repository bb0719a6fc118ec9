"""backup-unverified: backups exist, but none was proven by a restore (or the last test failed)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pgsage.checks.backup.manifests import BACKUP_DIR, backups_of
from pgsage.checks.base import Check, CheckDocs
from pgsage.db.snapshot import Snapshot
from pgsage.model import Finding, ObjectRef, Severity


class BackupUnverified(Check):
    id = "backup-unverified"
    category = "backup"
    severity = Severity.WARNING
    title = "Backups never restored"
    params = (BACKUP_DIR,)
    docs = CheckDocs(
        problem="The configured directory holds backups of this database, but `pgsage backup "
        "verify` never restored one successfully; or the newest restore test failed.",
        why="A backup is only known to work once it was restored: dumps fail silently "
        "(a missing extension on the target, a truncated file, a role the dump needs). The "
        "day you need it is the wrong day to find out.",
        fix="Run `pgsage backup verify --latest DIR` after every backup (it restores into a "
        "throwaway database and compares row counts, schema and sequences with the manifest).",
    )

    def evaluate(self, snapshot: Snapshot, params: Mapping[str, Any]) -> list[Finding]:
        backups = backups_of(snapshot, params, self.id)
        if not backups:
            return []
        ref = ObjectRef("database", "", snapshot.server.database)
        tests = [(v, b) for b in backups for v in b.manifest.verifications]
        if tests:
            last, backup = max(tests, key=lambda t: t[0].at)
            if last.verdict != "ok":
                reason = (last.mismatches or last.integrity or ["failed"])[0]
                return [
                    self.finding(
                        ref,
                        f"the last restore test ({backup.manifest.dump}) failed: {reason}",
                        severity=Severity.ERROR,
                        evidence={"dump": backup.manifest.dump, "at": last.at.isoformat()},
                        recommendation="Read `pgsage backup verify`'s report and fix the backup.",
                    )
                ]
        if any(b.manifest.verified is not None for b in backups):
            return []
        return [
            self.finding(
                ref,
                f"{len(backups)} backup(s) of {snapshot.server.database}, none restored by "
                "`pgsage backup verify`",
                evidence={"backups": len(backups), "newest": backups[-1].manifest.dump},
                recommendation="Run `pgsage backup verify --latest DIR` after each backup.",
            )
        ]
