"""``--verify``: measure the recommended indexes instead of trusting the planner's costs.

On the database named with ``--verify-dsn`` (a copy of production: same schema, similar data)
or, on the embedded server, on the advised database itself — a local development database —
each statement runs under EXPLAIN ANALYZE before and after the indexes are built, all inside
one transaction that is rolled back: the indexes, and whatever the statements wrote, vanish.
Each measurement is the best of two runs, so a cold cache does not flatter the second one.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import psycopg
from psycopg.rows import TupleRow

from pgsage.advise.analysis import analyze_query
from pgsage.advise.catalog import Catalog
from pgsage.advise.ddl import build_in_transaction
from pgsage.advise.model import Measured, QueryShape, Recommendation, WorkloadQuery
from pgsage.advise.whatif import PlannedQuery, WhatIf
from pgsage.db.connect import SessionOptions, connect, one_line, translate

VERIFY_SESSION = SessionOptions(
    statement_timeout_ms=120_000,
    lock_timeout_ms=5_000,
    application_name="pgsage advise --verify",
    read_only=False,
)
RUNS = 2


def verify(
    dsn: str,
    recommendations: tuple[Recommendation, ...],
    queries: list[WorkloadQuery],
    progress: Callable[[str], None] = lambda _: None,
) -> tuple[Measured, ...]:
    with connect(dsn, VERIFY_SESSION) as conn:
        conn.prepare_threshold = None
        conn.autocommit = False
        try:
            return _verify(conn, recommendations, queries, progress)
        except psycopg.Error as exc:
            raise translate(exc) from None
        finally:
            conn.rollback()
            conn.autocommit = True
            conn.execute("DEALLOCATE ALL")


def _verify(
    conn: psycopg.Connection[TupleRow],
    recommendations: tuple[Recommendation, ...],
    queries: list[WorkloadQuery],
    progress: Callable[[str], None],
) -> tuple[Measured, ...]:
    catalog = Catalog(conn)
    shaped: list[tuple[WorkloadQuery, QueryShape]] = []
    for query in queries:
        shape = analyze_query(query.text, catalog)
        if shape is not None and shape.accesses:
            shaped.append((query, shape))
    whatif = WhatIf(
        conn, catalog, major=int(conn.info.server_version) // 10000, hypopg=False, real_allowed=True
    )
    planned = whatif.plan_queries(shaped, analyze=True)
    before = {q.index: _measure(whatif, q) for q in planned}
    progress(f"measured {len(planned)} statements; building {len(recommendations)} index(es)")
    problems: list[tuple[str, str]] = []  # (what, why)
    for rec in recommendations:
        try:
            with conn.transaction():
                conn.execute(build_in_transaction(rec.candidate, rec.name).encode())
        except psycopg.errors.DuplicateTable:
            # The database named by --verify-dsn may have the index already (applied earlier):
            # its "before" times include it, so they are not the advised database's.
            problems.append(
                (
                    f"CREATE INDEX {rec.name}",
                    "already present on this database (its before times include it)",
                )
            )
        except psycopg.Error as exc:
            problems.append((f"CREATE INDEX {rec.name}: {one_line(str(exc))}", "build failed"))
    conn.execute("ANALYZE")  # expression indexes bring statistics of their own
    after = {q.index: _measure(whatif, q) for q in planned}
    found = [Measured(what, None, None, why) for what, why in problems]
    for q in planned:
        b, a = before[q.index], after[q.index]
        error = next((x for x in (b, a) if isinstance(x, str)), None)
        found.append(
            Measured(
                q.query.text,
                b if isinstance(b, float) else None,
                a if isinstance(a, float) else None,
                error,
            )
        )
    return tuple(found)


def _measure(whatif: WhatIf, query: PlannedQuery) -> float | str:
    if query.explain is None:
        return query.skipped or "could not be planned"
    best: float | None = None
    for _ in range(RUNS):
        try:
            with whatif.conn.transaction():
                row = whatif.conn.execute(query.explain).fetchone()
                raise _Undo(row[0] if row else None)
        except _Undo as done:
            elapsed = _execution_time(done.plan)
        except psycopg.Error as exc:
            return one_line(str(exc))
        if elapsed is not None:
            best = elapsed if best is None else min(best, elapsed)
    return best if best is not None else "no execution time"


def _execution_time(plan: Any) -> float | None:
    document = plan if isinstance(plan, list) else json.loads(plan) if plan else None
    if not document:
        return None
    value = document[0].get("Execution Time")
    return float(value) if value is not None else None


class _Undo(Exception):
    """Leave the savepoint by rolling back: what the statement wrote must not stay."""

    def __init__(self, plan: Any) -> None:
        super().__init__("undo")
        self.plan = plan
