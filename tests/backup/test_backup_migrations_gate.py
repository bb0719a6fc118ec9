"""`pgsage migrations check --require-backup DIR`: the deploy gate of seed 003 (a fresh, verified
backup before a migration runs)."""

from __future__ import annotations

import json
from pathlib import Path

from backuphelp import backup_dir, pgsage

from pgharness import TestDatabase
from pgsage.commands.backup import BackupOptions, VerifyOptions, run, verify

__all__ = ["backup_dir"]
HEALTHY = Path(__file__).parent.parent / "migrations" / "projects" / "healthy"


def _check(directory: Path, *extra: str) -> tuple[int, dict[str, str]]:
    result = pgsage(
        "migrations", "check", "--config", str(HEALTHY / "alembic.ini"), "--no-server",
        "--require-backup", str(directory), "-f", "json", "--fail-on", "error", *extra,
    )  # fmt: skip
    assert result.returncode in (0, 1), result.stderr
    return result.returncode, json.loads(result.stdout)["stages"]


def test_require_backup(db: TestDatabase, backup_dir: Path) -> None:
    db.execute("CREATE TABLE t AS SELECT g AS id FROM generate_series(1, 10) g")
    backup_dir.mkdir()
    code, stages = _check(backup_dir)
    assert (code, stages["upgrade"], stages["backup"]) == (1, "not run: --no-server", "findings")
    backup = run(BackupOptions(db.dsn, backup_dir)).backup
    assert _check(backup_dir)[0] == 1  # not verified yet
    assert verify(VerifyOptions(backup.dump, scratch_dsn=db.server.admin_dsn())).ok
    assert _check(backup_dir) == (0, {**stages, "backup": "ok"})
    assert _check(backup_dir, "--backup-max-age-hours", "0")[0] == 1
