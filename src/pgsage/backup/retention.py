"""Retention: keep the newest backup of each of the last N days and of the last M ISO weeks that
have backups (restic's --keep-daily/--keep-weekly), per database; delete the rest."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from pgsage.backup.dump import remove_backup
from pgsage.backup.manifest import Backup, list_backups


def _newest_per(backups: list[Backup], key: Callable[[datetime], object], count: int) -> set[Path]:
    kept: set[Path] = set()
    seen: list[object] = []
    for backup in sorted(backups, key=lambda b: b.manifest.finished_at, reverse=True):
        period = key(backup.manifest.finished_at)
        if period in seen:
            continue
        if len(seen) >= count:
            break
        seen.append(period)
        kept.add(backup.manifest_file)
    return kept


def to_keep(backups: list[Backup], keep_daily: int, keep_weekly: int) -> set[Path]:
    kept = _newest_per(backups, lambda at: at.date(), keep_daily)
    kept |= _newest_per(backups, lambda at: at.isocalendar()[:2], keep_weekly)
    if backups:  # the newest is never deleted
        kept.add(max(backups, key=lambda b: b.manifest.finished_at).manifest_file)
    return kept


def apply_retention(
    directory: Path, database: str, keep_daily: int, keep_weekly: int
) -> list[Path]:
    """Delete the backups of ``database`` in ``directory`` that the policy does not keep."""
    backups = [b for b in list_backups(directory) if b.manifest.database == database]
    kept = to_keep(backups, keep_daily, keep_weekly)
    removed: list[Path] = []
    for backup in backups:
        if backup.manifest_file not in kept:
            removed += remove_backup(backup)[:1]
    return removed
