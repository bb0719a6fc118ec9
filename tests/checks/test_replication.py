"""Replication checks against a real standby (pg_basebackup -R from the test server, started
as a second cluster) and a real abandoned physical slot."""

from __future__ import annotations

import os
import pwd
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg

from casefiles import subject
from pgharness import TestDatabase, TestServer
from pgsage.commands import audit as audit_commands
from pgsage.db.cluster import LocalCluster
from pgsage.model import Finding, Report, Severity
from pgsage.settings import Settings

MB = 1024 * 1024
NEVER = 10**15  # a threshold no test reaches


def audit(
    db: TestDatabase, select: list[str], checks: dict[str, dict[str, Any]] | None = None
) -> Report:
    report = audit_commands.audit(Settings(dsn=db.dsn, select=select, checks=checks or {}))
    assert [r.check for r in report.results if r.status.value in ("error", "timeout")] == []
    return report


def about(report: Report, check: str, name: str) -> list[Finding]:
    return [f for f in report.findings if f.check == check and subject(f).name == name]


def wait_for(
    db: TestDatabase, query: str, params: list[Any], what: str, timeout: float = 30.0
) -> None:
    deadline = time.monotonic() + timeout
    while not db.execute(query, params)[0][0]:
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


@contextmanager
def standby(server: TestServer, app: str, slot: str) -> Iterator[LocalCluster]:
    """A streaming standby of ``server`` that uses (and creates) the physical slot ``slot``."""
    home = server.cluster.home.parent / f"{server.name}-standby-{os.getpid()}"
    cluster = LocalCluster(bindir=server.cluster.bindir, home=home)
    runner = cluster.runner
    home.mkdir(mode=0o700)
    if runner:
        entry = pwd.getpwnam(runner)
        os.chown(home, entry.pw_uid, entry.pw_gid)
    try:
        result = subprocess.run(
            [
                str(cluster.bindir / "pg_basebackup"),
                "-D",
                str(cluster.datadir),
                "-R",
                "-X",
                "stream",
                "-c",
                "fast",
                "-C",
                "-S",
                slot,
                "-d",
                f"{server.admin_dsn()}?application_name={app}",
            ],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
            cwd=str(home),
            user=runner,
            group=pwd.getpwnam(runner).pw_gid if runner else None,
        )
        assert result.returncode == 0, result.stderr
        cluster.start()
        yield cluster
    finally:
        cluster.destroy()
        with psycopg.connect(server.admin_dsn(), autocommit=True) as conn:
            conn.execute(
                "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots "
                "WHERE slot_name = %s",
                [slot],
            )


def test_replica_lag_on_a_real_standby(db: TestDatabase) -> None:
    app, slot = f"h4_standby_{os.getpid()}", f"h4_standby_slot_{os.getpid()}"
    replica = f"{app}@127.0.0.1"
    with standby(db.server, app, slot) as cluster:
        wait_for(
            db,
            "SELECT count(*) > 0 FROM pg_stat_replication WHERE application_name = %s "
            "AND state = 'streaming'",
            [app],
            "the standby to stream",
        )
        # A healthy standby: nothing with the default thresholds; its slot is active, so it is
        # never an inactive slot, whatever the threshold.
        report = audit(db, ["replication"], {"inactive-replication-slot": {"warning_bytes": 0}})
        assert about(report, "replica-lag", replica) == []
        assert about(report, "inactive-replication-slot", slot) == []

        with psycopg.connect(cluster.dsn(), autocommit=True) as conn:
            # Replay paused: the standby receives WAL but does not apply it.
            conn.execute("SELECT pg_wal_replay_pause()")
            db.execute(
                "CREATE TABLE ballast AS SELECT g, repeat('x', 100) AS pad "
                "FROM generate_series(1, 20000) g"
            )
            wait_for(
                db,
                "SELECT coalesce(bool_or(pg_wal_lsn_diff(pg_current_wal_lsn(), "
                "replay_lsn) >= %s), false) FROM pg_stat_replication "
                "WHERE application_name = %s",
                [2 * MB, app],
                "2 MB of replay lag",
            )
            report = audit(
                db,
                ["replication"],
                {
                    "replica-lag": {
                        "warning_bytes": MB,
                        "error_bytes": NEVER,
                        "warning_seconds": NEVER,
                        "error_seconds": NEVER,
                    },
                    "inactive-replication-slot": {"warning_bytes": 0},
                },
            )
            [finding] = about(report, "replica-lag", replica)
            assert finding.severity is Severity.WARNING
            assert finding.evidence["application"] == app
            assert finding.evidence["state"] == "streaming"
            assert int(str(finding.evidence["replay_lag_bytes"])) >= 2 * MB
            assert about(report, "inactive-replication-slot", slot) == []  # active, retaining
            severe = audit(
                db, ["replica-lag"], {"replica-lag": {"warning_bytes": MB, "error_bytes": MB}}
            )
            assert about(severe, "replica-lag", replica)[0].severity is Severity.ERROR

            # Lag in time: replay resumes, but every commit is applied 2 s late.
            conn.execute("SELECT pg_wal_replay_resume()")
            conn.execute("ALTER SYSTEM SET recovery_min_apply_delay = '2s'")
            conn.execute("SELECT pg_reload_conf()")
            # Steady commits: each one is applied late, and each batch of WAL the standby
            # receives makes it report its replay position (and so its lag) back.
            deadline = time.monotonic() + 30
            while not db.execute(
                "SELECT coalesce(bool_or(replay_lag >= interval '1.5 s'), false) "
                "FROM pg_stat_replication WHERE application_name = %s",
                [app],
            )[0][0]:
                assert time.monotonic() < deadline, "timed out waiting for 1.5 s of replay lag"
                db.execute("INSERT INTO ballast VALUES (0, 'late')")
                time.sleep(0.2)
            report = audit(
                db,
                ["replica-lag"],
                {
                    "replica-lag": {
                        "warning_bytes": NEVER,
                        "error_bytes": NEVER,
                        "warning_seconds": 1.0,
                    }
                },
            )
            [finding] = about(report, "replica-lag", replica)
            assert float(str(finding.evidence["replay_lag_seconds"])) >= 1.5
            assert finding.severity is Severity.WARNING


def test_inactive_slot_retaining_wal(db: TestDatabase) -> None:
    slot = f"h4_abandoned_{os.getpid()}"
    db.execute("SELECT pg_create_physical_replication_slot(%s, true)", [slot])
    try:
        db.execute(
            "CREATE TABLE ballast AS SELECT g, repeat('x', 100) AS pad "
            "FROM generate_series(1, 20000) g"
        )
        db.execute("SELECT pg_switch_wal()")
        # A few MB retained: below the default 1 GB, so quiet by default.
        assert (
            about(audit(db, ["inactive-replication-slot"]), "inactive-replication-slot", slot) == []
        )
        report = audit(
            db, ["inactive-replication-slot"], {"inactive-replication-slot": {"warning_bytes": MB}}
        )
        [finding] = about(report, "inactive-replication-slot", slot)
        assert finding.severity is Severity.WARNING
        assert str(finding.object) == slot
        assert finding.evidence["type"] == "physical"
        assert int(str(finding.evidence["retained_bytes"])) >= 2 * MB
        assert finding.fix_sql is not None
        assert finding.fix_sql.startswith("-- WARNING")
        assert f"SELECT pg_drop_replication_slot('{slot}');" in finding.fix_sql
        # The fix works: the slot is gone and so is the finding.
        db.execute(finding.fix_sql)
        report = audit(
            db, ["inactive-replication-slot"], {"inactive-replication-slot": {"warning_bytes": MB}}
        )
        assert about(report, "inactive-replication-slot", slot) == []
    finally:
        db.execute(
            "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots "
            "WHERE slot_name = %s",
            [slot],
        )
