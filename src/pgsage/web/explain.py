"""A query's plan for the query page: ``EXPLAIN`` (viewers) or ``EXPLAIN ANALYZE`` (admins),
in a read-only transaction that is rolled back, under the target's statement and lock
timeouts. pg_stat_statements texts carry ``$n`` placeholders: PostgreSQL 16+ plans them with
``EXPLAIN (GENERIC_PLAN)``; otherwise (and always for ANALYZE, which must execute) the
statement is PREPAREd and executed with a neutral value of each parameter's type, as the
advisor does (pgsage.advise.whatif)."""

from __future__ import annotations

import re
from dataclasses import dataclass

import psycopg
from psycopg import sql
from psycopg.rows import TupleRow

from pgsage.advise.analysis import parameter_numbers
from pgsage.advise.whatif import neutral_value
from pgsage.db.connect import SessionOptions, connect, one_line, scrub_secrets
from pgsage.errors import PgsageError

PREPARED = "pgsage_web_plan"
EXPLAINABLE = re.compile(
    r"^\s*(?:/\*.*?\*/\s*|--[^\n]*\n\s*)*(select|insert|update|delete|merge|values|with|table)\b",
    re.I | re.S,
)
NOT_EXPLAINABLE = "only SELECT, INSERT, UPDATE, DELETE, MERGE and VALUES statements have a plan"


def explainable(query: str) -> bool:
    return EXPLAINABLE.match(query) is not None


@dataclass(frozen=True)
class Plan:
    analyze: bool
    method: str  # "plain", "generic plan", "sample values"
    text: str | None
    error: str | None = None
    values: tuple[str, ...] = ()


def _options(statement_timeout_ms: int, lock_timeout_ms: int) -> SessionOptions:
    return SessionOptions(
        statement_timeout_ms=statement_timeout_ms,
        lock_timeout_ms=lock_timeout_ms,
        application_name="pgsage-web-explain",
        read_only=True,
    )


def _explain(analyze: bool) -> sql.SQL:
    return sql.SQL("EXPLAIN (ANALYZE, BUFFERS)" if analyze else "EXPLAIN")


def _lines(conn: psycopg.Connection[TupleRow], statement: sql.Composed) -> str:
    return "\n".join(str(row[0]) for row in conn.execute(statement).fetchall())


def _with_values(
    conn: psycopg.Connection[TupleRow], query: str, analyze: bool
) -> tuple[str, tuple[str, ...]]:
    conn.execute(sql.SQL("PREPARE {} AS {}").format(sql.Identifier(PREPARED), sql.SQL(query)))
    row = conn.execute(
        "SELECT parameter_types::text[] FROM pg_catalog.pg_prepared_statements WHERE name = %s",
        (PREPARED,),
    ).fetchone()
    values = tuple(neutral_value(t) for t in (row[0] if row and row[0] else []))
    statement = sql.SQL("{} EXECUTE {}({})").format(
        _explain(analyze),
        sql.Identifier(PREPARED),
        sql.SQL(", ").join(sql.Literal(v) for v in values),
    )
    return _lines(conn, statement), values


def _plan_in(conn: psycopg.Connection[TupleRow], query: str, analyze: bool) -> Plan:
    if not (parameter_numbers(query) or re.search(r"\$\d", query)):
        return Plan(
            analyze,
            "plain",
            _lines(conn, sql.SQL("{} {}").format(_explain(analyze), sql.SQL(query))),
        )
    major = int(conn.info.server_version) // 10000
    if major >= 16 and not analyze:
        text = _lines(conn, sql.SQL("EXPLAIN (GENERIC_PLAN) {}").format(sql.SQL(query)))
        return Plan(analyze, "generic plan", text)
    text, values = _with_values(conn, query, analyze)
    return Plan(analyze, "sample values", text, values=values)


def plan(dsn: str, query: str, *, analyze: bool, timeouts: tuple[int, int]) -> Plan:
    """The plan of ``query`` (one statement): read-only, rolled back, under ``timeouts``
    (statement, lock; milliseconds). Errors come back in the Plan, one line, no secret."""
    query = query.strip().rstrip(";")
    if not explainable(query):
        return Plan(analyze, "error", None, NOT_EXPLAINABLE)
    try:
        with connect(dsn, _options(*timeouts)) as conn:
            conn.prepare_threshold = None
            conn.autocommit = False
            try:
                conn.execute("SET TRANSACTION READ ONLY")
                return _plan_in(conn, query, analyze)
            finally:
                conn.rollback()
    except (psycopg.Error, PgsageError) as exc:
        return Plan(analyze, "error", None, scrub_secrets(one_line(str(exc))))
