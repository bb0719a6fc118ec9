"""Faults of `pgsage backup run`: each is one line on stderr with exit code 2, and no run that
failed leaves anything that looks like a complete backup."""

from __future__ import annotations

import os
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import psycopg
import pytest
from backuphelp import PGSAGE, backup_dir, clean_env, pgsage

from pgharness import DEBIAN_PG15, PASSWORD_ROLE, TestDatabase, TestServer
from pgsage.backup.manifest import list_backups

__all__ = ["backup_dir"]


def _one_error_line(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 2, result.stdout + result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("pgsage: error: ")
    return lines[0]


def _nothing_complete(directory: Path) -> None:
    if directory.exists():
        assert list_backups(directory) == []
        assert all(p.name.startswith(".") for p in directory.iterdir()), list(directory.iterdir())


def _children(pid: int, name: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        comm = stat[stat.index("(") + 1 : stat.rindex(")")]
        ppid = int(stat[stat.rindex(")") + 2 :].split()[1])
        if ppid == pid and comm == name and not _version_probe(entry):
            found.append(int(entry.name))
    return found


def _version_probe(entry: Path) -> bool:
    """``pg_dump --version``, which pgsage runs (and which ends) before the dump itself: a test
    that took it for the dump would kill a process that is already gone."""
    try:
        return b"--version" in (entry / "cmdline").read_bytes().split(b"\0")
    except OSError:
        return True  # gone already


def _wait_for_child(pid: int, name: str, timeout: float = 60) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = _children(pid, name)
        if found:
            return found[0]
        time.sleep(0.05)
    raise AssertionError(f"no {name} child of {pid}")


def _start_blocked_backup(
    db: TestDatabase, directory: Path
) -> tuple[subprocess.Popen[str], psycopg.Connection[tuple[object, ...]]]:
    """A backup whose pg_dump waits for a lock the test holds: killed 'midway' for certain."""
    db.execute("CREATE TABLE t AS SELECT g AS id FROM generate_series(1, 1000) g")
    locker = psycopg.connect(db.dsn)
    locker.execute("LOCK TABLE t IN ACCESS EXCLUSIVE MODE")
    process = subprocess.Popen(
        [PGSAGE, "backup", "run", "--dsn", db.dsn, "--dir", str(directory)],
        env=clean_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    return process, locker


@pytest.mark.pg(">= 18")
def test_pg_dump_killed_midway_leaves_no_backup(db: TestDatabase, backup_dir: Path) -> None:
    process, locker = _start_blocked_backup(db, backup_dir)
    try:
        dump = _wait_for_child(process.pid, "pg_dump")
        time.sleep(0.5)  # pg_dump has started writing and waits for the lock
        os.kill(dump, signal.SIGKILL)
    finally:
        locker.rollback()  # the manifest's own count may wait for the lock too
        locker.close()
    out, err = process.communicate(timeout=120)
    line = _one_error_line(subprocess.CompletedProcess([], process.returncode, out, err))
    assert "pg_dump failed: killed by signal 9" in line
    _nothing_complete(backup_dir)
    assert not [p for p in backup_dir.iterdir()]  # the partial dump was removed


@pytest.mark.pg(">= 18")
def test_pgsage_killed_midway_leaves_only_a_partial_file(
    db: TestDatabase, backup_dir: Path
) -> None:
    process, locker = _start_blocked_backup(db, backup_dir)
    try:
        _wait_for_child(process.pid, "pg_dump")
        process.kill()
        process.communicate(timeout=60)
    finally:
        locker.rollback()
        locker.close()
    _nothing_complete(backup_dir)
    latest = pgsage("backup", "verify", "--latest", str(backup_dir))
    assert "no complete backup" in _one_error_line(latest)


@pytest.mark.pg(">= 18")
def test_full_disk_is_one_clear_line(db: TestDatabase) -> None:
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root")
    mountpoint = Path(tempfile.mkdtemp(prefix="pgsage-fulldisk-"))
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mountpoint)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    if mounted.returncode != 0:
        mountpoint.rmdir()
        pytest.skip(f"cannot mount a tmpfs: {mounted.stderr.strip()}")
    try:
        db.execute(
            "CREATE TABLE t AS SELECT g AS id, md5(g::text) || md5((g * 7)::text) AS v "
            "FROM generate_series(1, 100000) g"
        )
        result = pgsage("backup", "run", "--dsn", db.dsn, "--dir", str(mountpoint))
        line = _one_error_line(result)
        assert "No space left on device" in line, line
        _nothing_complete(mountpoint)
        assert list(mountpoint.iterdir()) == []
    finally:
        subprocess.run(["umount", str(mountpoint)], check=False)
        mountpoint.rmdir()


def test_wrong_password(server: TestServer, backup_dir: Path) -> None:
    port = server.cluster.port()
    dsn = f"postgresql://{PASSWORD_ROLE}:wrong-secret@127.0.0.1:{port}/postgres"
    line = _one_error_line(pgsage("backup", "run", "--dsn", dsn, "--dir", str(backup_dir)))
    assert "password authentication failed" in line
    assert "wrong-secret" not in line
    _nothing_complete(backup_dir)


def test_server_down(backup_dir: Path) -> None:
    dsn = "postgresql://postgres@127.0.0.1:1/postgres"
    line = _one_error_line(pgsage("backup", "run", "--dsn", dsn, "--dir", str(backup_dir)))
    assert "127.0.0.1" in line or "refused" in line


@pytest.mark.pg(">= 18")
def test_client_too_old(db: TestDatabase, backup_dir: Path) -> None:
    if not (DEBIAN_PG15 / "pg_dump").exists():
        pytest.skip("Debian's PostgreSQL 15 client is not installed")
    result = pgsage(
        "backup", "run", "--dsn", db.dsn, "--dir", str(backup_dir), "--pg-bin", str(DEBIAN_PG15)
    )
    line = _one_error_line(result)
    assert "pg_dump 15" in line and "older than the server (PostgreSQL 18)" in line
    _nothing_complete(backup_dir)
