"""Size estimates within 30 % of the real built size, on the demo database: unique and
duplicate-heavy keys (btree deduplication), composites, a partial, an expression, INCLUDE."""

from __future__ import annotations

import psycopg
from psycopg import sql
from psycopg.rows import TupleRow

from pgharness import TestDatabase
from pgsage.advise.catalog import Catalog
from pgsage.advise.ddl import build_in_transaction
from pgsage.advise.model import Candidate, Key, RelName
from pgsage.advise.sizing import estimate_size
from pgsage.advise.whatif import WhatIf
from pgsage.demo import build_demo

SCALE = 0.05
TOLERANCE = 0.30


def _c(
    table: str, *keys: Key, where: str | None = None, include: tuple[str, ...] = ()
) -> Candidate:
    return Candidate(table=RelName("public", table), keys=keys, where=where, include=include)


EXPRESSION = Key(expression="lower((email)::text)", columns=("email",))
CANDIDATES = [
    _c("site_visits", Key.of("session_id")),
    _c("site_visits", Key.of("visited_at")),
    _c("site_visits", Key.of("country"), Key.of("device")),
    _c("site_visits", Key.of("is_admin")),
    _c("site_visits", Key.of("visit_date"), where="is_admin = false"),
    _c("site_visits", Key.of("page_path"), include=("visited_at",)),
    _c("bot_logs", Key.of("telegram_user_id"), Key.of("created_at")),
    _c("bot_logs", Key.of("event_type")),
    _c("dialog_messages", Key.of("dialog_id")),
    _c("users", EXPRESSION),
    _c("ai_requests", Key.of("application_id")),
]


def _size_error(
    conn: psycopg.Connection[TupleRow], candidate: Candidate, name: str, estimate: int
) -> tuple[float, int]:
    """Build the candidate for real (the caller rolls back) and compare its size."""
    conn.execute(build_in_transaction(candidate, name).encode())
    real = conn.execute(sql.SQL("SELECT pg_relation_size({})").format(sql.Literal(name))).fetchone()
    assert real is not None
    return abs(estimate - int(real[0])) / int(real[0]), int(real[0])


def test_btree_size_estimates(db: TestDatabase) -> None:
    build_demo(db.dsn, scale=SCALE)
    failures = []
    with psycopg.connect(db.dsn) as conn:
        catalog = Catalog(conn)
        whatif = WhatIf(conn, catalog, major=db.major, hypopg=False, real_allowed=True)
        for number, candidate in enumerate(CANDIDATES):
            rel = catalog.get(candidate.table)
            assert rel is not None
            rows = (
                whatif.estimate_rows(candidate.table, candidate.where) if candidate.where else None
            )
            estimate = estimate_size(candidate, rel, rows, db.major)
            error, real = _size_error(conn, candidate, f"size_probe_{number}", estimate)
            if error > TOLERANCE:
                failures.append(
                    f"{candidate.table} {candidate.columns} where={candidate.where}"
                    f" include={candidate.include}: estimated {estimate:,}, "
                    f"real {real:,} ({error:.0%})"
                )
        conn.rollback()
    assert not failures, "\n".join(failures)


# GIN sizes come from a sample of the column (keys per row, each key's share of rows). On the
# demo at full scale they are within 30 %; at this test's small scale (hundreds of rows, a few
# pages an index) they run up to 40 % low, so the bound here is wider — what it guards against
# is the width-based guess they replace, which was off by 2x to 10x.
GIN_TOLERANCE = 0.5
GIN_CANDIDATES = [
    Candidate(
        table=RelName("public", "news"),
        keys=(Key.of("title"),),
        method="gin",
        opclass="gin_trgm_ops",
    ),
    Candidate(
        table=RelName("public", "news"),
        keys=(Key.of("content"),),
        method="gin",
        opclass="gin_trgm_ops",
    ),
    Candidate(
        table=RelName("public", "applications"),
        keys=(Key.of("interview_data"),),
        method="gin",
        opclass="jsonb_path_ops",
    ),
    Candidate(
        table=RelName("public", "applications"), keys=(Key.of("interview_data"),), method="gin"
    ),
]


def test_gin_size_estimates_from_a_sample(db: TestDatabase) -> None:
    db.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    build_demo(db.dsn, scale=SCALE)
    failures = []
    with psycopg.connect(db.dsn) as conn:
        catalog = Catalog(conn)
        whatif = WhatIf(conn, catalog, major=db.major, hypopg=False, real_allowed=True)
        for number, candidate in enumerate(GIN_CANDIDATES):
            rel = catalog.get(candidate.table)
            assert rel is not None
            sample = whatif.gin_sample(candidate, rel.rows)
            assert sample is not None and sample.keys_per_row > 0, candidate
            estimate = estimate_size(candidate, rel, None, db.major, sample)
            error, real = _size_error(conn, candidate, f"gin_probe_{number}", estimate)
            if error > GIN_TOLERANCE:
                failures.append(
                    f"{candidate.table} {candidate.opclass}: estimated "
                    f"{estimate:,}, real {real:,} ({error:.0%})"
                )
        conn.rollback()
    assert not failures, "\n".join(failures)
