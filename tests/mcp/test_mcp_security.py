"""The security suite: attacks through every tool that takes SQL or names, over a real stdio
session, each refused with a clear message or harmless; then proof the database is unchanged
(catalog, row counts, sequence values, tuple writes to its tables)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import psycopg
import pytest
from mcp.client.session import ClientSession
from mcp_support import prepare, server_params, text_of, with_session
from psycopg import sql

from pgharness import TestDatabase

ONE = "exactly one statement"
NOT_ALLOWED = "is not allowed"
DENIED = "is not allowed: it reads or writes files"
VOLATILE = "volatile"

# (tool, arguments, expectation, text the answer must contain)
#   refused: an error result whose text contains the needle
#   ok: a normal result (the statement is harmless); harmless: either, the check is the end state
ATTEMPTS: list[tuple[str, dict[str, Any], str, str]] = [
    ("run_sql", {"sql": "COMMIT; DROP TABLE orders"}, "refused", ONE),
    ("run_sql", {"sql": "ROLLBACK; DELETE FROM orders"}, "refused", ONE),
    ("run_sql", {"sql": "SELECT 1; SET default_transaction_read_only = off"}, "refused", ONE),
    ("run_sql", {"sql": "BEGIN READ WRITE"}, "refused", NOT_ALLOWED),
    (
        "run_sql",
        {"sql": "SET SESSION CHARACTERISTICS AS TRANSACTION READ WRITE"},
        "refused",
        "SET is not allowed",
    ),
    (
        "run_sql",
        {"sql": "SELECT set_config('default_transaction_read_only', 'off', false)"},
        "refused",
        DENIED,
    ),
    (
        "run_sql",
        {"sql": "SELECT pg_catalog.set_config('search_path', 'evil', false)"},
        "refused",
        DENIED,
    ),
    (
        "run_sql",
        {"sql": "WITH d AS (DELETE FROM orders RETURNING *) SELECT count(*) FROM d"},
        "refused",
        "data-modifying",
    ),
    (
        "run_sql",
        {
            "sql": "WITH i AS (INSERT INTO customers (email) VALUES ('x') RETURNING id) SELECT * FROM i"
        },
        "refused",
        "data-modifying",
    ),
    (
        "run_sql",
        {
            "sql": "SELECT * FROM (WITH u AS (UPDATE orders SET total = 0 RETURNING 1) SELECT * FROM u) s"
        },
        "refused",
        "data-modifying",
    ),
    ("run_sql", {"sql": "SELECT * FROM orders FOR UPDATE"}, "refused", "FOR UPDATE"),
    (
        "run_sql",
        {"sql": "SELECT * FROM orders LIMIT 1 FOR SHARE SKIP LOCKED"},
        "refused",
        "FOR UPDATE",
    ),
    (
        "run_sql",
        {"sql": "COPY orders TO PROGRAM 'touch /tmp/pgsage-pwned'"},
        "refused",
        "COPY is not allowed",
    ),
    ("run_sql", {"sql": "COPY orders FROM PROGRAM 'id'"}, "refused", "COPY is not allowed"),
    ("run_sql", {"sql": "SELECT pg_read_file('/etc/passwd')"}, "refused", DENIED),
    ("run_sql", {"sql": "SELECT * FROM pg_read_file('/etc/passwd')"}, "refused", DENIED),
    ("run_sql", {"sql": "SELECT * FROM ROWS FROM (pg_ls_dir('.')) AS t(f)"}, "refused", DENIED),
    (
        "run_sql",
        {"sql": "SELECT f FROM orders, LATERAL pg_ls_dir('.') AS f LIMIT 1"},
        "refused",
        DENIED,
    ),
    ("run_sql", {"sql": "SELECT (SELECT pg_read_binary_file('/etc/passwd'))"}, "refused", DENIED),
    (
        "run_sql",
        {"sql": "SELECT 1 WHERE EXISTS (SELECT pg_stat_file('/etc/passwd'))"},
        "refused",
        DENIED,
    ),
    ("run_sql", {"sql": "SELECT U&\"\\0070g_read_file\"('/etc/passwd')"}, "refused", DENIED),
    ("run_sql", {"sql": "SELECT lo_import('/etc/passwd')"}, "refused", DENIED),
    ("run_sql", {"sql": "SELECT lo_export(1, '/tmp/pgsage-pwned')"}, "refused", DENIED),
    (
        "run_sql",
        {"sql": "SELECT * FROM dblink('dbname=postgres', 'DROP TABLE orders') AS t(x text)"},
        "refused",
        DENIED,
    ),
    ("run_sql", {"sql": "SELECT nextval('counter_seq')"}, "refused", DENIED),
    ("run_sql", {"sql": "SELECT setval('counter_seq', 1000)"}, "refused", DENIED),
    (
        "run_sql",
        {"sql": "SELECT id FROM orders UNION ALL SELECT nextval('counter_seq')::int"},
        "refused",
        DENIED,
    ),
    ("run_sql", {"sql": "SELECT pg_terminate_backend(pg_backend_pid())"}, "refused", DENIED),
    ("run_sql", {"sql": "SELECT pg_cancel_backend(pid) FROM pg_stat_activity"}, "refused", DENIED),
    ("run_sql", {"sql": "SELECT pg_advisory_lock(1)"}, "refused", DENIED),
    ("run_sql", {"sql": "SELECT pg_try_advisory_xact_lock(1)"}, "refused", DENIED),
    ("run_sql", {"sql": "DO $$BEGIN DROP TABLE orders; END$$"}, "refused", "DO is not allowed"),
    ("run_sql", {"sql": "CALL cleanup()"}, "refused", "CALL is not allowed"),
    ("run_sql", {"sql": "PREPARE p AS DELETE FROM orders"}, "refused", "PREPARE is not allowed"),
    ("run_sql", {"sql": "EXECUTE p"}, "refused", "EXECUTE is not allowed"),
    ("run_sql", {"sql": "LISTEN ch"}, "refused", "LISTEN is not allowed"),
    ("run_sql", {"sql": "NOTIFY ch, 'x'"}, "refused", "NOTIFY is not allowed"),
    ("run_sql", {"sql": "SELECT pg_notify('ch', 'x')"}, "refused", DENIED),
    ("run_sql", {"sql": "VACUUM orders"}, "refused", "VACUUM/ANALYZE is not allowed"),
    ("run_sql", {"sql": "ANALYZE orders"}, "refused", "VACUUM/ANALYZE is not allowed"),
    ("run_sql", {"sql": "TRUNCATE orders"}, "refused", NOT_ALLOWED),
    ("run_sql", {"sql": "LOCK TABLE orders"}, "refused", "LOCK is not allowed"),
    ("run_sql", {"sql": "CREATE TABLE pwned (a int)"}, "refused", NOT_ALLOWED),
    ("run_sql", {"sql": "SELECT 1 INTO TABLE pwned"}, "refused", "INTO"),
    ("run_sql", {"sql": "SELECT pg_sleep(60)"}, "refused", DENIED),
    (
        "run_sql",
        {"sql": "SELECT count(*) FROM generate_series(1, 100000000000) g"},
        "refused",
        "statement timeout",
    ),
    ("run_sql", {"sql": "SELECT * FROM sneaky"}, "refused", "view public.sneaky calls"),
    ("run_sql", {"sql": "SELECT * FROM sneaky_on_sneaky"}, "refused", "calls the volatile"),
    ("run_sql", {"sql": "SELECT 1 ### 2"}, "refused", "operator public.###"),
    ("run_sql", {"sql": "SELECT bump()"}, "refused", VOLATILE),
    (
        "run_sql",
        {"sql": "SELECT query_to_xml('DELETE FROM orders RETURNING 1', true, true, '')"},
        "refused",
        DENIED,
    ),
    (
        "run_sql",
        {"sql": "SELECT ts_stat('SELECT pg_read_file(''/etc/passwd'')::tsvector')"},
        "refused",
        DENIED,
    ),
    ("run_sql", {"sql": "SELECT txid_current()"}, "refused", DENIED),
    ("run_sql", {"sql": "SELECT pg_stat_reset()"}, "refused", DENIED),
    ("run_sql", {"sql": "EXPLAIN ANALYZE DELETE FROM orders"}, "refused", "only of a SELECT"),
    (
        "run_sql",
        {"sql": "EXPLAIN ANALYZE SELECT count(*) FROM orders"},
        "refused",
        "--allow-analyze",
    ),
    (
        "run_sql",
        {"sql": "EXPLAIN WITH d AS (DELETE FROM orders RETURNING 1) SELECT 1"},
        "refused",
        "data-modifying",
    ),
    ("run_sql", {"sql": "SELECT 1 /* ; DROP TABLE orders */"}, "ok", ""),
    ("run_sql", {"sql": "SELECT $$; DROP TABLE orders; $$"}, "ok", ""),
    ("run_sql", {"sql": 'SELECT "col ""x""" FROM "wéird ""name""" ORDER BY id'}, "ok", ""),
    ("run_sql", {"sql": 'SELECT count(*) FROM "Schéma ""q"""."Tâble"'}, "ok", ""),
    ("run_sql", {"sql": "SELECT a.id, b.id FROM orders a CROSS JOIN orders b"}, "ok", "row cap"),
    (
        "run_sql",
        {"sql": "SELECT repeat('x', 2000) FROM orders"},
        "ok",
        "byte cap",
    ),
    ("run_sql", {"sql": "SELECT repeat('x', 5000000)"}, "ok", ""),
    ("run_sql", {"sql": "EXPLAIN DELETE FROM orders"}, "ok", ""),
    ("run_sql", {"sql": ""}, "refused", "no SQL statement"),
    ("explain", {"query": "DELETE FROM orders"}, "ok", ""),
    ("explain", {"query": "SELECT pg_read_file('/etc/passwd')"}, "refused", DENIED),
    ("explain", {"query": "SELECT 1; DROP TABLE orders"}, "refused", ONE),
    ("explain", {"query": "SELECT * FROM orders", "analyze": True}, "refused", "--allow-analyze"),
    (
        "explain",
        {"query": "WITH d AS (DELETE FROM orders RETURNING 1) SELECT * FROM d"},
        "refused",
        "data-modifying",
    ),
    ("explain", {"query": "EXPLAIN SELECT 1"}, "refused", "EXPLAIN is not allowed"),
    (
        "explain",
        {
            "query": "SELECT * FROM orders",
            "hypothetical_indexes": ["CREATE INDEX ON orders (status); DROP TABLE orders"],
        },
        "refused",
        ONE,
    ),
    (
        "explain",
        {"query": "SELECT * FROM orders", "hypothetical_indexes": ["DROP TABLE orders"]},
        "refused",
        "one CREATE INDEX",
    ),
    (
        "explain",
        {
            "query": "SELECT * FROM orders",
            "hypothetical_indexes": ["CREATE INDEX ON orders ((pg_read_file('/etc/passwd')))"],
        },
        "refused",
        "not allowed in an index",
    ),
    ("advise_indexes", {"queries": ["SELECT 1; DROP TABLE orders"]}, "refused", ONE),
    ("advise_indexes", {"queries": ["DROP TABLE orders"]}, "refused", NOT_ALLOWED),
    (
        "advise_indexes",
        {"queries": ["SELECT * FROM orders WHERE id = nextval('counter_seq')"]},
        "refused",
        DENIED,
    ),
    (
        "describe_table",
        {"schema": "public", "table": "orders; DROP TABLE orders"},
        "refused",
        "no table",
    ),
    ("describe_table", {"schema": "public", "table": '"orders"'}, "refused", "no table"),
    ("describe_table", {"schema": 'Schéma "q"', "table": "Tâble"}, "ok", ""),
    ("describe_table", {"schema": "public", "table": 'wéird "name"'}, "ok", ""),
    ("list_objects", {"schema": "public' OR '1'='1"}, "ok", "0 objects"),
    (
        "list_objects",
        {"schema": "public", "name_pattern": "%'; DROP TABLE orders; --"},
        "ok",
        "0 objects",
    ),
    (
        "list_objects",
        {"schema": "public", "kinds": ["table'; DROP TABLE orders; --"]},
        "refused",
        "unknown kind",
    ),
    ("lint_migration", {"sql": "DROP TABLE orders;"}, "ok", ""),
    ("lint_migration", {"path": "/etc/passwd"}, "refused", "outside the folders"),
    ("n_plus_one", {"report": "../../../../etc/passwd"}, "refused", "outside the folders"),
    ("check_migrations", {"project": "/"}, "refused", "outside the folders"),
]

ANALYZE_ATTEMPTS: list[tuple[str, dict[str, Any], str, str]] = [
    ("run_sql", {"sql": "EXPLAIN ANALYZE SELECT count(*) FROM orders"}, "ok", ""),
    ("explain", {"query": "SELECT count(*) FROM orders", "analyze": True}, "ok", ""),
    ("explain", {"query": "DELETE FROM orders", "analyze": True}, "refused", "only of a SELECT"),
    (
        "explain",
        {"query": "SELECT * FROM sneaky", "analyze": True},
        "refused",
        "calls the volatile",
    ),
    ("run_sql", {"sql": "EXPLAIN ANALYZE SELECT bump()"}, "refused", VOLATILE),
    (
        "run_sql",
        {"sql": "EXPLAIN (ANALYZE) WITH d AS (DELETE FROM orders RETURNING 1) SELECT 1"},
        "refused",
        "data-modifying",
    ),
]


def fingerprint(dsn: str) -> dict[str, Any]:
    with psycopg.connect(dsn, autocommit=True) as conn:
        catalog = conn.execute(
            "SELECT md5(string_agg(format('%s.%s:%s:%s', n.nspname, c.relname, c.relkind, "
            "c.relfilenode), ',' ORDER BY n.nspname, c.relname)) FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace"
        ).fetchone()
        procs = conn.execute("SELECT count(*) FROM pg_proc").fetchone()
        counts = {
            table: conn.execute(
                sql.SQL("SELECT count(*), sum(hashtext(t::text)) FROM {} t").format(
                    sql.Identifier(table)
                )
            ).fetchone()
            for table in ("customers", "orders", 'wéird "name"')
        }
        sequences = conn.execute(
            "SELECT sequencename, last_value FROM pg_sequences ORDER BY 1"
        ).fetchall()
        large_objects = conn.execute("SELECT count(*) FROM pg_largeobject_metadata").fetchone()
    return {
        "catalog": catalog,
        "procs": procs,
        "counts": counts,
        "sequences": sequences,
        "large_objects": large_objects,
    }


def writes(dsn: str) -> tuple[Any, ...]:
    """Tuple writes to the database's own tables (pg_stat_user_tables: pg_stat_database also
    counts autovacuum's ANALYZE of the catalogs, which the catalog fingerprint covers), once
    two reads a second apart agree (the counters of sessions that just ended are flushed as
    those backends exit)."""
    last: tuple[Any, ...] | None = None
    for _ in range(20):
        with psycopg.connect(dsn, autocommit=True) as conn:
            row = conn.execute(
                "SELECT coalesce(sum(n_tup_ins), 0), coalesce(sum(n_tup_upd), 0), "
                "coalesce(sum(n_tup_del), 0) FROM pg_stat_user_tables"
            ).fetchone()
        assert row is not None
        if row == last:
            return tuple(row)
        last = tuple(row)
        time.sleep(1)
    return last or ()


def run_attempts(
    dsn: str,
    root: Path,
    attempts: list[tuple[str, dict[str, Any], str, str]],
    *extra: str,
    read_only_role: bool = False,
) -> list[str]:
    """The problems; with ``read_only_role``, the server's own "permission denied" (planning
    a DELETE needs the DELETE privilege) is as good as a result."""
    params = server_params(
        dsn,
        root,
        "--statement-timeout",
        "1500",
        "--max-rows",
        "100",
        "--max-bytes",
        "65536",
        *extra,
    )

    async def body(session: ClientSession) -> list[Any]:
        return [await session.call_tool(tool, args) for tool, args, _, _ in attempts]

    results = with_session(params, body)
    problems = []
    for (tool, args, expected, needle), result in zip(attempts, results, strict=True):
        text = text_of(result)
        if expected == "refused" and not (result.is_error and needle.lower() in text.lower()):
            problems.append(f"{tool} {args}: expected a refusal with {needle!r}, got {text!r}")
        if read_only_role and result.is_error and "permission denied" in text:
            continue
        if expected == "ok" and (result.is_error or needle.lower() not in text.lower()):
            problems.append(f"{tool} {args}: expected a result with {needle!r}, got {text!r}")
    return problems


@pytest.mark.parametrize("role", ["superuser", "monitor"])
def test_attacks_are_refused_and_the_database_is_unchanged(
    db: TestDatabase, tmp_path: Path, role: str, request: pytest.FixtureRequest
) -> None:
    """As the superuser, and as the recommended pg_monitor + pg_read_all_data role."""
    assert len(ATTEMPTS) + len(ANALYZE_ATTEMPTS) >= 40
    session_dsn = db.dsn if role == "superuser" else request.getfixturevalue("monitor_dsn")
    prepare(db.dsn, "hypopg" in db.server.available_extensions)
    before, before_writes = fingerprint(db.dsn), writes(db.dsn)
    read_only = role == "monitor"
    problems = run_attempts(session_dsn, tmp_path, ATTEMPTS, read_only_role=read_only)
    problems += run_attempts(
        session_dsn, tmp_path, ANALYZE_ATTEMPTS, "--allow-analyze", read_only_role=read_only
    )
    assert problems == []
    assert fingerprint(db.dsn) == before
    assert writes(db.dsn) == before_writes
    assert not Path("/tmp/pgsage-pwned").exists()
