"""The MCP server's session pool (db/pool.py): a session is lent again only as a new one would
be — nothing one call did (settings, role, prepared statements, cursors, LISTEN, advisory
locks, HypoPG's hypothetical indexes) is seen by the next — and a call that failed closes its
session."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from mcp_support import prepare

from pgharness import TestDatabase
from pgsage.db.connect import SessionOptions, connect
from pgsage.db.pool import SessionPool
from pgsage.errors import PgsageError
from pgsage.mcp.safesql import SqlPolicy
from pgsage.mcp.tools import ServerConfig, Tools

OPTIONS = SessionOptions(statement_timeout_ms=7_000, lock_timeout_ms=700, application_name="t")


@pytest.fixture
def pool(db: TestDatabase) -> Iterator[SessionPool]:
    # generous waits: a busy machine's slow reset must not look like a second session
    lent = SessionPool(check_after_seconds=3600, reset_wait_seconds=120)
    lent.serve(db.dsn)
    lent.install()
    try:
        yield lent
    finally:
        lent.close()


def _one(conn: psycopg.Connection[Any], query: str) -> Any:
    row = conn.execute(query).fetchone()
    assert row is not None
    return row[0]


def _state(conn: psycopg.Connection[Any]) -> dict[str, Any]:
    return {
        "pid": conn.info.backend_pid,
        "statement_timeout": _one(conn, "SHOW statement_timeout"),
        "lock_timeout": _one(conn, "SHOW lock_timeout"),
        "read_only": _one(conn, "SHOW default_transaction_read_only"),
        "search_path": _one(conn, "SHOW search_path"),
        "work_mem": _one(conn, "SHOW work_mem"),
        "user": _one(conn, "SELECT current_user = session_user"),
        "prepared": _one(conn, "SELECT count(*) FROM pg_prepared_statements"),
        "cursors": _one(conn, "SELECT count(*) FROM pg_cursors"),
        "listening": _one(conn, "SELECT count(*) FROM pg_listening_channels()"),
        "advisory": _one(
            conn,
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()",
        ),
        "autocommit": conn.autocommit,
        "conn_read_only": conn.read_only,
    }


def test_a_session_comes_back_as_a_new_one(db: TestDatabase, pool: SessionPool) -> None:
    hypopg = "hypopg" in db.server.available_extensions
    with psycopg.connect(db.dsn, autocommit=True) as admin:
        admin.execute("CREATE TABLE IF NOT EXISTS pooled (id int, v text)")
        admin.execute("CREATE ROLE pooled_other NOLOGIN")
        if hypopg:
            admin.execute("CREATE EXTENSION IF NOT EXISTS hypopg")
    try:
        with connect(db.dsn, OPTIONS) as conn:
            fresh = _state(conn)
            # Everything a session can carry to the next call, done the ways that are allowed
            # outside a read-only transaction or that a read-only one allows.
            if hypopg:
                conn.execute("SELECT * FROM hypopg_create_index('CREATE INDEX ON pooled (id)')")
            conn.execute("SET statement_timeout = '1ms'")
            conn.execute("SELECT set_config('lock_timeout', '0', false)")
            conn.execute("SET default_transaction_read_only = off")
            conn.execute("SET search_path = pg_catalog")
            conn.execute("SET work_mem = '1MB'")
            conn.execute("SET ROLE pooled_other")
            conn.execute("RESET ROLE")
            conn.execute("SET SESSION AUTHORIZATION pooled_other")
            conn.execute("PREPARE kept AS SELECT 1")
            conn.execute("LISTEN pooled_channel")
            conn.execute("SELECT pg_advisory_lock(42)")
            conn.autocommit = False
            conn.read_only = True
            conn.execute("DECLARE held CURSOR WITH HOLD FOR SELECT 1")
            conn.commit()
        assert fresh["statement_timeout"] == "7s" and fresh["read_only"] == "on"
        with connect(db.dsn, OPTIONS) as conn:
            again = _state(conn)
            hypothetical = _one(conn, "SELECT count(*) FROM hypopg_list_indexes") if hypopg else 0
        assert again == fresh  # the same backend, in the state a new session has
        assert hypothetical == 0
        assert pool.opened == 1
    finally:
        with psycopg.connect(db.dsn, autocommit=True) as admin:
            pool.close()
            admin.execute("DROP ROLE IF EXISTS pooled_other")


def test_a_call_that_failed_closes_its_session(db: TestDatabase, pool: SessionPool) -> None:
    with connect(db.dsn, OPTIONS) as conn:
        first = conn.info.backend_pid
    with pytest.raises(psycopg.errors.DivisionByZero), connect(db.dsn, OPTIONS) as conn:
        assert conn.info.backend_pid == first
        conn.autocommit = False
        conn.execute("SELECT 1 / 0")  # the transaction is broken
    with connect(db.dsn, OPTIONS) as conn:
        assert conn.info.backend_pid != first
    assert pool.opened == 2


def test_the_tools_share_nothing_between_calls(db: TestDatabase, pool: SessionPool) -> None:
    """Through the tools: hypothetical indexes of one explain are not in the next plan, and a
    refused or failed call leaves no session behind."""
    hypopg = "hypopg" in db.server.available_extensions
    prepare(db.dsn, hypopg)
    tools = Tools(ServerConfig(targets={"default": db.dsn}, policy=SqlPolicy()))

    def pid() -> int:
        rows = tools.run_sql("SELECT pg_backend_pid()", None, None).data.model_dump()["rows"]
        return int(rows[0][0])

    first = pid()
    assert pid() == first  # kept between calls
    query = "SELECT * FROM orders WHERE status = 'open'"
    if hypopg:
        with_index = tools.explain(query, ["CREATE INDEX ON orders (status)"], False, None)
        assert with_index.data.model_dump()["used_hypothetical_indexes"]
    plain = tools.explain(query, [], False, None).data.model_dump()
    assert "btree_orders" not in str(plain["plan"]), "a hypothetical index outlived its call"
    assert pid() == first
    with pytest.raises(PgsageError):
        tools.run_sql("SELECT 1 / 0", None, None)
    assert pid() != first  # the failed call's session was closed, not lent again


def test_only_the_served_targets_are_kept(db: TestDatabase, pool: SessionPool) -> None:
    """A session on another database (a migration check's scratch database, dropped after)
    is opened and closed as without a pool."""
    other = db.server.admin_dsn()
    with connect(other, OPTIONS) as conn:
        first = conn.info.backend_pid
    with connect(other, OPTIONS) as conn:
        assert conn.info.backend_pid != first
    assert pool.opened == 0
