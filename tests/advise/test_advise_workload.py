"""Workload sources: pg_stat_statements (with $n placeholders: EXPLAIN (GENERIC_PLAN) on 18,
pg_stats values on 15), SQL files and PostgreSQL logs; statements that cannot be planned are
skipped with the reason and never stop the run."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest
from advise_support import hypopg, load, on, run, shapes
from psycopg.types.numeric import Int4

from pgharness import TestDatabase, make_root
from pgsage.advise.workload import StatementFilter, from_file, from_log, split_statements
from pgsage.commands.advise import AdviseOptions, advise
from pgsage.db.cluster import LocalCluster
from pgsage.errors import UsageError

LOG = (Path(__file__).parent / "data" / "postgresql.log").read_text()


def test_split_statements_keeps_semicolons_in_strings() -> None:
    text = "SELECT ';' AS a;\n-- only a comment;\nSELECT $$x;y$$;\n\n"
    assert split_statements(text) == ["SELECT ';' AS a", "-- only a comment;\nSELECT $$x;y$$"]
    assert split_statements("SELEC broken; SELECT 'é'") == ["SELEC broken", "SELECT 'é'"]


def test_log_lines_are_merged_by_shape(tmp_path: Path) -> None:
    path = tmp_path / "postgresql.log"
    path.write_text(LOG)
    found = from_log(path)
    assert [(q.calls, q.total_ms, q.params) for q in found] == [(2, 14.5, ()), (1, 3.1, ("77",))]
    assert found[0].text == "SELECT id, name\nFROM users WHERE email = 'user42@example.com'"


def test_pg_stat_statements_with_placeholders(db: TestDatabase) -> None:
    load(db)
    db.execute("SELECT pg_stat_statements_reset()")
    with psycopg.connect(db.dsn, autocommit=True) as conn:
        for n in range(5):
            conn.execute("SELECT id, name FROM users WHERE email = %s", (f"user{n}@example.com",))
        for n in range(2):
            conn.execute("SELECT id FROM orders WHERE user_id = %s", (Int4(n),))
    options = AdviseOptions(allow_real_indexes=not hypopg(db))
    advice = advise(db.dsn, options)
    assert ("public.users", ("email",), None) in shapes(advice)
    assert ("public.orders", ("user_id",), None) in shapes(advice)
    assert any("$1" in q.query.text for q in advice.queries)
    frequent = advise(
        db.dsn,
        AdviseOptions(allow_real_indexes=not hypopg(db), filters=StatementFilter(min_calls=5)),
    )
    assert shapes(frequent) == [("public.users", ("email",), None)]


def test_log_source(db: TestDatabase, tmp_path: Path) -> None:
    load(db)
    path = tmp_path / "postgresql.log"
    path.write_text(LOG)
    advice = advise(db.dsn, AdviseOptions(log_file=path, allow_real_indexes=not hypopg(db)))
    assert ("public.users", ("email",), None) in shapes(advice)
    assert on(advice, "public.orders")


def test_unplannable_statements_are_skipped_with_the_reason(
    db: TestDatabase, tmp_path: Path
) -> None:
    load(db)
    advice = run(
        db,
        tmp_path,
        [
            "SELECT nope FROM users WHERE email = 'x'",
            "SELECT id FROM users WHERE tenant_id = $1 AND city = $2",
            "SELECT id FROM users WHERE email = 'user1@example.com'",
            "SELECT * FROM nosuch WHERE x = 1",
        ],
    )
    skipped = {q.query.text: q.skipped for q in advice.queries if q.skipped}
    assert "nope" in (skipped["SELECT nope FROM users WHERE email = 'x'"] or "")
    assert skipped["SELECT * FROM nosuch WHERE x = 1"] == 'relation "nosuch" does not exist'
    assert ("public.users", ("email",), None) in shapes(advice)
    planned = [q for q in advice.queries if q.query.text.endswith("city = $2")]
    assert planned and planned[0].skipped is None and planned[0].cost_before


def test_log_written_by_the_server(db: TestDatabase, tmp_path: Path) -> None:
    """A real log_min_duration_statement = 0 log of the extended protocol: parse and bind
    lines (with their own parameters) between the execute entries, multi-line statements,
    and "Parameters:" capitalised since PostgreSQL 16."""
    load(db)
    logfile = db.server.cluster.logfile
    start = logfile.stat().st_size
    with psycopg.connect(db.dsn, autocommit=True) as conn:
        conn.execute("SET log_min_duration_statement = 0")
        for n in range(3):
            conn.execute("SELECT id, name FROM users WHERE email = %s", (f"user{n}@example.com",))
            conn.execute(
                "SELECT id\n  FROM orders\n WHERE user_id = %s\n ORDER BY placed_at", (Int4(n + 1),)
            )
            conn.execute(
                "SELECT id FROM users WHERE tenant_id = %s AND city = %s", (Int4(n), f"c{n}")
            )
    with logfile.open("rb") as f:
        f.seek(start)
        (tmp_path / "postgresql.log").write_bytes(f.read())
    found = {q.text: q for q in from_log(tmp_path / "postgresql.log")}
    assert found["SELECT id, name FROM users WHERE email = $1"].params == ("user0@example.com",)
    assert found["SELECT id\nFROM orders\nWHERE user_id = $1\nORDER BY placed_at"].calls == 3
    assert found["SELECT id FROM users WHERE tenant_id = $1 AND city = $2"].params == ("0", "c0")
    advice = advise(
        db.dsn,
        AdviseOptions(log_file=tmp_path / "postgresql.log", allow_real_indexes=not hypopg(db)),
    )
    assert not [q.skipped for q in advice.queries if q.skipped]
    assert ("public.users", ("email",), None) in shapes(advice)
    assert on(advice, "public.orders")


def test_a_query_file_that_does_not_parse_is_a_usage_error(tmp_path: Path) -> None:
    path = tmp_path / "workload.sql"
    path.write_text("SELECT 1;\n\n-- the next one\nSELECT *\n  FROM users\n WHER id = 1;\n")
    with pytest.raises(UsageError, match=r"workload\.sql:6: syntax error at or near \"id\""):
        from_file(path, strict=True)


def test_a_logged_statement_that_does_not_parse_is_skipped(
    db: TestDatabase, tmp_path: Path
) -> None:
    """pg_stat_statements and logs may hold texts cut at track_activity_query_size: skipped
    with the parser's reason, the run goes on."""
    load(db)
    path = tmp_path / "postgresql.log"
    cut = "SELECT id FROM users WHERE email = 'user4"
    path.write_text(
        f"{LOG}2026-12-01 08:00:03.000 UTC [125] LOG:  duration: 9.000 ms  statement: {cut}\n"
    )
    advice = advise(db.dsn, AdviseOptions(log_file=path, allow_real_indexes=not hypopg(db)))
    skipped = [q.skipped for q in advice.queries if q.skipped]
    assert skipped == ['cannot be parsed: unterminated quoted string at or near "\'user4"']
    assert ("public.users", ("email",), None) in shapes(advice)


def test_an_empty_workload_says_so(db: TestDatabase, tmp_path: Path) -> None:
    load(db)
    db.execute("SELECT pg_stat_statements_reset()")
    advice = advise(
        db.dsn,
        AdviseOptions(allow_real_indexes=not hypopg(db), filters=StatementFilter(min_calls=10**9)),
    )
    assert advice.recommendations == () and advice.queries == ()
    assert [n for n in advice.notes if "workload is empty: pg_stat_statements" in n]
    (tmp_path / "empty.sql").write_text("-- nothing yet\n")
    advice = advise(
        db.dsn,
        AdviseOptions(queries_file=tmp_path / "empty.sql", allow_real_indexes=not hypopg(db)),
    )
    assert [n for n in advice.notes if "empty.sql holds no statement on a table" in n]


def test_csvlog_and_jsonlog_written_by_a_server(db: TestDatabase, tmp_path: Path) -> None:
    """The same statements logged by a server of the test's version with logging_collector
    on and log_destination csvlog (and jsonlog from PostgreSQL 15): read like the plain log,
    multi-line statements and bound parameters included."""
    major = int(db.execute("SHOW server_version_num")[0][0]) // 10000
    destinations = "csvlog,jsonlog" if major >= 15 else "csvlog"
    root = make_root()
    cluster = LocalCluster(
        bindir=db.server.cluster.bindir,
        home=root / "logged",
        settings={
            "fsync": "off",
            "logging_collector": "on",
            "log_destination": f"'{destinations}'",
            "log_directory": "'log'",
            "log_filename": "'pg'",
            "log_min_duration_statement": "0",
        },
    )
    try:
        cluster.init()
        cluster.start()
        dsn = cluster.dsn("postgres")
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute("CREATE TABLE users (id int PRIMARY KEY, email text, city text)")
            for n in range(3):
                conn.execute("SELECT id FROM users WHERE email = %s", (f"o'{n}@example.com",))
                conn.execute("SELECT id\n  FROM users\n WHERE city = 'c1'\n ORDER BY id")
        # The logging collector writes on its own time; a stopped server has written all.
        cluster.stop()
        logs = cluster.datadir / "log"
        for suffix in destinations.replace("log", "").split(","):
            path = logs / f"pg.{suffix}"
            copy = tmp_path / path.name
            copy.write_bytes(path.read_bytes())  # the server's files belong to its user
            found = {q.text: q for q in from_log(copy)}
            lookup = found["SELECT id FROM users WHERE email = $1"]
            assert (lookup.calls, lookup.params) == (3, ("o'0@example.com",)), suffix
            # the statement as the application sent it (the plain log's tab prefixes are gone)
            assert found["SELECT id\n  FROM users\n WHERE city = 'c1'\n ORDER BY id"].calls == 3
    finally:
        cluster.destroy()


def test_a_parameter_on_a_skewed_column_is_planned_like_a_generic_plan(
    db: TestDatabase, tmp_path: Path
) -> None:
    """``status = $1`` where one status holds 80 % of the rows and 199 others share the rest:
    PostgreSQL 16+'s generic plan assumes 1/200 of the rows and an index pays; on 15 the value
    is drawn so that its frequency is nearest that (not the most common one), so both agree."""
    if hypopg(db):
        db.execute("CREATE EXTENSION IF NOT EXISTS hypopg")
    db.execute(
        "CREATE TABLE tickets (id bigint PRIMARY KEY, status text NOT NULL, body text NOT NULL)"
    )
    db.execute(
        "INSERT INTO tickets SELECT g, CASE WHEN g % 5 = 0 THEN 's' || (g % 199) "
        "ELSE 'closed' END, repeat('x', 60) FROM generate_series(1, 200000) g"
    )
    db.execute("ANALYZE tickets")
    advice = run(db, tmp_path, ["SELECT id, body FROM tickets WHERE status = $1"])
    assert ("public.tickets", ("status",), None) in shapes(advice), shapes(advice)


def test_comments_above_a_statement_of_a_file_are_not_its_text(tmp_path: Path) -> None:
    path = tmp_path / "workload.sql"
    path.write_text(
        "-- the login look-up\n-- (hot)\nSELECT id FROM users WHERE email = 'a';\n"
        "/*+ IndexScan(users) */ SELECT 1;\n"
    )
    assert [q.text for q in from_file(path)] == [
        "SELECT id FROM users WHERE email = 'a'",
        "/*+ IndexScan(users) */ SELECT 1",
    ]
