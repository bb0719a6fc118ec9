"""``--apply``: build the recommended indexes for real, concurrently, only when asked.

Each index is built in its own autocommit session with a lock_timeout, so a build never waits
long behind (and then blocks) the application's traffic. A build that loses the lock race is
retried; one that fails leaves an INVALID index behind (CREATE INDEX CONCURRENTLY cannot roll
back), which is dropped concurrently before the next attempt and at the end.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from dataclasses import replace

import psycopg
from psycopg.rows import TupleRow

from pgsage.advise.model import Recommendation, RelName
from pgsage.db.connect import SessionOptions, connect, one_line
from pgsage.fixes.index import DropIndex

APPLY_SESSION = SessionOptions(
    statement_timeout_ms=0,
    lock_timeout_ms=5_000,
    application_name="pgsage advise --apply",
    read_only=False,
)
RETRIES = 3
RETRY_PAUSE_S = 2.0


def apply(
    dsn: str,
    recommendations: tuple[Recommendation, ...],
    *,
    retries: int = RETRIES,
    pause_s: float = RETRY_PAUSE_S,
    lock_timeout_ms: int = APPLY_SESSION.lock_timeout_ms,
    progress: Callable[[str], None] = lambda _: None,
) -> tuple[str, ...]:
    """Create each index; one line per index says what happened."""
    results = []
    with connect(dsn, replace(APPLY_SESSION, lock_timeout_ms=lock_timeout_ms)) as conn:
        for rec in recommendations:
            results.append(_apply_one(conn, rec, retries, pause_s))
            progress(results[-1])
    return tuple(results)


def _apply_one(
    conn: psycopg.Connection[TupleRow], rec: Recommendation, retries: int, pause_s: float
) -> str:
    table = rec.candidate.table
    create = rec.fix
    steps: list[tuple[str, RelName, str]] = []  # (statement, table, index it builds)
    reused: list[tuple[str, RelName, str]] = []
    if rec.partitions:
        # ON ONLY the parent: instant, and invalid until every partition's index is attached.
        try:
            conn.execute(create.statement(only=True).encode())
        except psycopg.Error as exc:
            return f"{table.schema}.{rec.name}: failed: {one_line(str(exc))}"
        # The builds first, the reused indexes (equivalents the partitions had) attached last:
        # dropping the parent after a failed build must not take a reused index along.
        plan = create.partition_steps()
        for step in plan:
            owner = RelName(step.schema, step.partition)
            if step.create is not None:
                steps.append((step.create.statement(), owner, step.index))
                steps.append((step.attach, owner, step.index))  # idempotent
        reused = [(s.attach, RelName(s.schema, s.partition), s.index) for s in plan if not s.create]
        steps += reused
    else:
        steps.append((create.statement(), table, rec.name))
    retried: list[str] = []
    for statement, owner, name in steps:
        errors = _with_retries(conn, statement, owner.schema, name, retries, pause_s)
        if len(errors) == retries:
            if rec.partitions and not any(statement == r[0] for r in reused):
                # The parent's ON ONLY index stays invalid without every partition's: drop it
                # (and the partitions' indexes attached so far). Not CONCURRENTLY: a
                # partitioned index cannot be; it has no storage and the lock_timeout holds.
                _drop_parent(conn, table.schema, rec.name)
            return f"{table.schema}.{rec.name}: failed: {errors[-1]}"
        retried += errors
    if retried:
        return (
            f"{table.schema}.{rec.name}: created after {len(retried)} failed attempt(s) "
            f"({retried[-1]})"
        )
    return f"{table.schema}.{rec.name}: created"


def _with_retries(
    conn: psycopg.Connection[TupleRow],
    statement: str,
    schema: str,
    name: str,
    retries: int,
    pause_s: float,
) -> list[str]:
    """The errors of the failed attempts: fewer than ``retries`` means it succeeded."""
    errors: list[str] = []
    for attempt in range(1, retries + 1):
        try:
            conn.execute(statement.encode())
            if not _is_invalid(conn, schema, name):
                return errors
            errors.append("the build left an invalid index")
        except psycopg.Error as exc:
            errors.append(one_line(str(exc)))
        drop_invalid(conn, schema, name)
        if attempt < retries:
            time.sleep(pause_s)
    return errors


def _drop_parent(conn: psycopg.Connection[TupleRow], schema: str, name: str) -> None:
    if not _is_invalid(conn, schema, name, kind="I"):
        return
    # on failure the caller's line reports the build's error; a next run resumes (IF NOT EXISTS)
    with contextlib.suppress(psycopg.Error):
        conn.execute(DropIndex(schema, name, concurrently=False).statement().encode())


def _is_invalid(
    conn: psycopg.Connection[TupleRow], schema: str, name: str, kind: str = "i"
) -> bool:
    row = conn.execute(
        "SELECT NOT i.indisvalid FROM pg_catalog.pg_index i "
        "JOIN pg_catalog.pg_class c ON c.oid = i.indexrelid "
        "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = %s AND c.relname = %s "
        "AND c.relkind = %s",
        (schema, name, kind),
    ).fetchone()
    return bool(row and row[0])


def drop_invalid(conn: psycopg.Connection[TupleRow], schema: str, name: str) -> bool:
    """Drop ``schema.name`` if it is an invalid index (what a failed concurrent build leaves)."""
    if not _is_invalid(conn, schema, name):
        return False
    try:
        conn.execute(DropIndex(schema, name).statement().encode())
    except psycopg.Error:
        return False
    return True
