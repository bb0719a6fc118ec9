"""Issue 13.9: statements recorded by pg_stat_statements are planned under the search_path their
role runs with (ALTER ROLE … IN DATABASE, ALTER ROLE, ALTER DATABASE, then the server's
default), a name the path does not resolve is taken from the one schema that has it, and a name
several schemas have is skipped with the schemas named. Functions named like built-ins in a
schema earlier on the path are never called by the advisor."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from advise_support import hypopg
from psycopg import conninfo, sql
from psycopg.types.numeric import Int4

from pgharness import TestDatabase
from pgsage.advise.searchpath import expand_user, parse_search_path

PGSAGE = str(Path(sys.executable).parent / "pgsage")

SCHEMA = """
CREATE SCHEMA app; CREATE SCHEMA billing; CREATE SCHEMA reporting;
CREATE TABLE app.orders (id int PRIMARY KEY, customer_id int NOT NULL, status text NOT NULL,
    ext_ref text NOT NULL);
INSERT INTO app.orders SELECT g, g % 20000, CASE WHEN g % 3 = 0 THEN 'open' ELSE 'done' END,
    'ref-' || g FROM generate_series(1, 100000) g;
-- the same name in public, other columns: a statement must find the table its role means
CREATE TABLE public.orders (id int PRIMARY KEY, customer_id int NOT NULL, legacy_code text);
INSERT INTO public.orders SELECT g, g % 10000, 'L' || g FROM generate_series(1, 50000) g;
CREATE TABLE billing.invoices (id int PRIMARY KEY, account_id int NOT NULL, amount int NOT NULL);
INSERT INTO billing.invoices SELECT g, g % 6000, g % 100 FROM generate_series(1, 60000) g;
CREATE TABLE reporting.daily (id int PRIMARY KEY, region int NOT NULL, total int NOT NULL);
INSERT INTO reporting.daily SELECT g, g % 3000, g FROM generate_series(1, 30000) g;
CREATE TABLE app.events (id int PRIMARY KEY, device_id int NOT NULL);
INSERT INTO app.events SELECT g, g % 8000 FROM generate_series(1, 40000) g;
CREATE TABLE app.ledger (id int PRIMARY KEY, entry int NOT NULL);
CREATE TABLE billing.ledger (id int PRIMARY KEY, entry int NOT NULL);
INSERT INTO app.ledger SELECT g, g FROM generate_series(1, 20000) g;
INSERT INTO billing.ledger SELECT g, g FROM generate_series(1, 20000) g;
"""
ROLES = ("app", "bill", "db", "hij")
# Functions named like built-ins the advisor calls (and HypoPG's), in the schema the hijack
# role's path puts before pg_catalog: each leaves a WARNING in the server log when called.
HIJACKS = [
    ("set_config", "text, text, boolean", "text"),
    ("current_setting", "text", "text"),
    ("to_regclass", "text", "regclass"),
    ("quote_ident", "text", "text"),
    ("format_type", "oid, integer", "text"),
    ("pg_get_indexdef", "oid", "text"),
    ("pg_relation_size", "regclass", "bigint"),
    ("hypopg_reset", "", "void"),
    ("hypopg_create_index", "text", "record"),
    ("split_part", "text, text, integer", "text"),
    ("unnest", "anyarray", "anyelement"),
]
HIJACKED = "pgsage-hijacked"


def role_names(db: TestDatabase) -> dict[str, str]:
    return {key: f"sp_{key}_{db.name}" for key in ROLES}


def as_role(db: TestDatabase, role: str, options: str | None = None) -> str:
    params = conninfo.conninfo_to_dict(db.dsn)
    params["user"] = role
    params.pop("password", None)
    if options:
        params["options"] = options
    return conninfo.make_conninfo("", **{k: v for k, v in params.items() if v is not None})


@pytest.fixture
def roles(db: TestDatabase) -> Iterator[dict[str, str]]:
    """The schema, four login roles with search_path settings of each kind, HypoPG where the
    server has it; the roles are dropped afterwards (they are the cluster's)."""
    if hypopg(db):
        db.execute("CREATE EXTENSION hypopg")
    db.execute(SCHEMA)
    db.execute("VACUUM ANALYZE")
    names = role_names(db)
    database = sql.Identifier(db.name)
    for role in names.values():
        ident = sql.Identifier(role)
        db.execute(sql.SQL("CREATE ROLE {} LOGIN").format(ident))
        db.execute(
            sql.SQL(
                "GRANT USAGE ON SCHEMA app, billing, reporting TO {0}; "
                "GRANT SELECT ON ALL TABLES IN SCHEMA app, billing, reporting, public TO {0}"
            ).format(ident)
        )
    app, bill, hij = (sql.Identifier(names[k]) for k in ("app", "bill", "hij"))
    db.execute(sql.SQL("""ALTER ROLE {} SET search_path = "$user", app, public""").format(app))
    # the role-wide setting is overridden by the role's setting in this database
    db.execute(sql.SQL("ALTER ROLE {} SET search_path = app").format(bill))
    db.execute(
        sql.SQL("ALTER ROLE {} IN DATABASE {} SET search_path = billing, public").format(
            bill, database
        )
    )
    db.execute(sql.SQL("ALTER DATABASE {} SET search_path = reporting, public").format(database))
    db.execute(sql.SQL("ALTER ROLE {} SET search_path = app, pg_catalog, public").format(hij))
    try:
        yield names
    finally:
        for role in names.values():
            db.execute(sql.SQL("DROP OWNED BY {}").format(sql.Identifier(role)))
        db.execute(sql.SQL("ALTER DATABASE {} RESET search_path").format(database))
        for role in names.values():
            db.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(role)))


def record(db: TestDatabase, statements: list[tuple[str, str, Any]]) -> None:
    """Run each (role, statement, parameter) 20 times as that role, pg_stat_statements reset
    first (this database only). A role given as ``role:schema`` SETs its search_path to
    ``schema`` first, as an application does per session (pg_stat_statements cannot tell)."""
    db.execute(
        "SELECT pg_stat_statements_reset(0, d.oid, 0) FROM pg_catalog.pg_database d"
        " WHERE d.datname = pg_catalog.current_database()"
    )
    for who, statement, value in statements:
        role, _, path = who.partition(":")
        with psycopg.connect(as_role(db, role), autocommit=True) as conn:
            if path:
                conn.execute(sql.SQL("SET search_path = {}").format(sql.Identifier(path)))
            for n in range(20):
                conn.execute(statement.encode(), (value(n) if callable(value) else value,))


def advise(db: TestDatabase, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "PGSAGE_DSN")}
    real = [] if hypopg(db) else ["--allow-real-indexes"]
    return subprocess.run(
        [PGSAGE, "advise", "--dsn", db.dsn, *real, *args],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
        check=False,
    )


def recommended(data: dict[str, Any]) -> set[tuple[str, tuple[str, ...]]]:
    return {(r["table"], tuple(r["columns"])) for r in data["recommendations"]}


def test_parse_search_path_as_postgresql_splits_it() -> None:
    assert parse_search_path('"$user", public') == ("$user", "public")
    assert parse_search_path(' App ,"My ""Schema""", pg_catalog') == (
        "app",
        'My "Schema"',
        "pg_catalog",
    )
    assert parse_search_path("") == ()
    assert expand_user(("$user", "app"), "ann") == ("ann", "app")
    assert expand_user(("$user", "app"), None) == ("app",)


def test_recorded_statements_resolve_on_their_roles_search_path(
    db: TestDatabase, roles: dict[str, str]
) -> None:
    same_text = "SELECT id FROM orders WHERE customer_id = %s"
    record(
        db,
        [
            (roles["app"], same_text, lambda n: Int4(n * 37)),  # app.orders
            (roles["bill"], same_text, lambda n: Int4(n * 41)),  # public.orders
            (roles["bill"], "SELECT id, amount FROM invoices WHERE account_id = %s", Int4(5)),
            (roles["db"], "SELECT total FROM daily WHERE region = %s", Int4(7)),
            (roles["db"] + ":app", "SELECT id FROM events WHERE device_id = %s", Int4(9)),
            (roles["db"] + ":billing", "SELECT id FROM ledger WHERE entry = %s", Int4(11)),
            # its path finds public.orders, which has no ext_ref (the session SET app)
            (roles["db"] + ":app", "SELECT status FROM orders WHERE ext_ref = %s", "ref-3"),
        ],
    )
    result = advise(db, "--format", "json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert recommended(data) >= {
        ("app.orders", ("customer_id",)),
        ("public.orders", ("customer_id",)),
        ("billing.invoices", ("account_id",)),
        ("reporting.daily", ("region",)),
        ("app.events", ("device_id",)),
    }, data["recommendations"]
    assert not any("ledger" in r["table"] for r in data["recommendations"])
    how = {
        (q["query"], q["name_resolution"]["role"]): q
        for q in data["queries"]
        if "name_resolution" in q
    }
    same = "SELECT id FROM orders WHERE customer_id = $1"
    app_side = how[(same, roles["app"])]["name_resolution"]
    assert app_side["search_path"] == f"{roles['app']}, app, public"  # "$user" expanded
    assert app_side["source"] == "role"
    assert how[(same, roles["bill"])]["name_resolution"]["source"] == "role in database"
    assert how[(same, roles["bill"])]["name_resolution"]["search_path"] == "billing, public"
    daily = how[("SELECT total FROM daily WHERE region = $1", roles["db"])]["name_resolution"]
    assert (daily["source"], daily["search_path"]) == ("database", "reporting, public")
    events = how[("SELECT id FROM events WHERE device_id = $1", roles["db"])]
    assert events["name_resolution"]["unique"] == ["app.events"]
    assert "resolved: unique name app.events" in events["name_resolution"]["line"]
    ledger = how[("SELECT id FROM ledger WHERE entry = $1", roles["db"])]
    assert "does not exist" in ledger["skipped"]
    assert 'search_path "reporting, public"' in ledger["skipped"]
    assert "ledger in app, billing" in ledger["skipped"]
    skipped = {q["query"]: q["skipped"] for q in data["queries"] if "skipped" in q}
    assert set(skipped) == {
        "SELECT id FROM ledger WHERE entry = $1",
        "SELECT status FROM orders WHERE ext_ref = $1",
    }
    wrong_table = skipped["SELECT status FROM orders WHERE ext_ref = $1"]
    assert "does not exist" in wrong_table
    assert 'planned under search_path "reporting, public"' in wrong_table, wrong_table

    text = advise(db)
    assert text.returncode == 0, text.stderr
    assert f'search_path "billing, public" (role {roles["bill"]}, its setting in this' in (
        text.stdout
    )
    assert "resolved: unique name app.events" in text.stdout
    assert "ledger in app, billing" in text.stdout
    markdown = advise(db, "--format", "markdown")
    assert markdown.returncode == 0, markdown.stderr
    assert f'search_path "reporting, public" (role {roles["db"]}, the database' in (markdown.stdout)
    assert "resolved: unique name app.events" in markdown.stdout
    assert "ledger in app, billing" in markdown.stdout


def test_verify_measures_each_statement_under_its_path(
    db: TestDatabase, roles: dict[str, str]
) -> None:
    """--verify plans each statement on its fresh copy under the path it was advised under."""
    record(
        db,
        [
            (roles["bill"], "SELECT id, amount FROM invoices WHERE account_id = %s", Int4(5)),
            (roles["db"] + ":app", "SELECT id FROM events WHERE device_id = %s", Int4(9)),
        ],
    )
    result = advise(db, "--format", "json", "--verify", "--verify-dsn", db.dsn)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    measured = {m["query"]: m for m in data["verified"]}
    for query in (
        "SELECT id, amount FROM invoices WHERE account_id = $1",
        "SELECT id FROM events WHERE device_id = $1",
    ):
        assert measured[query]["error"] is None, measured[query]
        assert measured[query]["ms_after"] is not None
    assert recommended(data) >= {
        ("billing.invoices", ("account_id",)),
        ("app.events", ("device_id",)),
    }


def test_unique_name_without_any_role_or_database_path(db: TestDatabase) -> None:
    """No setting anywhere: the server's default path ("$user", public) misses app.events,
    the only relation of that name, which is taken; the role runs with SET search_path."""
    if hypopg(db):
        db.execute("CREATE EXTENSION hypopg")
    db.execute(
        "CREATE SCHEMA app; CREATE TABLE app.events (id int PRIMARY KEY, device_id int NOT NULL);"
        "INSERT INTO app.events SELECT g, g % 8000 FROM generate_series(1, 40000) g"
    )
    db.execute("VACUUM ANALYZE app.events")
    db.execute(
        "SELECT pg_stat_statements_reset(0, d.oid, 0) FROM pg_catalog.pg_database d"
        " WHERE d.datname = pg_catalog.current_database()"
    )
    with psycopg.connect(db.dsn, autocommit=True) as conn:
        conn.execute("SET search_path = app")
        for n in range(20):
            conn.execute(b"SELECT id FROM events WHERE device_id = %s", (Int4(n),))
    result = advise(db, "--format", "json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert recommended(data) == {("app.events", ("device_id",))}
    (query,) = [q for q in data["queries"] if "events" in q["query"]]
    assert query["name_resolution"]["source"] == "server default"
    assert query["name_resolution"]["unique"] == ["app.events"]


def test_functions_named_like_builtins_earlier_on_the_path_are_never_called(
    db: TestDatabase, roles: dict[str, str]
) -> None:
    """The hijack role's path puts app before pg_catalog, and app holds functions named like
    the built-ins (and HypoPG's) the advisor calls: neither planning that role's statements
    nor a whole advisor session under that path calls one (each would log a WARNING)."""
    for name, args, returns in HIJACKS:
        back = "RETURN" if returns == "void" else "RETURN NULL"
        db.execute(
            f"CREATE FUNCTION app.{name}({args}) RETURNS {returns} LANGUAGE plpgsql AS $$ "
            f"BEGIN RAISE WARNING '{HIJACKED} {name}'; {back}; END $$"
        )
    hij = roles["hij"]
    record(db, [(hij, "SELECT id, customer_id FROM orders WHERE ext_ref = %s", "ref-77")])
    logfile = db.server.cluster.logfile
    start = logfile.stat().st_size
    result = advise(db, "--format", "json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert ("app.orders", ("ext_ref",)) in recommended(data), data
    (query,) = [q for q in data["queries"] if "ext_ref" in q["query"]]
    assert "skipped" not in query
    assert query["name_resolution"]["search_path"] == "app, pg_catalog, public"
    # the advisor's own session under the same path (the old workaround)
    hostile = conninfo.make_conninfo(db.dsn, options="-csearch_path=app,pg_catalog,public")
    whole = subprocess.run(
        [
            PGSAGE,
            "advise",
            "--dsn",
            hostile,
            "--format",
            "json",
            *([] if hypopg(db) else ["--allow-real-indexes"]),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        env={k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "PGSAGE_DSN")},
        check=False,
    )
    assert whole.returncode == 0, whole.stderr
    assert ("app.orders", ("ext_ref",)) in recommended(json.loads(whole.stdout))
    with logfile.open("rb") as f:
        f.seek(start)
        log = f.read().decode(errors="replace")
    assert HIJACKED not in log, [line for line in log.splitlines() if HIJACKED in line][:5]


def test_queries_keep_the_session_path_unless_search_path_is_given(
    db: TestDatabase, tmp_path: Path
) -> None:
    """A --queries file is planned under the session's path (public.orders here), as before;
    --search-path plans it under the given one (app.orders), and says so."""
    if hypopg(db):
        db.execute("CREATE EXTENSION hypopg")
    db.execute(SCHEMA)
    db.execute("VACUUM ANALYZE")
    path = tmp_path / "workload.sql"
    path.write_text("SELECT id FROM orders WHERE customer_id = 5;\n")
    plain = advise(db, "--queries", str(path), "--format", "json")
    assert plain.returncode == 0, plain.stderr
    data = json.loads(plain.stdout)
    assert recommended(data) == {("public.orders", ("customer_id",))}
    assert "name_resolution" not in data["queries"][0]
    given = advise(db, "--queries", str(path), "--search-path", "App", "--format", "json")
    assert given.returncode == 0, given.stderr
    data = json.loads(given.stdout)
    assert recommended(data) == {("app.orders", ("customer_id",))}
    assert data["queries"][0]["name_resolution"]["source"] == "option"
    assert data["queries"][0]["name_resolution"]["line"] == 'search_path "app" (--search-path)'
    bad = advise(db, "--queries", str(path), "--search-path", " , ")
    assert bad.returncode == 2
    lines = bad.stderr.strip().splitlines()
    assert len(lines) == 1 and "--search-path" in lines[0] and "names no schema" in lines[0]
