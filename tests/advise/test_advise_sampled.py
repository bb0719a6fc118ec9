"""Index kinds HypoPG cannot simulate (GIN here) are costed by default on a sampled copy made on
another server, and nothing is written to the audited database (issue 13, item 1).

The audited database is on the PostgreSQL 15 + HypoPG server; the sampled copy is made on the
PostgreSQL 18 test server (``scratch_dsn``), standing in for the embedded server.
"""

from __future__ import annotations

import json
from pathlib import Path

import psycopg

from pgharness import TestServer
from pgsage.advise.render import render_json, render_text
from pgsage.commands.advise import AdviseOptions, advise

# A document store: the jsonb containment filter is by far the heaviest part of the workload;
# the other statements give btree candidates of their own (the "three btree indexes").
SCHEMA = """
CREATE EXTENSION IF NOT EXISTS hypopg;
CREATE TABLE docs (id int PRIMARY KEY, account_id int NOT NULL, kind text NOT NULL,
    created_at timestamptz NOT NULL, payload jsonb NOT NULL);
INSERT INTO docs
SELECT g, g % 3000, (ARRAY['invoice', 'receipt', 'order', 'note'])[1 + g % 4],
       timestamptz '2025-01-01' + g * interval '1 minute',
       jsonb_build_object('customer', 'c' || (g * 7919) % 20000, 'status',
           CASE WHEN g % 50 = 0 THEN 'failed' ELSE 'ok' END, 'n', g)
FROM generate_series(1, 100000) g;
"""
WORKLOAD = [
    'SELECT id, kind FROM docs WHERE payload @> \'{"customer": "c4242"}\'',
    'SELECT id, kind FROM docs WHERE payload @> \'{"customer": "c17"}\'',
    "SELECT count(*) FROM docs WHERE account_id = 17",
    "SELECT id FROM docs WHERE kind = 'note' AND created_at >= '2025-02-01' "
    "AND created_at < '2025-02-02'",
]
WRITES = (
    "SELECT tup_inserted, tup_updated, tup_deleted FROM pg_stat_database "
    "WHERE datname = current_database()"
)


def _counters(dsn: str) -> tuple[tuple[int, ...], int]:
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("SELECT pg_stat_clear_snapshot()")
        row = conn.execute(WRITES).fetchone()
        relations = conn.execute("SELECT count(*) FROM pg_class").fetchone()
    assert row is not None and relations is not None
    return tuple(int(v) for v in row), int(relations[0])


def test_gin_costed_on_a_sampled_copy_without_writing(
    pg15: TestServer, pg18: TestServer, tmp_path: Path
) -> None:
    db = pg15.create_database()
    try:
        db.execute(SCHEMA)
        db.execute("VACUUM ANALYZE docs")
        path = tmp_path / "workload.sql"
        path.write_text(";\n".join(WORKLOAD) + ";\n")
        before = _counters(db.dsn)
        advice = advise(db.dsn, AdviseOptions(queries_file=path, scratch_dsn=pg18.admin_dsn()))
        after = _counters(db.dsn)
    finally:
        pg15.drop_database(db.name)
    assert after == before, "the audited database was written to"
    gin = [r for r in advice.recommendations if r.candidate.method == "gin"]
    assert [r.candidate.columns for r in gin] == [("payload",)], advice.uncosted
    rec = gin[0]
    assert rec.costing.method == "sampled copy"
    assert rec.costing.sample_rows is not None and 9_000 <= rec.costing.sample_rows <= 10_000
    assert rec.costing.error is not None and 0 < rec.costing.error < 1
    assert len(rec.queries) == 2  # both containment statements, planned as bitmap scans
    assert all(rec.name in " ".join(q.plan_after) for q in rec.queries)
    assert not advice.uncosted
    # The sample's size scaled to the table: 100,000 rows of GIN entries, a few MB at most.
    assert 200_000 < rec.size_bytes < 20_000_000
    data = json.loads(render_json(advice))
    costing = next(r["costing"] for r in data["recommendations"] if r["method"] == "gin")
    assert costing["method"] == "sampled copy"
    assert costing["sample_rows"] == rec.costing.sample_rows
    assert costing["error"] == rec.costing.error
    assert "sample copy" in render_text(advice)
    assert any("sample copy" in str(f["evidence"]["costing"]) for f in data["findings"])
    # No scratch database left behind on the copy's server.
    with psycopg.connect(pg18.admin_dsn(), autocommit=True) as conn:
        left = conn.execute(
            "SELECT datname FROM pg_database WHERE datname LIKE 'pgsage_scratch%'"
        ).fetchall()
    assert left == []


def test_without_a_scratch_server_the_candidate_is_listed_uncosted(
    pg15: TestServer, tmp_path: Path
) -> None:
    db = pg15.create_database()
    try:
        db.execute(SCHEMA)
        db.execute("VACUUM ANALYZE docs")
        path = tmp_path / "workload.sql"
        path.write_text(WORKLOAD[0] + ";\n")
        advice = advise(
            db.dsn,
            AdviseOptions(queries_file=path, scratch_dsn="postgresql://nobody@127.0.0.1:1/none"),
        )
    finally:
        pg15.drop_database(db.name)
    assert advice.recommendations == ()
    [(candidate, why)] = advice.uncosted
    assert candidate.method == "gin"
    assert "sampled copy failed" in why
