"""`pgsage backup run` and `verify` end to end on both servers: the demo database dumped with a
manifest in the dump's snapshot, restored into a throwaway database and proven against it."""

from __future__ import annotations

import json
from pathlib import Path

import psycopg
from backuphelp import backup_dir, pgsage

from pgharness import TestDatabase
from pgsage.backup.manifest import list_backups, load_manifest, manifest_path
from pgsage.backup.verify import VerifyOptions, verify_backup
from pgsage.commands.backup import BackupOptions, integrity_report, run, verify
from pgsage.demo.build import build_demo

__all__ = ["backup_dir"]
SCALE = 0.01


def _count(dsn: str, table: str) -> int:
    with psycopg.connect(dsn) as conn:
        row = conn.execute(f"SELECT count(*) FROM {table}").fetchone()  # noqa: S608 - a test
    assert row is not None
    return int(row[0])


def test_demo_backup_and_verify(db: TestDatabase, backup_dir: Path) -> None:
    build_demo(db.dsn, scale=SCALE)
    db.execute("CREATE TABLE alembic_version (version_num varchar(32) PRIMARY KEY)")
    db.execute("INSERT INTO alembic_version VALUES ('abc123')")
    done = pgsage("backup", "run", "--dsn", db.dsn, "--dir", str(backup_dir))
    assert done.returncode == 0, done.stderr
    dump = Path(done.stdout.strip())
    assert dump.is_file() and manifest_path(dump).is_file()
    manifest = load_manifest(manifest_path(dump))
    assert manifest.database == db.name
    assert manifest.server_version_num // 10000 == db.major
    assert manifest.facts.tables['"public"."ai_requests"'] == _count(db.dsn, "ai_requests")
    assert manifest.facts.alembic_head == "abc123"
    assert "pg_stat_statements" in manifest.facts.extensions
    assert manifest.files[dump.name].size == dump.stat().st_size
    assert not [p for p in backup_dir.iterdir() if p.name.startswith(".")]

    checked = pgsage(
        "backup", "verify", "--latest", str(backup_dir), "--scratch-dsn", db.server.admin_dsn(),
        "-f", "json",
    )  # fmt: skip
    assert checked.returncode == 0, checked.stdout + checked.stderr
    report = json.loads(checked.stdout)
    assert report["command"] == "backup verify"
    after = load_manifest(manifest_path(dump))
    assert after.verified is not None and after.verified.restore_seconds > 0
    assert any("not-valid-constraint" in line for line in after.verified.integrity)
    # the scratch database is gone
    leftover = db.execute("SELECT datname FROM pg_database WHERE datname LIKE 'pgsage_scratch%'")
    assert leftover == []


def test_directory_format_in_parallel(db: TestDatabase, backup_dir: Path) -> None:
    build_demo(db.dsn, scale=SCALE)
    result = run(BackupOptions(db.dsn, backup_dir, "directory", jobs=2))
    assert result.backup.dump.is_dir()
    assert len(result.backup.manifest.files) > 3  # toc.dat and one file per table
    verified = verify(VerifyOptions(result.backup.dump, scratch_dsn=db.server.admin_dsn(), jobs=2))
    assert verified.ok, verified.verification


def test_rows_deleted_in_the_restored_copy_are_named(db: TestDatabase, backup_dir: Path) -> None:
    build_demo(db.dsn, scale=SCALE)
    backup = run(BackupOptions(db.dsn, backup_dir)).backup
    expected = backup.manifest.facts.tables['"public"."ai_requests"']

    def damage(dsn: str) -> None:
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute("DELETE FROM ai_requests WHERE id IN (SELECT id FROM ai_requests LIMIT 3)")

    options = VerifyOptions(backup.dump, scratch_dsn=db.server.admin_dsn())
    result = verify_backup(options, integrity_report, after_restore=damage)
    assert not result.ok
    assert (
        f'table "public"."ai_requests": {expected - 3} rows restored, the backup has {expected}'
        in (result.verification.mismatches)
    )
    assert load_manifest(backup.manifest_file).verifications[-1].verdict == "failed"


def test_corrupted_dump_is_detected(db: TestDatabase, backup_dir: Path) -> None:
    db.execute(
        "CREATE TABLE t AS SELECT g AS id, md5(g::text) AS v FROM generate_series(1, 5000) g"
    )
    backup = run(BackupOptions(db.dsn, backup_dir)).backup
    data = bytearray(backup.dump.read_bytes())
    data[len(data) // 2] ^= 0xFF
    backup.dump.write_bytes(bytes(data))
    checked = pgsage("backup", "verify", str(backup.dump), "--scratch-dsn", db.server.admin_dsn())
    assert checked.returncode == 1
    assert "damaged" in checked.stderr and "Traceback" not in checked.stderr + checked.stdout
    assert checked.stderr.strip().splitlines()[-1].startswith("pgsage: verification failed: file")


def test_truncated_dump_fails_the_restore_in_one_line(db: TestDatabase, backup_dir: Path) -> None:
    db.execute(
        "CREATE TABLE t AS SELECT g AS id, md5(g::text) AS v FROM generate_series(1, 5000) g"
    )
    backup = run(BackupOptions(db.dsn, backup_dir)).backup
    data = backup.dump.read_bytes()
    backup.dump.write_bytes(data[: len(data) // 2])
    # the manifest re-made over the truncated file: only the restore can tell
    from dataclasses import replace

    from pgsage.backup.manifest import checksums, save_manifest

    manifest = load_manifest(backup.manifest_file)
    save_manifest(
        backup.manifest_file, replace(manifest, files=checksums(backup.dump, backup.dump.name))
    )
    checked = pgsage("backup", "verify", str(backup.dump), "--scratch-dsn", db.server.admin_dsn())
    assert checked.returncode == 1
    assert "pg_restore failed" in checked.stderr
    assert "Traceback" not in checked.stderr + checked.stdout


def test_retention_keeps_the_newest_of_the_day(db: TestDatabase, backup_dir: Path) -> None:
    db.execute("CREATE TABLE t (id int)")
    first = run(BackupOptions(db.dsn, backup_dir)).backup
    second = run(BackupOptions(db.dsn, backup_dir), keep_daily=1, keep_weekly=0)
    assert second.removed == (first.dump,)
    assert [b.dump for b in list_backups(backup_dir)] == [second.backup.dump]
    assert not first.dump.exists() and not first.manifest_file.exists()


def test_verify_on_the_embedded_server_by_default(
    db: TestDatabase, backup_dir: Path, tmp_path: Path
) -> None:
    import os
    import tempfile

    from backuphelp import clean_env

    from pgharness import cleanup_root

    home = Path(tempfile.mkdtemp(prefix="pgsage-backup-home-"))
    home.chmod(0o755)
    env = {**clean_env(), "PGSAGE_HOME": str(home / "server")}
    try:
        db.execute("CREATE TABLE t AS SELECT g AS id FROM generate_series(1, 1000) g")
        backup = run(BackupOptions(db.dsn, backup_dir)).backup
        checked = pgsage("backup", "verify", str(backup.dump), env=env)
        assert checked.returncode == 0, checked.stdout + checked.stderr
        assert ": ok, restored in" in checked.stderr
    finally:
        pgsage("server", "stop", env=env)
        cleanup_root(home)
    assert os.environ.get("PGSAGE_HOME") != str(home / "server")
