"""Shared set-up for the advisor's real-server tests: a compact schema with the classic shapes,
and a way to run the advisor on a list of statements."""

from __future__ import annotations

from pathlib import Path

from pgharness import TestDatabase
from pgsage.advise.model import Advice, Recommendation
from pgsage.advise.search import Budget
from pgsage.commands.advise import AdviseOptions, advise

# synchronous_commit on (the test servers run with it off): VACUUM cannot mark a page
# all-visible before the inserting commit is flushed, and index-only scans need the mark.
SCHEMA = """
SET synchronous_commit = on;
CREATE TABLE users (
    id int PRIMARY KEY, email text NOT NULL, tenant_id int NOT NULL, country text NOT NULL,
    status text NOT NULL, is_admin boolean NOT NULL, created_at timestamptz NOT NULL,
    profile jsonb NOT NULL, tags text[] NOT NULL, name text NOT NULL, city text NOT NULL);
INSERT INTO users
SELECT g, 'user' || g || '@example.com', g % 2000, (ARRAY['DE','FR','US','GB','IT'])[1 + g % 5],
       CASE WHEN g % 100 = 0 THEN 'pending' WHEN g % 7 = 0 THEN 'banned' ELSE 'active' END,
       g % 997 = 0, timestamptz '2024-01-01' + g * interval '1 minute',
       jsonb_build_object('plan', CASE WHEN g % 211 = 0 THEN 'pro' ELSE 'free' END, 'n', g),
       CASE WHEN g % 401 = 0 THEN ARRAY['vip', 'beta'] ELSE ARRAY['regular'] END,
       md5(g::text), 'c' || g % 300
FROM generate_series(1, 40000) g;
CREATE TABLE orders (
    id int PRIMARY KEY, user_id int NOT NULL, total numeric(10, 2) NOT NULL,
    placed_at timestamptz NOT NULL, note text);
INSERT INTO orders SELECT g, 1 + (g * 7919) % 40000, (g % 500) + 0.99,
       timestamptz '2024-01-01' + g * interval '30 seconds', NULL
FROM generate_series(1, 120000) g;
CREATE VIEW active_users AS SELECT id, email, tenant_id FROM users WHERE status = 'active';
CREATE SCHEMA "Billing";
CREATE TABLE "Billing"."Invoices" ("Id" int PRIMARY KEY, "AccountId" int NOT NULL,
    amount int NOT NULL);
INSERT INTO "Billing"."Invoices" SELECT g, g % 3000, g % 100 FROM generate_series(1, 30000) g;
CREATE TABLE events (id bigint, account_id int NOT NULL, happened_at date NOT NULL,
    kind text NOT NULL) PARTITION BY RANGE (happened_at);
CREATE TABLE events_2024 PARTITION OF events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
CREATE TABLE events_2025 PARTITION OF events FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
INSERT INTO events SELECT g, g % 5000, date '2024-01-01' + (g % 700), 'click'
FROM generate_series(1, 60000) g;
"""


def load(db: TestDatabase) -> None:
    """The schema, plus what each server can cost with: HypoPG on 15, pg_trgm everywhere."""
    extensions = ["pg_trgm"] + (["hypopg"] if "hypopg" in db.server.available_extensions else [])
    for name in extensions:
        db.execute(f"CREATE EXTENSION IF NOT EXISTS {name}")
    db.execute(SCHEMA)
    # Index-only scans need the visibility map; on PG 15 the first VACUUM after the load does
    # not always set it (the commit's hint bits), the second one does.
    db.execute("VACUUM (FREEZE, ANALYZE)")
    db.execute("VACUUM")


def hypopg(db: TestDatabase) -> bool:
    return "hypopg" in db.server.available_extensions


def run(
    db: TestDatabase,
    tmp_path: Path,
    statements: list[str],
    *,
    real: bool | None = None,
    budget: Budget | None = None,
) -> Advice:
    """Advise on a SQL file holding ``statements``. Without HypoPG (PG 18) the costing uses real
    indexes in a rolled-back transaction; ``real=True`` allows them next to HypoPG (GIN)."""
    path = tmp_path / "workload.sql"
    path.write_text(";\n".join(statements) + ";\n")
    allow = real if real is not None else not hypopg(db)
    return advise(
        db.dsn,
        AdviseOptions(queries_file=path, allow_real_indexes=allow, budget=budget or Budget()),
    )


def shapes(advice: Advice) -> list[tuple[str, tuple[str, ...], str | None]]:
    """(table, columns, where) of each recommendation, for compact assertions."""
    return [
        (str(r.candidate.table), r.candidate.columns, r.candidate.where)
        for r in advice.recommendations
    ]


def on(advice: Advice, table: str) -> list[Recommendation]:
    return [r for r in advice.recommendations if str(r.candidate.table) == table]
