"""Many sections in one round trip: psycopg's pipeline mode, under one savepoint.

The sections' queries are sent one after another without waiting for answers, between one
SAVEPOINT and its RELEASE, and the server answers them all after one Sync. A query that fails
makes the server skip everything after it up to that Sync: the sections answered before it
keep their rows (they only read), the transaction is rolled back to the savepoint, the failed
section's error recorded as ``SessionReader.section`` does (a lock timeout gets one retry), and
the sections after it are sent again under a new savepoint. So a snapshot whose sections all
succeed pays one round trip and two statements for them instead of three statements per
section; a failing section costs one more round trip. psycopg never prepares them (a statement
skipped after an error would leave its preparation half done); on a session the pool keeps,
pgsage prepares them itself (kept.py: an explicit PREPARE, recorded once the server answered
it; a prepared statement outlives a rollback).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import psycopg
from psycopg.rows import TupleRow

from pgsage.db import kept
from pgsage.db.connect import one_line
from pgsage.db.snapshot.sections import SessionReader

_SAVEPOINT = b"SAVEPOINT pgsage_section"
_RELEASE = b"RELEASE SAVEPOINT pgsage_section"
_ROLLBACK = b"ROLLBACK TO SAVEPOINT pgsage_section"

# A section's rows as the server sent them: the column names and the tuples.
Raw = tuple[list[str], list[tuple[Any, ...]]]


def read_pipelined(
    reader: SessionReader, queries: Sequence[tuple[str, bytes]], prelude: Sequence[bytes] = ()
) -> dict[str, Raw]:
    """Each named query's rows (the ones that failed are left out and their errors are in
    ``reader.errors``), read in the snapshot's transaction on the reader's session.

    ``prelude``: statements sent first in the same round trip, outside any savepoint (the
    transaction's own settings); when one of them fails, that error is raised."""
    conn = reader.conn
    found: dict[str, Raw] = {}
    pending = list(queries)
    retried: set[str] = set()
    while pending:
        failure, answered = _send(conn, prelude, pending, found)
        prelude = ()
        if failure is None:
            break
        if not conn.broken and not conn.closed and _roll_back(conn):
            if answered == len(pending):  # a RELEASE failed, after every query answered
                break
            name = pending[answered][0]
            if isinstance(failure, psycopg.errors.LockNotAvailable) and name not in retried:
                retried.add(name)  # a lock taken after the SQL looked: once more
                pending = pending[answered:]
            elif isinstance(failure, psycopg.errors.InvalidSqlStatementName) and (
                name not in retried
            ):
                retried.add(name)  # pgsage's kept statements were dropped: prepared again
                try:
                    kept.resync(conn)
                except psycopg.Error:  # the transaction is lost: what is left fails below
                    reader.errors[name] = one_line(str(failure))
                    pending = pending[answered + 1 :]
                    continue
                pending = pending[answered:]
            else:
                reader.errors[name] = one_line(str(failure))
                pending = pending[answered + 1 :]
            continue
        # The session is lost or its transaction cannot be recovered: what is left fails
        # (the snapshot's end reports a lost connection).
        for name, _ in pending[answered:]:
            reader.errors[name] = one_line(str(failure))
        break
    return found


def _send(
    conn: psycopg.Connection[TupleRow],
    prelude: Sequence[bytes],
    pending: list[tuple[str, bytes]],
    found: dict[str, Raw],
) -> tuple[psycopg.Error | None, int]:
    """One pipeline of the prelude and ``pending``'s sections: the answered ones added to
    ``found`` in order; the error that stopped the pipeline (None when none did) and how many
    sections were answered. Raises the error when it stopped the prelude."""
    cursors: list[psycopg.Cursor[TupleRow]] = []
    first: list[psycopg.Cursor[TupleRow]] = []
    preparing: list[tuple[bytes, psycopg.Cursor[TupleRow]]] = []
    failure: psycopg.Error | None = None
    try:
        with conn.pipeline():
            # An answer read while sending may already be an error: sending stops there, and
            # the block ends normally (psycopg logs a warning when it ends on an exception).
            try:
                for statement in prelude:
                    first.append(conn.execute(statement, prepare=False))
                conn.execute(_SAVEPOINT, prepare=False)
                for _name, query in pending:
                    prepare, statement = kept.forms(conn, query)
                    if prepare is not None:
                        preparing.append((prepare, conn.cursor()))
                        preparing[-1][1].execute(prepare, prepare=False)
                    cursor = conn.cursor()
                    cursors.append(cursor)
                    cursor.execute(statement, prepare=False)
                conn.execute(_RELEASE, prepare=False)
            except psycopg.Error as exc:
                failure = exc
    except psycopg.Error as exc:  # the first error; everything after it was skipped
        failure = failure or exc
    for prepare, cursor in preparing:
        if (
            cursor.pgresult is not None
            and cursor.pgresult.status == psycopg.pq.ExecStatus.COMMAND_OK
        ):
            kept.prepared(conn, prepare)
    if failure is not None and (
        len(first) < len(prelude) or any(c.pgresult is None for c in first)
    ):
        raise failure
    answered = 0
    for (name, _), cursor in zip(pending, cursors, strict=False):
        if cursor.pgresult is None:  # failed, or skipped after a failure
            break
        found[name] = ([column.name for column in cursor.description or ()], cursor.fetchall())
        answered += 1
    return failure, answered


def _roll_back(conn: psycopg.Connection[TupleRow]) -> bool:
    """The transaction back to before the pipeline (False when that failed too)."""
    try:
        conn.execute(_ROLLBACK, prepare=False)
        conn.execute(_RELEASE, prepare=False)
    except psycopg.Error:
        return False
    return True


def with_begin(conn: psycopg.Connection[TupleRow], query: bytes) -> tuple[Any, ...] | None:
    """The first row of ``query``, the first statement of a transaction: sent with its BEGIN
    in one round trip (psycopg waits for the BEGIN's answer otherwise)."""
    failure: psycopg.Error | None = None
    cursor = None
    try:
        with conn.pipeline():
            try:
                cursor = conn.execute(query, prepare=False)
            except psycopg.Error as exc:  # answered already (see _send)
                failure = exc
    except psycopg.Error as exc:
        failure = failure or exc
    if failure is not None:
        raise failure
    assert cursor is not None
    return cursor.fetchone()
