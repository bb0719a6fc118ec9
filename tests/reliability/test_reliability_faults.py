"""Faults: the backend killed mid-run, a full disk while writing a report or a snapshot.
Every run ends cleanly: exit 0 (the fault came too late to matter) or exit 2 with one line,
never an internal error, and nothing half-written left behind."""

from __future__ import annotations

import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from reliability_support import assert_clean_failure, run, workdir

from pgharness import TestDatabase, TestServer


def test_a_lost_connection_ends_the_transaction_with_one_line(db: TestDatabase) -> None:
    from pgsage.db.lost import end_transaction
    from pgsage.errors import ConnectionFailed

    conn = psycopg.connect(db.dsn)
    try:
        conn.execute("SELECT 1")  # a transaction is open
        pid = conn.info.backend_pid
        db.execute("SELECT pg_terminate_backend(%s)", [pid])
        with pytest.raises(ConnectionFailed, match="lost the connection"):
            end_transaction(conn)
    finally:
        conn.close()


class Terminator:
    """Terminates every pgsage session of a database every few milliseconds."""

    def __init__(self, dsn: str, pattern: str = "pgsage%") -> None:
        self.dsn = dsn
        self.pattern = pattern
        self.stop = threading.Event()
        self.kills = 0
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        with psycopg.connect(self.dsn, autocommit=True) as conn:
            while not self.stop.wait(0.005):
                row = conn.execute(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                    "WHERE application_name LIKE %s AND pid <> pg_backend_pid()",
                    [self.pattern],
                ).fetchone()
                self.kills += int(row[0]) if row else 0

    def __enter__(self) -> Terminator:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join(10)


def _some_tables(db: TestDatabase, count: int = 60) -> None:
    db.execute(
        f"DO $$ BEGIN FOR i IN 1..{int(count)} LOOP "
        "EXECUTE format('CREATE TABLE t%s(id int PRIMARY KEY, v text)', i); END LOOP; END $$"
    )


def _assert_ended_cleanly(result: subprocess.CompletedProcess[str], work: Path) -> None:
    assert result.returncode in (0, 1, 2), result.stderr
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr
    if result.returncode == 2:
        assert_clean_failure(result, work)


@pytest.mark.parametrize("attempt", range(3))
def test_backend_killed_during_snapshot(db: TestDatabase, tmp_path: Path, attempt: int) -> None:
    _some_tables(db)
    work = workdir(tmp_path)
    with Terminator(db.dsn):
        result = run("snapshot", "--dsn", db.dsn, "--out", str(work / "snap.json"), cwd=work)
    if result.returncode == 0:
        assert [p.name for p in work.iterdir()] == ["snap.json"]
    else:
        _assert_ended_cleanly(result, work)


@pytest.mark.parametrize("attempt", range(3))
def test_backend_killed_during_audit(db: TestDatabase, tmp_path: Path, attempt: int) -> None:
    _some_tables(db)
    work = workdir(tmp_path)
    with Terminator(db.dsn):
        result = run("audit", "--dsn", db.dsn, "-o", str(work / "report.html"), cwd=work)
    if result.returncode in (0, 1):
        assert [p.name for p in work.iterdir()] == ["report.html"]
    else:
        _assert_ended_cleanly(result, work)


@pytest.fixture
def full_disk(tmp_path: Path) -> Iterator[Path]:
    """A 1 MB tmpfs (root only; else skipped); ``fill`` then takes its last byte."""
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount)],
        capture_output=True,
        check=False,
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs (needs root): {done.stderr.decode().strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def fill(mount: Path) -> None:
    with open(mount / "filler", "wb", buffering=0) as out:
        try:
            while True:
                out.write(b"\0" * 4096)
        except OSError:
            pass
        try:
            while True:
                out.write(b"\0")
        except OSError:
            pass


@pytest.fixture
def snapshot_file(tmp_path_factory: pytest.TempPathFactory, pg18: TestServer) -> Path:
    db = pg18.create_database()
    try:
        _some_tables(db, 120)
        out = tmp_path_factory.mktemp("snap") / "snap.json"
        result = run("snapshot", "--dsn", db.dsn, "--out", str(out))
        assert result.returncode == 0, result.stderr
        return out
    finally:
        pg18.drop_database(db.name)


@pytest.mark.parametrize("fmt", ["html", "json", "markdown", "text", "sarif"])
def test_full_disk_while_writing_a_report(full_disk: Path, snapshot_file: Path, fmt: str) -> None:
    report = full_disk / f"report.{fmt}"
    report.write_text("the good old report\n")
    fill(full_disk)
    result = run("audit", "--snapshot", str(snapshot_file), "--format", fmt, "-o", str(report))
    assert_clean_failure(result)
    assert "no space left" in result.stderr.lower()
    assert report.read_text() == "the good old report\n"  # not replaced by half a report
    assert sorted(p.name for p in full_disk.iterdir()) == ["filler", f"report.{fmt}"]


def test_full_disk_while_writing_a_snapshot(
    full_disk: Path, snapshot_file: Path, pg18: TestServer
) -> None:
    db = pg18.create_database()
    try:
        _some_tables(db, 120)
        out = full_disk / "snap.json"
        fill(full_disk)
        result = run("snapshot", "--dsn", db.dsn, "--out", str(out))
    finally:
        pg18.drop_database(db.name)
    assert_clean_failure(result)
    assert sorted(p.name for p in full_disk.iterdir()) == ["filler"]


def test_full_disk_with_a_baseline(full_disk: Path, snapshot_file: Path) -> None:
    out = full_disk / "baseline.json"
    fill(full_disk)
    result = run("audit", "--snapshot", str(snapshot_file), "--write-baseline", str(out))
    assert_clean_failure(result)
    assert sorted(p.name for p in full_disk.iterdir()) == ["filler"]
