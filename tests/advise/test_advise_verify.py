"""`--verify` on real servers: both sides under the same statistics, nothing left behind (the
pg_class rows a CREATE INDEX overwrites even when rolled back), the same "before" on a second
run, and the real plans compared with the hypothetical ones (issue 13 item 5, issue 19 item 5).
"""

from __future__ import annotations

import json
from pathlib import Path

import psycopg
from advise_support import load, run

from pgharness import TestDatabase
from pgsage.advise.model import (
    Advice,
    Candidate,
    DropProposal,
    HelpedQuery,
    Key,
    QueryResult,
    Recommendation,
    RelName,
    WorkloadQuery,
)
from pgsage.advise.render import render_json, render_text
from pgsage.advise.report import advice_report
from pgsage.advise.verify import VerifyJob, confirm, relation_stats, verify
from pgsage.reports import markdown

WORKLOAD = [
    "SELECT id, name FROM users WHERE email = 'user42@example.com'",
    "SELECT id FROM orders WHERE user_id = 5",
]


def stale_orders(db: TestDatabase) -> None:
    """Rows added after the last ANALYZE (a CREATE INDEX would overwrite reltuples), with
    autovacuum off on the table so that it does not analyze it during the test."""
    db.execute("ALTER TABLE orders SET (autovacuum_enabled = off)")
    db.execute(
        "INSERT INTO orders SELECT g, 1, 1, now(), NULL FROM generate_series(200001, 230000) g"
    )


def scratch_databases(db: TestDatabase) -> list[str]:
    rows = db.execute("SELECT datname FROM pg_database WHERE datname LIKE 'pgsage_verify_%'")
    return [str(r[0]) for r in rows]


def test_verify_on_a_fresh_copy_leaves_the_database_as_it_was(
    db: TestDatabase, tmp_path: Path
) -> None:
    """Measured on a CREATE DATABASE … TEMPLATE copy that is dropped: the source's pg_class
    statistics are unchanged (even for a table whose reltuples are stale, which a CREATE INDEX
    would overwrite), and a second run starts from the same "before" plans."""
    load(db)
    stale_orders(db)
    advice = run(db, tmp_path, WORKLOAD)
    assert {r.candidate.columns for r in advice.recommendations} == {("email",), ("user_id",)}
    before = relation_stats(db.dsn)
    first = verify(db.dsn, VerifyJob.of(advice))
    assert "fresh copy" in first.place and first.notes == ()
    assert relation_stats(db.dsn) == before
    second = verify(db.dsn, VerifyJob.of(advice))
    assert relation_stats(db.dsn) == before
    assert [m.plan_before for m in first.measured] == [m.plan_before for m in second.measured]
    assert all(m.error is None for m in first.measured)
    for measured in first.measured:
        assert any(node.startswith("Seq Scan") for node in measured.plan_before)
        assert measured.used == measured.expected != ()  # the real plan used what was credited
        assert measured.diverged == ()
    assert scratch_databases(db) == []


def test_verify_in_place_puts_the_statistics_back_or_says_what_changed(
    db: TestDatabase, tmp_path: Path
) -> None:
    """No copy can be made while another session is on the database: measured in place, the
    pg_class rows the builds overwrote are restored on 18 (pg_restore_relation_stats) and
    named, with ANALYZE as the remedy, on older servers."""
    load(db)
    stale_orders(db)
    advice = run(db, tmp_path, WORKLOAD)
    before = relation_stats(db.dsn)
    with psycopg.connect(db.dsn):  # another session: CREATE DATABASE … TEMPLATE must fail
        result = verify(db.dsn, VerifyJob.of(advice))
    assert "the database itself" in result.place and "other users" in result.place
    assert all(m.error is None and m.after_ms is not None for m in result.measured)
    after = relation_stats(db.dsn)
    changed = sorted(key for key in before if after.get(key) != before[key])
    if db.major >= 18:
        assert changed == [] and result.notes == ()
    else:
        assert ("public", "orders") in changed  # stale reltuples, overwritten by CREATE INDEX
        assert len(result.notes) == len(changed)
        assert any("public.orders" in n and "ANALYZE public.orders" in n for n in result.notes)


def test_verify_says_when_the_real_plan_does_not_use_a_credited_index(
    db: TestDatabase,
) -> None:
    """A recommendation the hypothetical plan was credited with but the real plan ignores (a
    filter no btree serves: <>): said per statement in every format, and taken out
    of the recommendations."""
    load(db)
    query = "SELECT * FROM users WHERE country <> 'DE'"
    candidate = Candidate(RelName("public", "users"), (Key.of("country"),))
    helped = HelpedQuery(query, 1000.0, 10.0, ("Seq Scan on users",), ("Index Scan",))
    rec = Recommendation(candidate, "users_country_idx", 8192, queries=(helped,))
    made_redundant = DropProposal(
        "public", "users_country_old", "public.users", "…", "…", by="users_country_idx"
    )
    advice = Advice(
        recommendations=(rec,),
        queries=(QueryResult(WorkloadQuery(query), 1000.0, 10.0),),
        drops=(made_redundant,),
    )
    verification = verify(db.dsn, VerifyJob.of(advice))
    [measured] = verification.measured
    assert measured.expected == ("users_country_idx",) and measured.used == ()
    assert measured.diverged == ("users_country_idx",)
    confirmed = confirm(advice, verification)
    assert confirmed.recommendations == () and confirmed.drops == ()  # nor its drop
    assert [u.recommendation.name for u in confirmed.unconfirmed] == ["users_country_idx"]
    line = (
        "hypothetical plan used users_country_idx, real plan did not (real plan: Seq Scan on users"
    )
    assert line in render_text(confirmed)
    data = json.loads(render_json(confirmed))
    assert data["verified"][0]["diverged"] == ["users_country_idx"]
    assert data["unconfirmed"][0]["name"] == "users_country_idx"
    assert "Seq Scan on users" in data["unconfirmed"][0]["real_plans"][0]
    assert data["findings"] == []  # no fix offered for it
    rendered = markdown.render(advice_report(confirmed))
    assert line in rendered and "not recommended: public.users.users_country_idx" in rendered
