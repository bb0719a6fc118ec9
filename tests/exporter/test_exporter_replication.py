"""Replication metrics from a real streaming standby (pg_basebackup of the test server), on
PG 18 and PG 15; and a server that goes away under a running exporter (the standby, stopped)."""

from __future__ import annotations

import os
import pwd
import time
from collections.abc import Iterator

import psycopg
import pytest
from exporter_helpers import Scraped, get, parse, scrape, serving
from psycopg import conninfo

from pgharness import TestServer, cleanup_root, make_root
from pgsage.db.cluster import LocalCluster


@pytest.fixture
def standby(server: TestServer) -> Iterator[LocalCluster]:
    root = make_root()
    primary = server.cluster
    replica = LocalCluster(bindir=primary.bindir, home=root / "standby")
    slot = "pgsage_test_standby"
    try:
        replica.home.mkdir(mode=0o700)
        if replica.runner:  # as root the servers run as an unprivileged user
            entry = pwd.getpwnam(replica.runner)
            os.chown(replica.home, entry.pw_uid, entry.pw_gid)
        # The cluster's own runner: the right user and the right binaries.
        done = replica._run(
            "pg_basebackup",
            "-D",
            str(replica.datadir),
            "-h",
            "127.0.0.1",
            "-p",
            str(primary.port()),
            "-U",
            "postgres",
            "-X",
            "stream",
            "-R",
            "-C",
            "-S",
            slot,
            "-c",
            "fast",
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
        replica.start()
        yield replica
    finally:
        replica.destroy()
        with psycopg.connect(server.admin_dsn(), autocommit=True) as conn:
            conn.execute(
                "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots "
                "WHERE slot_name = %s",
                [slot],
            )
        cleanup_root(root)


def wait_until(what: str, check: object, timeout: float = 30) -> Scraped:
    deadline = time.monotonic() + timeout
    while True:
        result = check()  # type: ignore[operator]
        if result:
            return result  # type: ignore[no-any-return]
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.3)


def test_lag_on_the_primary_and_replay_delay_on_the_standby(
    server: TestServer, standby: LocalCluster
) -> None:
    db = server.create_database("repl")
    try:
        db.execute("CREATE TABLE t (id int); INSERT INTO t VALUES (1)")

        def primary_sees_it() -> Scraped | None:
            result = scrape(db.dsn)
            return result if result.values("pgsage_replication_lag_bytes") else None

        primary = wait_until("the standby to stream", primary_sees_it)
        assert primary.value("pgsage_replication_standbys") == 1
        stages = {labels["stage"] for labels in primary.labels("pgsage_replication_lag_seconds")}
        assert stages == {"write", "flush", "replay"}
        assert primary.value("pgsage_replication_lag_bytes") >= 0
        assert primary.value("pgsage_replication_slot_active", slot_name="pgsage_test_standby") == 1
        assert primary.value("pgsage_in_recovery") == 0

        standby_dsn = conninfo.make_conninfo(db.dsn, port=standby.port())

        def standby_replayed() -> Scraped | None:
            result = scrape(standby_dsn)
            # table t is created after pg_stat_statements: when it is there, so is the extension
            replayed = result.values("pgsage_tables") == [1.0]
            return (
                result
                if replayed and result.values("pgsage_standby_replay_delay_seconds")
                else None
            )

        replica = wait_until("the standby to replay a transaction", standby_replayed)
        assert replica.value("pgsage_in_recovery") == 1
        assert replica.value("pgsage_standby_replay_delay_seconds") >= 0
        assert replica.values("pgsage_wal_position_bytes") == []  # a primary-only figure
        for group in (
            "server",
            "activity",
            "databases",
            "replication",
            "wal",
            "checkpoints",
            "statements",
            "tables",
            "sequences",
            "vector",
            "size",
        ):
            assert replica.value("pgsage_exporter_collector_success", collector=group) == 1, group
    finally:
        server.drop_database(db.name)


def test_a_server_that_goes_away_mid_run(standby: LocalCluster) -> None:
    """The standby is stopped under a running exporter, then started again: scrapes report
    pgsage_up 0 and /ready 503 meanwhile, the process keeps serving, and it recovers."""
    port = standby.port()
    assert port is not None
    with serving({"default": standby.dsn()}) as base:
        status, body = get(base + "/metrics")
        assert status == 200 and parse(body).value("pgsage_up") == 1
        standby.stop()
        status, body = get(base + "/metrics")
        assert status == 200, body
        down = parse(body)
        assert down.value("pgsage_up") == 0
        assert down.values("pgsage_connections") == []
        assert down.value("pgsage_exporter_scrape_duration_seconds") < 3.0
        assert get(base + "/health") == (200, "ok\n")
        status, body = get(base + "/ready")
        assert status == 503 and body.startswith("not ready: "), body
        standby.start(port)
        status, body = get(base + "/metrics")
        assert status == 200 and parse(body).value("pgsage_up") == 1
        assert get(base + "/ready") == (200, "ready\n")
