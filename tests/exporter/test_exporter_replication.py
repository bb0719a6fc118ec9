"""Replication metrics from a real streaming standby (pg_basebackup of the PG 18 test server).

PG 18 only: the replication views read are the same on 15, and one standby costs seconds.
"""

from __future__ import annotations

import os
import pwd
import time
from collections.abc import Iterator

import psycopg
import pytest
from exporter_helpers import Scraped, scrape
from psycopg import conninfo

from pgharness import TestServer, cleanup_root, make_root
from pgsage.db.cluster import LocalCluster


@pytest.fixture
def standby(pg18: TestServer) -> Iterator[LocalCluster]:
    root = make_root()
    primary = pg18.cluster
    replica = LocalCluster(bindir=primary.bindir, home=root / "standby")
    slot = "pgsage_test_standby"
    try:
        replica.home.mkdir(mode=0o700)
        if replica.runner:  # as root the servers run as an unprivileged user
            entry = pwd.getpwnam(replica.runner)
            os.chown(replica.home, entry.pw_uid, entry.pw_gid)
        # The cluster's own runner: the right user and the right binaries.
        done = replica._run("pg_basebackup", "-D", str(replica.datadir), "-h", "127.0.0.1",
                            "-p", str(primary.port()), "-U", "postgres", "-X", "stream",
                            "-R", "-C", "-S", slot, timeout=120)
        assert done.returncode == 0, done.stderr
        replica.start()
        yield replica
    finally:
        replica.destroy()
        with psycopg.connect(pg18.admin_dsn(), autocommit=True) as conn:
            conn.execute("SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots "
                         "WHERE slot_name = %s", [slot])
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
        pg18: TestServer, standby: LocalCluster) -> None:
    db = pg18.create_database("repl")
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
        assert primary.value("pgsage_replication_slot_active",
                             slot_name="pgsage_test_standby") == 1
        assert primary.value("pgsage_in_recovery") == 0

        standby_dsn = conninfo.make_conninfo(db.dsn, port=standby.port())

        def standby_replayed() -> Scraped | None:
            result = scrape(standby_dsn)
            return result if result.values("pgsage_standby_replay_delay_seconds") else None

        replica = wait_until("the standby to replay a transaction", standby_replayed)
        assert replica.value("pgsage_in_recovery") == 1
        assert replica.value("pgsage_standby_replay_delay_seconds") >= 0
        assert replica.values("pgsage_wal_position_bytes") == []  # a primary-only figure
        for group in ("server", "activity", "databases", "replication", "wal", "checkpoints",
                      "statements", "tables", "sequences", "vector", "size"):
            assert replica.value("pgsage_exporter_collector_success", collector=group) == 1, group
    finally:
        pg18.drop_database(db.name)
