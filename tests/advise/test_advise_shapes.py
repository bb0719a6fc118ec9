"""Shapes the advisor used to miss or get wrong (issue 13 item 6, issue 19 items 2, 3, 7):
ORDER BY a position or an alias, mixed directions, equality + ORDER BY … LIMIT, a composite
and a single column at equal planner cost, partial indexes only on workload constants,
LIKE under a collation that is not C, trigram without pg_trgm, expression keys that are not
IMMUTABLE, an FK join recorded by pg_stat_statements beside a heavy report.

Reproductions of Pagila's cases (github.com/devrimgunduz/pagila, pagila-schema.sql: the
``rental`` and ``payment`` tables, ``film.title``) are written minimal here, with their columns
and types."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest
from advise_support import hypopg, load, run, shapes

from pgharness import TestDatabase
from pgsage.advise.model import Advice
from pgsage.commands.advise import AdviseOptions, advise

# pagila-schema.sql's rental, minimal: staff_id has two values there; 176 stands for a value
# the application passes as a parameter (a rare one, which made the advisor propose it).
RENTAL = """
CREATE TABLE rental (
    rental_id int PRIMARY KEY, rental_date timestamptz NOT NULL, inventory_id int NOT NULL,
    customer_id smallint NOT NULL, return_date timestamptz, staff_id smallint NOT NULL,
    last_update timestamptz NOT NULL DEFAULT now());
INSERT INTO rental
SELECT n, timestamptz '2022-01-01' + n * interval '13 minutes', 1 + n % 4500, 1 + n % 599,
       NULL, CASE WHEN n % 50 = 0 THEN 176 ELSE 1 + n % 2 END, now()
FROM generate_series(1, 60000) n;
CREATE TABLE payment (
    payment_id int PRIMARY KEY, customer_id smallint NOT NULL, staff_id smallint NOT NULL,
    rental_id int NOT NULL REFERENCES rental, amount numeric(5, 2) NOT NULL,
    payment_date timestamptz NOT NULL);
INSERT INTO payment SELECT n, 1 + n % 599, 1 + n % 2, n, (n % 10) + 0.99,
       timestamptz '2022-01-01' + n * interval '13 minutes' FROM generate_series(1, 60000) n;
ANALYZE rental, payment;
"""


def _real(db: TestDatabase) -> bool:
    return not hypopg(db)


def _explain(db: TestDatabase, ddl: str, statement: str) -> str:
    """The plan of ``statement`` with ``ddl`` built for real (rolled back)."""
    with psycopg.connect(db.dsn) as conn:
        conn.execute(ddl.replace(" CONCURRENTLY", "").encode())
        conn.execute("ANALYZE")
        rows = conn.execute(f"EXPLAIN (ANALYZE, TIMING OFF, COSTS OFF) {statement}".encode())
        plan = "\n".join(str(r[0]) for r in rows.fetchall())
        conn.rollback()
    return plan


def _ddl(advice: Advice, table: str) -> list[str]:
    return [r.fix.statement() for r in advice.recommendations if str(r.candidate.table) == table]


def test_order_by_position_alias_and_star(db: TestDatabase, tmp_path: Path) -> None:
    load(db)
    for statement in (
        "SELECT id, email, created_at FROM users ORDER BY 3 DESC LIMIT 10",
        "SELECT created_at AS joined FROM users ORDER BY joined LIMIT 10",
        # users' 7th column is created_at: the position counts the columns * stands for
        "SELECT * FROM users ORDER BY 7 DESC LIMIT 10",
    ):
        advice = run(db, tmp_path, [statement])
        assert ("public.users", ("created_at",), None) in shapes(advice), statement


def test_mixed_directions_get_a_key_per_direction(db: TestDatabase, tmp_path: Path) -> None:
    load(db)
    statement = "SELECT id FROM orders ORDER BY user_id DESC, placed_at LIMIT 10"
    advice = run(db, tmp_path, [statement])
    assert ("public.orders", ("user_id DESC", "placed_at"), None) in shapes(advice)
    (ddl,) = [d for d in _ddl(advice, "public.orders") if "DESC" in d]
    assert '("user_id" DESC, "placed_at")' in ddl
    plan = _explain(db, ddl, statement)
    assert "Index" in plan and "Sort" not in plan, plan
    # DESC NULLS LAST: a plain index read backwards gives NULLS FIRST, so the key says it.
    statement = "SELECT id FROM orders ORDER BY placed_at DESC NULLS LAST LIMIT 10"
    advice = run(db, tmp_path, [statement])
    assert ("public.orders", ("placed_at DESC NULLS LAST",), None) in shapes(advice)
    (ddl,) = _ddl(advice, "public.orders")
    assert '("placed_at" DESC NULLS LAST)' in ddl
    plan = _explain(db, ddl, statement)
    assert "Index" in plan and "Sort" not in plan, plan


def test_equality_then_sort_removes_filter_and_sort(db: TestDatabase, tmp_path: Path) -> None:
    """8,000 users per country: (country, created_at) reads the 5 newest of that country in
    order, where (country) reads 8,000 and sorts them, (created_at) filters the others."""
    load(db)
    statement = "SELECT id, email FROM users WHERE country = $1 ORDER BY created_at DESC LIMIT 5"
    advice = run(db, tmp_path, [statement])
    assert shapes(advice)[0][:2] == ("public.users", ("country", "created_at"))
    plan = _explain(db, _ddl(advice, "public.users")[0], statement.replace("$1", "'DE'"))
    assert "Sort" not in plan and "Filter" not in plan and "Index Cond" in plan, plan


def test_equal_planner_cost_prefers_the_index_that_reads_fewer_rows(
    db: TestDatabase, tmp_path: Path
) -> None:
    """(a) and (a, b) both plan at ~8 for a = $1 AND b = $2 (two rows per a): the composite
    reads one row where (a) reads two and filters one out; the advice says so."""
    db.execute(
        "CREATE TABLE pairs (id int, a int, b int, payload text);"
        "INSERT INTO pairs SELECT n, n / 2, n % 2, md5(n::text) FROM generate_series(1, 100000) n;"
        "ANALYZE pairs"
    )
    if hypopg(db):
        db.execute("CREATE EXTENSION hypopg")
    advice = run(db, tmp_path, ["SELECT * FROM pairs WHERE a = $1 AND b = $2"])
    assert shapes(advice) == [("public.pairs", ("a", "b"), None)]
    (note,) = [n for n in advice.notes if "preferred to" in n]
    assert note.startswith("public.pairs (a, b) preferred to public.pairs (a):")
    assert "reads ~1 row(s) per run where the other reads ~2" in note


def test_partial_index_only_on_workload_constants(db: TestDatabase, tmp_path: Path) -> None:
    """Issue 19.2 (Pagila, --queries): one sample value of staff_id is not a predicate."""
    db.execute(RENTAL)
    if hypopg(db):
        db.execute("CREATE EXTENSION hypopg")
    sample = (
        "SELECT rental_id FROM rental WHERE staff_id = 176 AND rental_date >= '2022-03-01' "
        "ORDER BY rental_date LIMIT 20"
    )
    one = run(db, tmp_path, [sample])
    assert all(where is None for _, _, where in shapes(one)), shapes(one)
    assert shapes(one)  # the advice is still given, keyed on the columns
    # The same literal in every statement of that shape: a constant of the workload.
    again = sample.replace("'2022-03-01'", "'2022-04-01'")
    both = run(db, tmp_path, [sample, again])
    assert any(where == "staff_id = 176" for _, _, where in shapes(both)), shapes(both)
    # Two values for the same shape: samples of a parameter, never a predicate.
    other = sample.replace("176", "2")
    varied = run(db, tmp_path, [sample, other])
    assert all(where is None for _, _, where in shapes(varied)), shapes(varied)
    # A log records every call: the same text in every call is a constant, varied texts not.
    real = _real(db)
    for texts, partial in (([sample, sample], True), ([sample, other, sample], False)):
        log = tmp_path / "postgresql.log"
        log.write_text(
            "".join(
                f"2026-12-07 06:00:0{i} UTC [42] app@db LOG:  duration: 3.5 ms  statement: {t}\n"
                for i, t in enumerate(texts)
            )
        )
        advice = advise(db.dsn, AdviseOptions(log_file=log, allow_real_indexes=real))
        found = any(where == "staff_id = 176" for _, _, where in shapes(advice))
        assert found is partial, (texts, shapes(advice))


def test_prefix_like_under_a_collation_that_is_not_c(db: TestDatabase, tmp_path: Path) -> None:
    """Issue 19.3: Pagila's film.title under an ICU collation: LIKE 'ABC%' needs
    text_pattern_ops (a plain btree cannot serve it); a C column keeps the plain btree."""
    with psycopg.connect(db.dsn) as conn:
        row = conn.execute(
            "SELECT 1 FROM pg_catalog.pg_collation WHERE collname = 'en-x-icu'"
        ).fetchone()
    if row is None:
        pytest.skip("this server has no ICU collation")
    db.execute(
        'CREATE TABLE film (film_id int PRIMARY KEY, title text COLLATE "en-x-icu" NOT NULL,'
        ' code text COLLATE "C" NOT NULL, description varchar(255) COLLATE "en-x-icu");'
        "INSERT INTO film SELECT n, upper(md5(n::text)), md5(n::text), 'A ' || md5(n::text)"
        " FROM generate_series(1, 50000) n; ANALYZE film"
    )
    if hypopg(db):
        db.execute("CREATE EXTENSION hypopg")
    statements = {
        "title": "SELECT film_id FROM film WHERE title LIKE 'ABC%'",
        "description": "SELECT film_id FROM film WHERE description LIKE 'A abc%'",
        "code": "SELECT film_id FROM film WHERE code LIKE 'abc%'",
    }
    opclass = {"title": "text_pattern_ops", "description": "varchar_pattern_ops", "code": None}
    for column, statement in statements.items():
        advice = run(db, tmp_path, [statement])
        (rec,) = advice.recommendations
        assert rec.candidate.columns == (column,)
        assert rec.candidate.opclass == opclass[column]
        plan = _explain(db, rec.fix.statement(), statement)
        assert f"using {rec.name}" in plan.lower() or f"on {rec.name}" in plan.lower(), plan


def test_trigram_without_pg_trgm_says_create_extension(db: TestDatabase, tmp_path: Path) -> None:
    db.execute(
        "CREATE TABLE film (film_id int PRIMARY KEY, title text NOT NULL);"
        "INSERT INTO film SELECT n, md5(n::text) FROM generate_series(1, 20000) n; ANALYZE film"
    )
    if hypopg(db):
        db.execute("CREATE EXTENSION hypopg")
    advice = run(db, tmp_path, ["SELECT film_id FROM film WHERE title ILIKE '%abc%'"])
    assert [(c.columns, c.opclass, reason) for c, reason in advice.uncosted] == [
        (
            ("title",),
            "gin_trgm_ops",
            "pg_trgm is not installed: CREATE EXTENSION pg_trgm; then create this index",
        )
    ]
    assert any("CREATE EXTENSION pg_trgm" in note for note in advice.notes)


def test_expression_keys_must_be_immutable(db: TestDatabase, tmp_path: Path) -> None:
    """Issue 19.7: date_trunc('day', timestamptz) is STABLE: never proposed, nor reported as
    a failure; on timestamp (without time zone) it is IMMUTABLE and proposed."""
    db.execute(
        "CREATE TABLE logs (id int, at timestamptz NOT NULL, local_at timestamp NOT NULL);"
        "INSERT INTO logs SELECT n, timestamptz '2024-01-01' + n * interval '1 minute',"
        " timestamp '2024-01-01' + n * interval '1 minute' FROM generate_series(1, 50000) n;"
        "ANALYZE logs"
    )
    if hypopg(db):
        db.execute("CREATE EXTENSION hypopg")
    stable = run(db, tmp_path, ["SELECT count(*) FROM logs WHERE date_trunc('day', at) = $1"])
    assert not stable.recommendations and not stable.uncosted
    immutable = run(
        db, tmp_path, ["SELECT count(*) FROM logs WHERE date_trunc('day', local_at) = $1"]
    )
    assert shapes(immutable) == [("public.logs", ("(date_trunc('day', local_at))",), None)]


@pytest.mark.extensions("pg_stat_statements")
def test_fk_join_recorded_beside_a_heavy_report(db: TestDatabase) -> None:
    """Issue 19.7: from pg_stat_statements, a report no index changes took most of the recorded
    time, and the minimum gain and the storage charge (shares of the whole workload) priced
    out the FK index that makes the join 20x cheaper; --queries (one call each) found it."""
    db.execute(RENTAL)
    if hypopg(db):
        db.execute("CREATE EXTENSION hypopg")
    report = (
        "SELECT r.staff_id, sum(p.amount), count(*) FROM payment p"
        " JOIN rental r ON r.rental_id = p.rental_id GROUP BY r.staff_id"
    )
    lookup = "SELECT p.amount, p.payment_date FROM payment p WHERE p.rental_id = %s"
    with psycopg.connect(db.dsn, autocommit=True) as conn:
        conn.execute(
            "SELECT pg_stat_statements_reset(0, d.oid, 0) FROM pg_catalog.pg_database d"
            " WHERE d.datname = pg_catalog.current_database()"
        )
        for n in range(30):
            conn.execute(report.encode())
            conn.execute(lookup.encode(), (1 + n * 97,))
    advice = advise(db.dsn, AdviseOptions(allow_real_indexes=_real(db)))
    assert any(
        str(r.candidate.table) == "public.payment" and r.candidate.columns[:1] == ("rental_id",)
        for r in advice.recommendations
    ), shapes(advice)
