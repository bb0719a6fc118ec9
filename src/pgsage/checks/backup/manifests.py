"""What backup-stale and backup-unverified read: the manifests of ``pgsage backup run`` in the
configured directory (the check parameter ``backup_dir``), for the audited database."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pgsage.backup.manifest import Backup, list_backups
from pgsage.checks.base import CheckSkipped, Param
from pgsage.db.snapshot import Snapshot
from pgsage.errors import UsageError

BACKUP_DIR = Param(
    "backup_dir",
    "",
    "the directory of `pgsage backup run` (its manifests); the check is skipped without it",
)


def backups_of(snapshot: Snapshot, params: Mapping[str, Any], check: str) -> list[Backup]:
    """The audited database's complete backups, oldest first."""
    directory = str(params["backup_dir"])
    if not directory:
        raise CheckSkipped(
            f"no backup directory configured ([tool.pgsage.checks.{check}] backup_dir = ...)"
        )
    try:
        found = list_backups(Path(directory).expanduser())
    except UsageError as exc:
        raise CheckSkipped(str(exc)) from None
    return [b for b in found if b.manifest.database == snapshot.server.database]
