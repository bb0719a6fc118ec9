"""Sessions kept between calls by a long-running process (``pgsage mcp``).

Opening a session costs a connection, a backend start and the settings; a new backend also
plans its first catalog queries with cold caches. A process that serves many short calls
keeps a few sessions per target and lends them again — but a lent session must be exactly
what a new one would be, so nothing one call did is seen by the next:

- A session goes back only when the call ended normally. A call that raised (a refused
  statement, a timeout, a broken transaction, a lost connection) closes its session.
- Going back, the session's transaction is rolled back, then what ``DISCARD ALL`` does (closes
  cursors, resets every setting and the role, stops listening, releases advisory locks, drops
  temporary objects) except for prepared statements: every one is deallocated but pgsage's own
  snapshot statements, kept so that the next audit does not plan them again (kept.py, which
  says why that is safe; ``SessionPool(keep_statements=False)``: plain ``DISCARD ALL``).
  HypoPG's hypothetical indexes are reset (they live in the backend, outside any
  transaction), and pgsage's session settings are applied again (read-only default, statement
  and lock timeouts). The client side (autocommit, read-only, isolation level, row factory) is
  put back as a new session has it; psycopg's own automatic preparation is off in a kept
  session (its statements' names live on the client, which the reset's deallocations would
  leave stale). Any failure on the way closes the session instead.
- The reset runs on the pool's thread once the call has answered; a session idle for a while
  is checked with an empty query before it is lent again, and one idle for more than
  ``max_idle_seconds`` is closed instead.

Nothing is cached but the sessions and pgsage's query plans: every call reads the server afresh.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing, contextmanager
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg import pq, sql
from psycopg.conninfo import conninfo_to_dict
from psycopg.rows import TupleRow, tuple_row

from pgsage.db import kept
from pgsage.db.connect import (
    SessionOptions,
    lend_sessions_from,
    open_session,
    session_settings,
    validate_dsn,
)

# psycopg's default for a new connection, put back on a session that returns (plain reset).
_PREPARE_THRESHOLD = 5
# DISCARD ALL but for DEALLOCATE ALL and DISCARD PLANS (what PostgreSQL's documentation lists
# it as), in one round trip.
_DISCARD_ALL_BUT_STATEMENTS = (
    "CLOSE ALL; SET SESSION AUTHORIZATION DEFAULT; RESET ALL; UNLISTEN *; "
    "SELECT pg_catalog.pg_advisory_unlock_all(); DISCARD TEMP; DISCARD SEQUENCES"
)
_HYPOPG_SCHEMA = (
    "SELECT n.nspname FROM pg_catalog.pg_extension e "
    "JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'hypopg'"
)


@dataclass
class _Idle:
    conn: psycopg.Connection[TupleRow]
    since: float  # time.monotonic() when it came back


Key = tuple[str, SessionOptions]


class SessionPool:
    """At most ``max_idle`` idle sessions per (conninfo, options); as many busy ones as there
    are concurrent calls. Thread-safe: the MCP SDK runs each tool call on a worker thread.

    A returned session is reset on the pool's own thread, after the call has answered: the
    reset is not on the caller's path, and a borrower waits (up to ``reset_wait_seconds``: a
    reset is a few round trips, this only bounds a server that stopped answering) for a
    session being reset rather than open another. A session idle for more than ``check_after_seconds`` is checked with
    an empty query before it is lent (the server may have ended it meanwhile)."""

    def __init__(
        self,
        max_idle: int = 2,
        max_idle_seconds: float = 300.0,
        check_after_seconds: float = 2.0,
        reset_wait_seconds: float = 2.0,
        keep_statements: bool = True,
    ) -> None:
        self.max_idle = max_idle
        self.keep_statements = keep_statements
        self.reset_wait_seconds = reset_wait_seconds
        self.max_idle_seconds = max_idle_seconds
        self.check_after_seconds = check_after_seconds
        self._served: set[frozenset[tuple[str, str]]] = set()
        self._idle: dict[Key, list[_Idle]] = {}
        self._resetting: dict[Key, int] = {}
        self._changed = threading.Condition()
        self._resetter = ThreadPoolExecutor(max_workers=1, thread_name_prefix="pgsage-pool")
        self._closed = False
        self.opened = 0  # sessions opened so far (tests: proves reuse)

    def serve(self, dsn: str) -> None:
        """Keep sessions on ``dsn`` (a target the process serves). Sessions on anything else —
        a scratch database a migration check creates and drops — are opened and closed as
        usual."""
        self._served.add(_identity(validate_dsn(dsn)))

    def install(self) -> SessionPool:
        """Make :func:`pgsage.db.connect.connect` borrow from this pool."""
        lend_sessions_from(self)
        return self

    def close(self) -> None:
        """Close every idle session (after the resets under way); sessions lent out close
        when they come back."""
        lend_sessions_from(None)
        self._resetter.shutdown(wait=True)
        with self._changed:
            self._closed = True
            idle = [entry for entries in self._idle.values() for entry in entries]
            self._idle.clear()
        for entry in idle:
            entry.conn.close()

    @contextmanager
    def session(
        self, conninfo: str, options: SessionOptions
    ) -> Iterator[psycopg.Connection[TupleRow]]:
        if _identity(conninfo_to_dict(conninfo)) not in self._served:
            with closing(open_session(conninfo, options)) as own:
                yield own
            return
        key = (conninfo, options)
        conn = self._borrow(key)
        try:
            yield conn
        except BaseException:
            conn.close()  # whatever the call left behind goes with it
            raise
        self._give_back(key, conn)

    def _borrow(self, key: Key) -> psycopg.Connection[TupleRow]:
        while (entry := self._take(key)) is not None:
            idle = time.monotonic() - entry.since
            if idle > self.max_idle_seconds or (
                idle > self.check_after_seconds and not _alive(entry.conn)
            ):
                entry.conn.close()
                continue
            return entry.conn
        conn = open_session(*key)
        self.opened += 1
        if self.keep_statements:
            conn.prepare_threshold = None
            kept.keep_statements(conn)
        return conn

    def _take(self, key: Key) -> _Idle | None:
        """An idle session of ``key``, waiting (briefly) for one being reset; None: open one."""
        deadline = time.monotonic() + self.reset_wait_seconds
        with self._changed:
            while True:
                entries = self._idle.get(key)
                if entries:
                    return entries.pop()
                left = deadline - time.monotonic()
                if not self._resetting.get(key) or left <= 0:
                    return None
                self._changed.wait(left)

    def _give_back(self, key: Key, conn: psycopg.Connection[TupleRow]) -> None:
        with self._changed:
            if self._closed:
                conn.close()
                return
            self._resetting[key] = self._resetting.get(key, 0) + 1
        try:
            self._resetter.submit(self._reset_and_keep, key, conn)
        except RuntimeError:  # shut down meanwhile
            self._done_resetting(key, conn, kept=False)

    def _reset_and_keep(self, key: Key, conn: psycopg.Connection[TupleRow]) -> None:
        self._done_resetting(key, conn, kept=_reset(conn, key[1], self.keep_statements))

    def _done_resetting(self, key: Key, conn: psycopg.Connection[TupleRow], kept: bool) -> None:
        with self._changed:
            self._resetting[key] -= 1
            entries = self._idle.setdefault(key, [])
            keep = kept and not self._closed and len(entries) < self.max_idle
            if keep:
                entries.append(_Idle(conn, time.monotonic()))
            self._changed.notify_all()
        if not keep:
            conn.close()


def _identity(params: Mapping[str, Any]) -> frozenset[tuple[str, str]]:
    """Which server, database and role a conninfo names (not how long to wait or the name the
    session shows)."""
    return frozenset(
        (key, str(value))
        for key, value in params.items()
        if value is not None and key not in ("connect_timeout", "application_name")
    )


def _alive(conn: psycopg.Connection[TupleRow]) -> bool:
    if conn.closed or conn.broken or conn.info.transaction_status != pq.TransactionStatus.IDLE:
        return False
    try:
        conn.execute("")
    except psycopg.Error:
        return False
    return True


def _reset(
    conn: psycopg.Connection[TupleRow], options: SessionOptions, keep_statements: bool
) -> bool:
    """The session as :func:`open_session` made it (but for pgsage's kept statements when
    ``keep_statements``); False when it cannot be (close it)."""
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
        if keep_statements:
            conn.prepare_threshold = None
            conn.execute(_DISCARD_ALL_BUT_STATEMENTS)
            listed: sql.Composable = sql.SQL(", {}").format(kept.LIST_PREPARED)
        else:
            conn.prepare_threshold = _PREPARE_THRESHOLD
            conn.execute("DISCARD ALL")
            listed = sql.SQL("")
        # The settings again, where HypoPG is (if it is), and the prepared statements (when
        # some are kept), in one statement.
        row = conn.execute(
            sql.SQL("SELECT ({}), {}{}").format(
                sql.SQL(_HYPOPG_SCHEMA), session_settings(options), listed
            )
        ).fetchone()
        assert row is not None
        after: list[sql.Composable] = []
        if keep_statements:
            others = kept.deallocate_others(conn, row[-2], row[-1])
            if others is not None:
                after.append(others)
        if row[0] is not None:
            after.append(sql.SQL("SELECT {}.hypopg_reset()").format(sql.Identifier(str(row[0]))))
        if after:
            conn.execute(sql.SQL("; ").join(after))
        return conn.info.transaction_status == pq.TransactionStatus.IDLE
    except Exception:  # psycopg's errors, and anything else: the session is not kept
        return False
