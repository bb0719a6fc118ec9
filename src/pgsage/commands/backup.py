"""Backup commands: ``run`` (pg_dump with a manifest, retention), ``verify`` (a restore proven
against the manifest, plus the audit's integrity checks on the copy), and the freshness gate
that ``migrations check --require-backup`` uses. No printing, no exit codes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from pgsage.backup.dump import BackupOptions, run_backup
from pgsage.backup.manifest import Backup, list_backups
from pgsage.backup.retention import apply_retention
from pgsage.backup.verify import INTEGRITY_CHECKS, VerifyOptions, VerifyResult, verify_backup
from pgsage.model import CheckResult, Finding, ObjectRef, Report, Severity, Status

__all__ = [
    "BackupOptions",
    "RunResult",
    "VerifyOptions",
    "VerifyResult",
    "backup_gate",
    "fresh_verified_backup",
    "integrity_report",
    "run",
    "verify",
]


@dataclass(frozen=True)
class RunResult:
    backup: Backup
    removed: tuple[Path, ...] = ()


def run(
    options: BackupOptions, keep_daily: int | None = None, keep_weekly: int | None = None
) -> RunResult:
    backup = run_backup(options)
    removed: list[Path] = []
    if keep_daily is not None or keep_weekly is not None:
        removed = apply_retention(
            options.directory, backup.manifest.database, keep_daily or 0, keep_weekly or 0
        )
    return RunResult(backup, tuple(removed))


def integrity_report(dsn: str) -> Report:
    """The audit's integrity checks (invalid indexes, NOT VALID constraints) on a database."""
    from pgsage.commands.audit import audit
    from pgsage.settings import Settings

    return audit(Settings(dsn=dsn, select=list(INTEGRITY_CHECKS), statement_timeout_ms=0))


def verify(options: VerifyOptions) -> VerifyResult:
    return verify_backup(options, integrity_report)


def fresh_verified_backup(directory: Path, max_age_hours: float) -> Backup | None:
    """The newest backup in ``directory`` that a restore verified, if it is young enough."""
    limit = datetime.now(UTC) - timedelta(hours=max_age_hours)
    fresh = [
        b
        for b in list_backups(directory)
        if b.manifest.verified is not None and b.manifest.finished_at >= limit
    ]
    return fresh[-1] if fresh else None


def backup_gate(directory: Path, max_age_hours: float) -> CheckResult:
    """The ``backup`` stage of ``migrations check --require-backup``: a finding (error) unless a
    verified backup newer than ``max_age_hours`` is in ``directory``."""
    fresh = fresh_verified_backup(directory, max_age_hours)
    if fresh is not None:
        return CheckResult("backup", Status.OK)
    newest = list_backups(directory)
    detail = (
        f"the newest is {newest[-1].manifest.dump}"
        + ("" if newest[-1].manifest.verified else ", never verified")
        if newest
        else "there is none"
    )
    finding = Finding(
        "backup",
        "backup",
        Severity.ERROR,
        ObjectRef("backup directory", "", str(directory)),
        f"no verified backup newer than {max_age_hours:g} h in {directory} ({detail})",
        evidence={"directory": str(directory), "max_age_hours": max_age_hours},
        recommendation="Run `pgsage backup run --dir DIR` and `pgsage backup verify --latest "
        "DIR` before deploying the migration.",
    )
    return CheckResult("backup", Status.FINDINGS, (finding,))
