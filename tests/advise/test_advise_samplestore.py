"""The sampled copies a long-lived process keeps between advise calls (advise/samplestore.py,
the speed box) give the advice a fresh copy per call gives (advise/sampled.py, the plain
path), are made again when their table changes, and are dropped when the store closes.

The audited database is on the PostgreSQL 15 + HypoPG server; the copies are made on the
PostgreSQL 18 test server, standing in for the embedded server.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import psycopg

from pgharness import TestDatabase, TestServer
from pgsage.advise.model import Advice
from pgsage.advise.render import to_json
from pgsage.advise.samplestore import SampleStore
from pgsage.commands.advise import AdviseOptions, advise

# 30,000 rows: more than the 10,000-row sample, so the sample is a real TABLESAMPLE.
SCHEMA = """
CREATE EXTENSION IF NOT EXISTS hypopg;
-- autovacuum off: the tests compare runs, and an autoanalyze between two of them would give
-- the second other statistics (and, for the store, a changed table)
CREATE TABLE docs (id int PRIMARY KEY, account_id int NOT NULL, kind text NOT NULL,
    payload jsonb NOT NULL) WITH (autovacuum_enabled = off);
INSERT INTO docs
SELECT g, g % 900, (ARRAY['invoice', 'receipt', 'order', 'note'])[1 + g % 4],
       jsonb_build_object('customer', 'c' || (g * 7919) % 6000, 'n', g)
FROM generate_series(1, 30000) g;
"""
WORKLOAD = [
    'SELECT id, kind FROM docs WHERE payload @> \'{"customer": "c4242"}\'',
    'SELECT id, kind FROM docs WHERE payload @> \'{"customer": "c17"}\'',
    "SELECT count(*) FROM docs WHERE account_id = 17",
]


def _scratch_databases(server: TestServer) -> list[str]:
    with psycopg.connect(server.admin_dsn(), autocommit=True) as conn:
        rows = conn.execute(
            "SELECT datname FROM pg_database WHERE datname LIKE 'pgsage_scratch_cost%' "
            "ORDER BY datname"
        ).fetchall()
    return [str(r[0]) for r in rows]


def _same(advice: Advice) -> str:
    """The advice as JSON, without the time it took."""
    data = to_json(advice)
    data.pop("seconds", None)
    return json.dumps(data, sort_keys=True)


def _options(tmp_path: Path, pg18: TestServer) -> AdviseOptions:
    path = tmp_path / "workload.sql"
    path.write_text(";\n".join(WORKLOAD) + ";\n")
    return AdviseOptions(queries_file=path, scratch_dsn=pg18.admin_dsn())


def _database(pg15: TestServer) -> TestDatabase:
    db = pg15.create_database()
    db.execute(SCHEMA)
    db.execute("VACUUM ANALYZE docs")
    return db


def _gin(advice: Advice) -> list[str]:
    return [
        f"{r.name} {r.costing.method} {r.costing.sample_rows}"
        for r in advice.recommendations
        if r.candidate.method == "gin"
    ]


def test_kept_copies_give_the_advice_of_a_fresh_copy(
    pg15: TestServer, pg18: TestServer, tmp_path: Path
) -> None:
    db = _database(pg15)
    options = _options(tmp_path, pg18)
    try:
        plain = advise(db.dsn, options)
        again = advise(db.dsn, options)  # REPEATABLE: the plain path twice agrees with itself
        with SampleStore() as store:
            kept = replace(options, sample_store=store)
            first = advise(db.dsn, kept)
            held = store.databases()
            assert len(held) == 1 and held == _scratch_databases(pg18)
            second = advise(db.dsn, kept)
            assert store.hits == 1
            assert store.databases() == held
        assert _scratch_databases(pg18) == []
    finally:
        pg15.drop_database(db.name)
    assert _gin(plain) and "sampled copy" in _gin(plain)[0], plain.uncosted
    assert _same(plain) == _same(again)
    assert _same(first) == _same(plain)
    assert _same(second) == _same(plain)


def test_a_changed_table_is_copied_again(
    pg15: TestServer, pg18: TestServer, tmp_path: Path
) -> None:
    db = _database(pg15)
    options = _options(tmp_path, pg18)
    try:
        with SampleStore() as store:
            kept = replace(options, sample_store=store)
            advise(db.dsn, kept)
            # a new column: another copy (the fingerprint's columns)
            db.execute("ALTER TABLE docs ADD COLUMN note text")
            with_column = advise(db.dsn, kept)
            assert store.hits == 0
            assert _same(with_column) == _same(advise(db.dsn, options))
            # other rows, same size, ANALYZEd: a rewrite (relfilenode) and new statistics
            db.execute(
                "TRUNCATE docs; INSERT INTO docs SELECT g, g % 90, 'note', "
                "jsonb_build_object('customer', 'c' || g % 3, 'n', g), NULL "
                "FROM generate_series(1, 30000) g; ANALYZE docs"
            )
            rewritten = advise(db.dsn, kept)
            assert store.hits == 0
            assert _same(rewritten) == _same(advise(db.dsn, options))
            assert _same(rewritten) != _same(with_column)
            advise(db.dsn, kept)  # and unchanged again: served from the store
            assert store.hits == 1
        assert _scratch_databases(pg18) == []
    finally:
        pg15.drop_database(db.name)


def test_a_kept_database_dropped_by_someone_else_is_made_again(
    pg15: TestServer, pg18: TestServer, tmp_path: Path
) -> None:
    db = _database(pg15)
    options = _options(tmp_path, pg18)
    try:
        with SampleStore() as store:
            kept = replace(options, sample_store=store)
            first = advise(db.dsn, kept)
            [name] = store.databases()
            with psycopg.connect(pg18.admin_dsn(), autocommit=True) as conn:
                conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
            db.execute("ALTER TABLE docs ADD COLUMN note text")  # not an outcome it knows
            second = advise(db.dsn, kept)
            [other] = store.databases()
            assert other != name
        assert _scratch_databases(pg18) == []
    finally:
        pg15.drop_database(db.name)
    assert _gin(second) == _gin(first) and second.uncosted == ()
