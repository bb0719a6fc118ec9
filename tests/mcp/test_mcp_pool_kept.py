"""pgsage's snapshot statements kept prepared in the pool's sessions (db/kept.py): a snapshot
read with them is the one a fresh session reads, also after the catalog changed, and a
statement prepared by anything else does not survive a call."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest

from pgharness import TestDatabase
from pgsage.db.connect import SessionOptions, connect
from pgsage.db.pool import SessionPool
from pgsage.db.snapshot import Snapshot, collect_snapshot
from pgsage.db.snapshot.run import SnapshotRun

OPTIONS = SessionOptions(statement_timeout_ms=7_000, lock_timeout_ms=700, application_name="t")
SCHEMA = """
CREATE TABLE p (id int PRIMARY KEY, v text CHECK (v <> ''));
CREATE TABLE c (id int PRIMARY KEY, p_id int REFERENCES p, w int);
CREATE INDEX c_w ON c (w) WHERE w > 0;
CREATE SEQUENCE s AS smallint;
INSERT INTO p SELECT g, 'v' || g FROM generate_series(1, 50) g;
ANALYZE;
"""


@pytest.fixture
def pool(db: TestDatabase) -> Iterator[SessionPool]:
    lent = SessionPool(check_after_seconds=3600, reset_wait_seconds=120)
    lent.serve(db.dsn)
    try:
        yield lent
    finally:
        lent.close()


def _take(dsn: str) -> Snapshot:
    with (
        connect(dsn, OPTIONS) as conn,
        SnapshotRun(second_session=functools.partial(connect, dsn, OPTIONS)) as run,
    ):
        return collect_snapshot(conn, run=run)


def _catalog_parts(snap: Snapshot) -> tuple[Any, ...]:
    return (
        snap.tables,
        snap.indexes,
        snap.columns,
        snap.constraints,
        snap.sequences,
        snap.settings,
        snap.errors,
    )


def _prepared(dsn: str) -> dict[int, dict[str, str]]:
    """Each idle session's prepared statements (both are lent at once), by backend pid."""
    with connect(dsn, OPTIONS) as one, connect(dsn, OPTIONS) as two:
        return {
            conn.info.backend_pid: dict(
                conn.execute(
                    "SELECT name, statement FROM pg_catalog.pg_prepared_statements"
                ).fetchall()
            )
            for conn in (one, two)
        }


def test_kept_statements_read_the_snapshot_a_fresh_session_reads(
    db: TestDatabase, pool: SessionPool
) -> None:
    db.execute(SCHEMA)
    fresh = _take(db.dsn)  # no pool yet: plain queries on new sessions
    pool.install()
    first = _take(db.dsn)  # prepares them
    kept = _prepared(db.dsn)
    assert all(kept.values())
    assert all(name.startswith("pgsage_") for names in kept.values() for name in names)
    again = _take(db.dsn)  # runs them
    assert pool.opened == 2  # both sessions kept and lent again
    assert _catalog_parts(first) == _catalog_parts(again) == _catalog_parts(fresh)
    # nothing prepared twice (the sessions may have swapped roles: each has its own again)
    assert all(kept[pid].items() <= now.items() for pid, now in _prepared(db.dsn).items())
    # A catalog change between calls: the kept plans are made again, and see it.
    db.execute("CREATE INDEX c_p ON c (p_id); ALTER TABLE p ADD COLUMN x int")
    changed = _take(db.dsn)
    assert {i.name for i in changed.indexes} == {"p_pkey", "c_pkey", "c_w", "c_p"}
    assert ("p", "x") in {(col.table, col.name) for col in changed.columns}


def test_a_statement_prepared_by_anything_else_does_not_survive(
    db: TestDatabase, pool: SessionPool
) -> None:
    db.execute(SCHEMA)
    pool.install()
    _take(db.dsn)
    kept = _prepared(db.dsn)
    taken = sorted(kept[min(kept)])[0]
    identifier = psycopg.sql.Identifier(taken)
    with connect(db.dsn, OPTIONS) as one, connect(db.dsn, OPTIONS) as two:
        for conn in (one, two):
            conn.execute("PREPARE other AS SELECT 1")
            # pgsage's name with another text: not pgsage's statement
            if taken in kept[conn.info.backend_pid]:
                conn.execute(psycopg.sql.SQL("DEALLOCATE {}").format(identifier))
            conn.execute(psycopg.sql.SQL("PREPARE {} AS SELECT 2").format(identifier))
    left = _prepared(db.dsn)
    assert left == {
        pid: {name: text for name, text in statements.items() if name != taken}
        for pid, statements in kept.items()
    }
    again = _take(db.dsn)  # the dropped one prepared again, the snapshot whole
    assert set(again.errors) <= {"hba_rules", "role_passwords"}
    assert taken in {name for statements in _prepared(db.dsn).values() for name in statements}


def test_a_plain_pool_keeps_nothing(db: TestDatabase) -> None:
    plain = SessionPool(check_after_seconds=3600, reset_wait_seconds=120, keep_statements=False)
    plain.serve(db.dsn)
    plain.install()
    try:
        _take(db.dsn)
        assert _prepared(db.dsn) == {pid: {} for pid in _prepared(db.dsn)}
    finally:
        plain.close()


def test_kept_statements_dropped_during_a_call_are_prepared_again(
    db: TestDatabase, pool: SessionPool
) -> None:
    # The advisor's what-if runs DEALLOCATE ALL on the session it borrows: a snapshot read
    # after it in the same call finds pgsage's statements gone and prepares them again.
    db.execute(SCHEMA)
    pool.install()
    _take(db.dsn)
    with connect(db.dsn, OPTIONS) as conn:
        conn.execute("DEALLOCATE ALL")
        snap = collect_snapshot(conn, parallel=False)
        conn.execute("DEALLOCATE ALL")  # and once more, with some of them prepared this call
        again = collect_snapshot(conn, parallel=False)
        once_more = collect_snapshot(conn, parallel=False)
    for taken in (snap, again, once_more):
        assert set(taken.errors) <= {"hba_rules", "role_passwords"}
        assert {i.name for i in taken.indexes} == {"p_pkey", "c_pkey", "c_w"}
