"""A workload written for judging index advice (issue 13): what a web application's database
sees, with the four shapes the issue names — jsonb containment, trigram search, a time-range
log table and a skewed status column — plus a plain foreign-key look-up.

Deterministic data (generate_series, no random()), built in one SQL script; the statements carry
literal values, each one call. ``HAND`` is the hand-picked best set the advisors are judged
against: one index per shape, chosen by what the statements need.
"""

from __future__ import annotations

from pgsage.advise.model import Candidate, Key, RelName

SCHEMA = """
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE TABLE app_logs (id bigint PRIMARY KEY, created_at timestamptz NOT NULL,
    level text NOT NULL, service text NOT NULL, message text NOT NULL);
INSERT INTO app_logs
SELECT g, timestamptz '2026-01-01' + g * interval '2 seconds',
       CASE WHEN g % 97 = 0 THEN 'error' WHEN g % 13 = 0 THEN 'warn' ELSE 'info' END,
       'svc' || g % 17, 'request ' || g || ' handled in ' || g % 500 || ' ms'
FROM generate_series(1, 1000000) g;

CREATE TABLE app_orders (id int PRIMARY KEY, customer_id int NOT NULL, status text NOT NULL,
    total numeric(10, 2) NOT NULL, created_at timestamptz NOT NULL);
INSERT INTO app_orders
SELECT g, (g::bigint * 7919) % 50000,
       CASE WHEN g % 500 = 0 THEN 'failed' WHEN g % 125 = 0 THEN 'pending'
            WHEN g % 25 = 0 THEN 'shipped' ELSE 'delivered' END,
       (g % 1000) + 0.5, timestamptz '2025-01-01' + g * interval '1 minute'
FROM generate_series(1, 500000) g;

CREATE TABLE app_events (id int PRIMARY KEY, created_at timestamptz NOT NULL,
    payload jsonb NOT NULL);
INSERT INTO app_events
SELECT g, timestamptz '2025-06-01' + g * interval '10 seconds',
       jsonb_build_object(
           'customer', 'c' || (g::bigint * 104729) % 30000,
           'type', (ARRAY['view', 'click', 'cart', 'purchase', 'refund'])[1 + g % 5],
           'region', (ARRAY['eu', 'us', 'apac'])[1 + g % 3],
           'device', jsonb_build_object('os', (ARRAY['ios', 'android', 'web'])[1 + g % 3]),
           'n', g)
FROM generate_series(1, 300000) g;

CREATE TABLE app_products (id int PRIMARY KEY, sku text NOT NULL, name text NOT NULL,
    price numeric(10, 2) NOT NULL);
INSERT INTO app_products
SELECT g, 'SKU-' || g,
       (ARRAY['red', 'blue', 'green', 'black', 'white', 'grey', 'navy', 'olive'])[1 + g % 8]
       || ' ' || (ARRAY['wool', 'cotton', 'linen', 'silk', 'denim', 'leather'])[1 + (g / 8) % 6]
       || ' ' || (ARRAY['shirt', 'scarf', 'jacket', 'sock', 'hat', 'bag', 'belt'])[1 + (g / 48) % 7]
       || ' ' || md5(g::text),
       (g % 300) + 0.99
FROM generate_series(1, 200000) g;
"""

WORKLOAD = [
    # time-range log table: the last minutes, newest first; a window's error count
    "SELECT id, level, message FROM app_logs WHERE created_at >= '2026-01-20 10:00' "
    "AND created_at < '2026-01-20 10:05' ORDER BY created_at DESC LIMIT 100",
    "SELECT count(*) FROM app_logs WHERE created_at >= '2026-01-15' "
    "AND created_at < '2026-01-15 01:00' AND level = 'error'",
    # skewed status: the rare values are the ones asked for
    "SELECT id, customer_id, total FROM app_orders WHERE status = 'pending' "
    "ORDER BY created_at LIMIT 50",
    "SELECT count(*) FROM app_orders WHERE status = 'failed'",
    "SELECT id, status, total FROM app_orders WHERE customer_id = 4242",
    # jsonb containment
    'SELECT id, created_at FROM app_events WHERE payload @> \'{"customer": "c1234"}\'',
    'SELECT count(*) FROM app_events WHERE payload @> \'{"customer": "c777", "type": "refund"}\'',
    # trigram search
    "SELECT id, name FROM app_products WHERE name ILIKE '%a1b2%'",
    "SELECT id, sku FROM app_products WHERE name LIKE '%f00d%' LIMIT 20",
]


def _table(name: str) -> RelName:
    return RelName("public", name)


HAND = [
    Candidate(_table("app_logs"), (Key.of("created_at"),)),
    Candidate(_table("app_orders"), (Key.of("status"), Key.of("created_at"))),
    Candidate(_table("app_orders"), (Key.of("customer_id"),)),
    Candidate(
        _table("app_events"),
        (Key.of("payload"),),
        method="gin",
        opclass="jsonb_path_ops",
        kind="gin",
    ),
    Candidate(
        _table("app_products"),
        (Key.of("name"),),
        method="gin",
        opclass="gin_trgm_ops",
        kind="trigram",
    ),
]

# TPC-H: the indexes its 22 queries are known to profit from (foreign keys the correlated
# subqueries of Q2, Q17, Q20, Q21 and the joins of Q9/Q13 probe), checked by measurement.
TPCH_HAND = [
    Candidate(_table("lineitem"), (Key.of("l_partkey"), Key.of("l_suppkey"))),
    Candidate(_table("partsupp"), (Key.of("ps_suppkey"),)),
    Candidate(_table("orders"), (Key.of("o_custkey"),)),
]

# The demo (``pgsage demo``): per read of the workload, the index measured to help it most
# (bench/README.md, 2026-12-07, scale 0.25): the foreign key ai_requests.application_id; the
# jsonb containment ``ORDER BY created_at DESC LIMIT`` on applications, served better by
# walking applications(created_at) newest first than by a GIN index (7 ms against 131 ms
# summed over the workload); the range on site_visits.visited_at; a Telegram user's latest
# events; the documents' substring search ``ORDER BY upload_date DESC LIMIT``; the trigram
# search on news titles. Left out, measured to save under 1 ms in all: knowledge_embeddings
# (document_id), a GIN index on applications.interview_data beside the created_at one.
DEMO_HAND = [
    Candidate(_table("ai_requests"), (Key.of("application_id"),)),
    Candidate(_table("applications"), (Key.of("created_at"),)),
    Candidate(_table("site_visits"), (Key.of("visited_at"),)),
    Candidate(_table("bot_logs"), (Key.of("telegram_user_id"), Key.of("created_at"))),
    Candidate(_table("documents"), (Key.of("upload_date"),)),
    Candidate(
        _table("news"), (Key.of("title"),), method="gin", opclass="gin_trgm_ops", kind="trigram"
    ),
]
