"""migrations: bad files and options are one line and exit 2 with no scratch database left;
scratch databases carry a comment naming pgsage and are swept once their run is gone;
SIGINT and SIGTERM drop them on the way out."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest
from psycopg import sql
from reliability_support import FILE_KINDS, assert_clean_failure, bad_file, run, workdir

from pgharness import TestServer

HEALTHY = Path(__file__).parents[1] / "migrations" / "projects" / "healthy"


def scratch_databases(server: TestServer) -> list[str]:
    with psycopg.connect(server.admin_dsn(), autocommit=True) as conn:
        rows = conn.execute(
            "SELECT datname FROM pg_database WHERE datname LIKE 'pgsage\\_scratch\\_%%'"
        ).fetchall()
    return sorted(str(r[0]) for r in rows)


FILE_CASES = [
    pytest.param(argv, kind, id=f"{'-'.join(a for a in argv if a != '{bad}')}-{kind}")
    for argv, kinds in [
        (["migrations", "trace", "{good}", "--setup", "{bad}"], FILE_KINDS),
        (["migrations", "trace", "{bad}"], ("binary", "missing")),
        (["migrations", "check", "--config", "{bad}"], FILE_KINDS),
        (["migrations", "trace", "--config", "{bad}"], FILE_KINDS),
        (["migrations", "squash", "--config", "{bad}"], FILE_KINDS),
        (["migrations", "check", "--dir", "{bad}"], ("binary", "empty", "missing")),
    ]
    for kind in kinds
]


@pytest.mark.parametrize(("argv", "kind"), FILE_CASES)
def test_bad_input_files(pg18: TestServer, tmp_path: Path, argv: list[str], kind: str) -> None:
    work = workdir(tmp_path)
    bad = bad_file(tmp_path / "inputs", kind, ".sql")
    good = tmp_path / "inputs" / "good.sql"
    good.write_text("CREATE TABLE t(id int);\n")
    args = [str(bad) if a == "{bad}" else str(good) if a == "{good}" else a for a in argv]
    before = scratch_databases(pg18)
    result = run(*args, "--dsn", pg18.admin_dsn(), cwd=work)
    assert_clean_failure(result, work)
    assert scratch_databases(pg18) == before


def test_scratch_databases_are_marked_and_old_orphans_swept(pg18: TestServer) -> None:
    from pgsage.db.scratchmark import MARK, Owner
    from pgsage.migrations.scratch import ScratchServer

    orphan = f"pgsage_scratch_check_{os.getpid()}_orphan"
    dead = Owner(host=__import__("socket").gethostname(), pid=2**22 + 7, created=0, lifetime_s=60)
    young = f"pgsage_scratch_check_{os.getpid()}_young"
    alive = Owner.here()
    with psycopg.connect(pg18.admin_dsn(), autocommit=True) as conn:
        for name, owner in ((orphan, dead), (young, alive)):
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            conn.execute(
                sql.SQL("COMMENT ON DATABASE {} IS {}").format(
                    sql.Identifier(name), sql.Literal(owner.comment())
                )
            )
    try:
        server = ScratchServer(pg18.admin_dsn())
        with server.database("check") as dsn, psycopg.connect(dsn) as conn:
            comment = conn.execute(
                "SELECT shobj_description(oid, 'pg_database') FROM pg_database "
                "WHERE datname = current_database()"
            ).fetchone()
            assert comment is not None and str(comment[0]).startswith(MARK)
            assert f'"pid": {os.getpid()}' in str(comment[0])
        left = scratch_databases(pg18)
        assert orphan not in left  # its run is over and its process gone
        assert young in left  # its run may still be going
    finally:
        pg18.drop_database(orphan)
        pg18.drop_database(young)


_HOLD = """
import sys, time
from pgsage.cli import guard
from pgsage.migrations.scratch import ScratchServer
guard.install_sigterm()
try:
    with ScratchServer(sys.argv[1]).database("trace"):
        print("ready", flush=True)
        time.sleep(60)
except KeyboardInterrupt:
    line, code = guard.interruption()
    print(line, file=sys.stderr)
    sys.exit(code)
"""


@pytest.mark.parametrize(("signum", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_a_signal_drops_the_scratch_database(pg18: TestServer, signum: int, code: int) -> None:
    before = scratch_databases(pg18)
    child = subprocess.Popen(
        [sys.executable, "-c", _HOLD, pg18.admin_dsn()],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None
    assert child.stdout.readline().strip() == "ready"
    assert len(scratch_databases(pg18)) == len(before) + 1
    child.send_signal(signum)
    _, stderr = child.communicate(timeout=60)
    assert child.returncode == code, stderr
    assert "Traceback" not in stderr
    assert scratch_databases(pg18) == before


@pytest.mark.parametrize(("signum", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_signal_during_migrations_check_leaves_nothing(
    pg18: TestServer, tmp_path: Path, signum: int, code: int
) -> None:
    """The real command: signalled once its scratch database exists."""
    from reliability_support import PGSAGE

    before = scratch_databases(pg18)
    child = subprocess.Popen(
        [
            PGSAGE,
            "migrations",
            "check",
            "--config",
            str(HEALTHY / "alembic.ini"),
            "--dsn",
            pg18.admin_dsn(),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=workdir(tmp_path),
    )
    deadline = time.monotonic() + 60
    while len(scratch_databases(pg18)) == len(before) and child.poll() is None:
        assert time.monotonic() < deadline
        time.sleep(0.02)
    child.send_signal(signum)
    _, stderr = child.communicate(timeout=120)
    if child.returncode in (0, 1):  # finished before the signal landed
        pytest.skip("the check finished before the signal")
    assert child.returncode == code, stderr
    assert "Traceback" not in stderr and "internal error" not in stderr
    # progress lines (·) before it, then the one error line
    assert stderr.strip().splitlines()[-1].startswith("pgsage: error: "), stderr
    assert scratch_databases(pg18) == before


@pytest.mark.parametrize("attempt", range(2))
def test_backend_killed_during_migrations_check(
    pg18: TestServer, tmp_path: Path, attempt: int
) -> None:
    """Every migrations session killed while the check runs: exit 2 with one error line (or
    a clean run), and the scratch database dropped all the same."""
    import threading

    before = scratch_databases(pg18)
    stop = threading.Event()

    def terminate() -> None:
        with psycopg.connect(pg18.admin_dsn(), autocommit=True) as conn:
            while not stop.wait(0.01):
                conn.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname LIKE 'pgsage\\_scratch\\_%%' AND pid <> pg_backend_pid()"
                )

    thread = threading.Thread(target=terminate, daemon=True)
    thread.start()
    try:
        result = run(
            "migrations",
            "check",
            "--config",
            str(HEALTHY / "alembic.ini"),
            "--dsn",
            pg18.admin_dsn(),
            cwd=workdir(tmp_path),
        )
    finally:
        stop.set()
        thread.join(10)
    assert result.returncode in (0, 1, 2), result.stderr
    if result.returncode == 2:
        assert_clean_failure(result, progress=True)
    assert scratch_databases(pg18) == before
