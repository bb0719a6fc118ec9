"""Sessions kept between calls by a long-running process (``pgsage mcp``).

Opening a session costs a connection, a backend start and the settings; a new backend also
plans its first catalog queries with cold caches. A process that serves many short calls
keeps a few sessions per target and lends them again — but a lent session must be exactly
what a new one would be, so nothing one call did is seen by the next:

- A session goes back only when the call ended normally. A call that raised (a refused
  statement, a timeout, a broken transaction, a lost connection) closes its session.
- Going back, the session's transaction is rolled back, then ``DISCARD ALL`` (closes cursors,
  resets every setting and the role, deallocates prepared statements, stops listening,
  releases advisory locks, drops temporary objects), HypoPG's hypothetical indexes are reset
  (they live in the backend, outside any transaction), and pgsage's session settings are
  applied again (read-only default, statement and lock timeouts). The client side
  (autocommit, read-only, isolation level, row factory, prepared-statement threshold) is put
  back as a new session has it. Any failure on the way closes the session instead.
- Before it is lent again, a session is checked with an empty query; an idle one older than
  ``max_idle_seconds`` is closed instead.

Nothing is cached but the sessions: every call reads the server afresh.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import psycopg
from psycopg import pq, sql
from psycopg.rows import TupleRow, tuple_row

from pgsage.db.connect import (
    SessionOptions,
    apply_session_settings,
    lend_sessions_from,
    open_session,
)

# psycopg's defaults for a new connection, put back on a session that returns.
_PREPARE_THRESHOLD = 5
_HYPOPG_SCHEMA = (
    "SELECT n.nspname FROM pg_catalog.pg_extension e "
    "JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'hypopg'"
)


@dataclass
class _Idle:
    conn: psycopg.Connection[TupleRow]
    since: float  # time.monotonic() when it came back


class SessionPool:
    """At most ``max_idle`` idle sessions per (conninfo, options); as many busy ones as there
    are concurrent calls. Thread-safe: the MCP SDK runs each tool call on a worker thread."""

    def __init__(self, max_idle: int = 2, max_idle_seconds: float = 300.0) -> None:
        self.max_idle = max_idle
        self.max_idle_seconds = max_idle_seconds
        self._idle: dict[tuple[str, SessionOptions], list[_Idle]] = {}
        self._lock = threading.Lock()
        self._closed = False
        self.opened = 0  # sessions opened so far (tests: proves reuse)

    def install(self) -> SessionPool:
        """Make :func:`pgsage.db.connect.connect` borrow from this pool."""
        lend_sessions_from(self)
        return self

    def close(self) -> None:
        """Close every idle session; sessions lent out close when they come back."""
        lend_sessions_from(None)
        with self._lock:
            self._closed = True
            idle = [entry for entries in self._idle.values() for entry in entries]
            self._idle.clear()
        for entry in idle:
            entry.conn.close()

    @contextmanager
    def session(
        self, conninfo: str, options: SessionOptions
    ) -> Iterator[psycopg.Connection[TupleRow]]:
        key = (conninfo, options)
        conn = self._borrow(key)
        try:
            yield conn
        except BaseException:
            conn.close()  # whatever the call left behind goes with it
            raise
        self._give_back(key, conn)

    def _borrow(self, key: tuple[str, SessionOptions]) -> psycopg.Connection[TupleRow]:
        while True:
            with self._lock:
                entries = self._idle.get(key)
                entry = entries.pop() if entries else None
            if entry is None:
                break
            if time.monotonic() - entry.since > self.max_idle_seconds or not _alive(entry.conn):
                entry.conn.close()
                continue
            return entry.conn
        conn = open_session(*key)
        self.opened += 1
        return conn

    def _give_back(
        self, key: tuple[str, SessionOptions], conn: psycopg.Connection[TupleRow]
    ) -> None:
        if not _reset(conn, key[1]):
            conn.close()
            return
        with self._lock:
            entries = self._idle.setdefault(key, [])
            if not self._closed and len(entries) < self.max_idle:
                entries.append(_Idle(conn, time.monotonic()))
                return
        conn.close()


def _alive(conn: psycopg.Connection[TupleRow]) -> bool:
    if conn.closed or conn.broken or conn.info.transaction_status != pq.TransactionStatus.IDLE:
        return False
    try:
        conn.execute("")
    except psycopg.Error:
        return False
    return True


def _reset(conn: psycopg.Connection[TupleRow], options: SessionOptions) -> bool:
    """The session as :func:`open_session` made it; False when it cannot be (close it)."""
    if conn.closed or conn.broken:
        return False
    try:
        if conn.info.transaction_status != pq.TransactionStatus.IDLE:
            conn.rollback()
        conn.autocommit = True
        conn.read_only = None
        conn.isolation_level = None
        conn.deferrable = None
        conn.row_factory = tuple_row
        conn.prepare_threshold = _PREPARE_THRESHOLD
        conn.execute("DISCARD ALL")
        row = conn.execute(_HYPOPG_SCHEMA).fetchone()
        if row is not None:
            conn.execute(sql.SQL("SELECT {}.hypopg_reset()").format(sql.Identifier(str(row[0]))))
        apply_session_settings(conn, options)
        return conn.info.transaction_status == pq.TransactionStatus.IDLE
    except Exception:  # psycopg's errors, and apply_session_settings' translated ones
        return False
