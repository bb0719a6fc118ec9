"""pgsage's own statements kept prepared in the sessions a long-running process keeps.

The speed trick of ``pgsage mcp``'s audit, all in this module: a session the pool keeps
(pool.py) would otherwise plan the snapshot's thirty catalog queries again on every call, as
its reset used to deallocate everything. Here a section's query is sent as
``PREPARE pgsage_<hash> AS <query>`` the first time a kept session reads it, then as
``EXECUTE pgsage_<hash>``, and the pool's reset keeps those statements (and only those) while it
drops everything else a call left behind.

- The name is a hash of the query's text, so a query that differs (another server version,
  another role's variant of a section) is another statement; a session holds at most
  ``MAX_KEPT`` of them.
- The reset keeps a statement only when the server lists it with exactly the text pgsage sent
  (``pg_prepared_statements.statement``); anything else — another name, or pgsage's name with
  other text — is deallocated. What the client believes is kept is then what the server holds.
  Within a call, a statement dropped meanwhile (the advisor's what-if runs DEALLOCATE ALL)
  makes its EXECUTE fail: the reader then takes the server's list again (``resync``) and sends
  the section once more (pipelined.py).
- Why a kept plan is still right: a prepared statement's plan is checked against the catalog
  before each execution and made again when a table, view, function or type it uses changed
  (PostgreSQL's plan cache); the sections name every catalog and function by schema, so the
  search_path does not matter; privileges are checked when the statement runs, not when it is
  planned, and a session of the pool always runs as the same role (the pool's key), whose
  reset also ends any SET ROLE. Planner settings are not part of a plan's validity: a plan made
  under the second session's settings (fast.py) may run on the first, which gives the same
  rows.
- Sessions not made by the pool (the CLI's one-shot path) are never marked: their sections are
  sent as plain queries (``forms`` gives the query itself).
"""

from __future__ import annotations

import functools
import hashlib
import threading
from collections.abc import Iterable
from weakref import WeakKeyDictionary

import psycopg
from psycopg import sql
from psycopg.rows import TupleRow

MAX_KEPT = 100
_PREFIX = "pgsage_"
_lock = threading.Lock()
# A kept session -> its statements the server holds: name -> the PREPARE text sent.
_kept: WeakKeyDictionary[psycopg.Connection[TupleRow], dict[str, bytes]] = WeakKeyDictionary()


def keep_statements(conn: psycopg.Connection[TupleRow]) -> None:
    """Mark ``conn`` (a session the pool keeps) as one whose sections are prepared."""
    with _lock:
        _kept.setdefault(conn, {})


def is_kept(conn: psycopg.Connection[TupleRow]) -> bool:
    with _lock:
        return conn in _kept


def forms(conn: psycopg.Connection[TupleRow], query: bytes) -> tuple[bytes | None, bytes]:
    """How to run ``query`` on ``conn``: (a PREPARE to send first or None, the statement to run
    for the rows). On a session that is not kept: (None, the query)."""
    with _lock:
        kept = _kept.get(conn)
        if kept is None:
            return None, query
        name = _name_of(query)
        execute = b"EXECUTE " + name.encode()
        if name in kept:
            return None, execute
        if len(kept) >= MAX_KEPT:
            return None, query
        return b"PREPARE " + name.encode() + b" AS " + query, execute


@functools.lru_cache(maxsize=4 * MAX_KEPT)
def _name_of(query: bytes) -> str:
    # cached: the same few dozen texts, several KB each, on every audit
    return _PREFIX + hashlib.sha256(query).hexdigest()[:24]


def prepared(conn: psycopg.Connection[TupleRow], prepare: bytes) -> None:
    """The server answered ``prepare`` (from ``forms``) without an error."""
    name = prepare.split(b" ", 2)[1].decode()
    with _lock:
        kept = _kept.get(conn)
        if kept is not None:
            kept[name] = prepare


def resync(conn: psycopg.Connection[TupleRow]) -> None:
    """Something dropped some of ``conn``'s statements during a call (an EXECUTE found one
    missing; the advisor's what-if deallocates everything): kept are the ones the server still
    lists with pgsage's text, the others are prepared again. ``conn`` must be usable."""
    row = conn.execute(sql.SQL("SELECT {}").format(LIST_PREPARED), prepare=False).fetchone()
    assert row is not None
    _retain(conn, row[0], row[1])


LIST_PREPARED = sql.SQL(
    "ARRAY(SELECT p.name FROM pg_catalog.pg_prepared_statements p ORDER BY p.name), "
    "ARRAY(SELECT p.statement FROM pg_catalog.pg_prepared_statements p ORDER BY p.name)"
)


def deallocate_others(
    conn: psycopg.Connection[TupleRow], names: Iterable[str], statements: Iterable[str]
) -> sql.Composable | None:
    """Given what the server holds (``LIST_PREPARED``'s two arrays): the DEALLOCATE of every
    statement pgsage did not prepare with that very text (None when there is none), and
    ``conn``'s kept statements made exactly the ones that stay."""
    others = [
        sql.SQL("DEALLOCATE {}").format(sql.Identifier(name))
        for name in _retain(conn, names, statements)
    ]
    return sql.SQL("; ").join(others) if others else None


def _retain(
    conn: psycopg.Connection[TupleRow], names: Iterable[str], statements: Iterable[str]
) -> list[str]:
    """``conn``'s kept statements: those of the server's (names, statements) that pgsage
    prepared with that very text. Returns the names of the others."""
    others: list[str] = []
    with _lock:
        kept = _kept.get(conn, {})
        staying = {}
        for name, statement in zip(names, statements, strict=True):
            ours = kept.get(name)
            if ours is not None and ours == statement.encode():
                staying[name] = ours
            else:
                others.append(name)
        if conn in _kept:
            _kept[conn] = staying
    return others
