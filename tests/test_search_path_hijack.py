"""pgsage run by a role whose search_path someone else controls calls none of their functions.

A schema ``evil`` holds a twin of every function, aggregate and catalog relation pgsage could
name bare — same name, same argument types (and, for functions taking ``text``, a twin taking
``name``, which a bare call on a ``name`` column prefers even with ``pg_catalog`` searched
first). Each twin raises ``pgsage called evil.<name>``. The role runs with
``search_path = evil, pg_catalog, public`` (``ALTER ROLE``), and with ``evil, public`` passed
in the DSN (the issue's workaround: ``pg_catalog`` implicitly first). pgsage's commands must
work as for anyone else and never reach a twin; see tests/test_sql_qualified.py for the rule.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from psycopg import conninfo, sql

from pgharness import TestDatabase

PGSAGE = str(Path(sys.executable).parent / "pgsage")
ROLE = "pgsage_hijacked"
CALLED = "pgsage called evil."

# Twins of every pg_catalog function and of every extension's (in public), same signature;
# for functions with text arguments also a twin with name arguments (an exact match for a
# bare call on a name column, chosen even when pg_catalog is searched first). A twin that
# cannot be written in PL/pgSQL (internal, cstring, "any" arguments) is left out.
EVIL_FUNCTIONS = """
CREATE FUNCTION evil.boom(what text) RETURNS boolean LANGUAGE plpgsql STABLE AS $b$
BEGIN RAISE EXCEPTION 'pgsage called evil.%', what; END $b$;
DO $do$
DECLARE p record; args text; body text;
BEGIN
  FOR p IN
    SELECT f.proname, pg_catalog.pg_get_function_arguments(f.oid) AS args,
           pg_catalog.pg_get_function_result(f.oid) AS result
    FROM pg_catalog.pg_proc f
    WHERE f.prokind = 'f'
      AND (f.pronamespace = 'pg_catalog'::regnamespace
           OR EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
                      WHERE d.classid = 'pg_catalog.pg_proc'::regclass AND d.objid = f.oid
                        AND d.deptype = 'e'))
  LOOP
    body := pg_catalog.format('BEGIN RAISE EXCEPTION %L; END', 'pgsage called evil.' || p.proname);
    FOREACH args IN ARRAY ARRAY[p.args,
                                pg_catalog.regexp_replace(p.args, '\\mtext\\M', 'name', 'g')]
    LOOP
      BEGIN
        EXECUTE pg_catalog.format('CREATE FUNCTION evil.%I(%s) RETURNS %s LANGUAGE plpgsql AS %L',
                                  p.proname, args, p.result, body);
      EXCEPTION WHEN others THEN NULL;
      END;
    END LOOP;
  END LOOP;
END $do$;
"""

# Aggregates pgsage uses, each with a step that raises.
EVIL_AGGREGATES = """
DO $do$
DECLARE step text[];
BEGIN
  FOREACH step SLICE 1 IN ARRAY ARRAY[
      ['bigint', 'bigint'], ['bigint, bigint', 'bigint'], ['bigint, integer', 'bigint'],
      ['numeric, numeric', 'numeric'], ['double precision, double precision', 'double precision'],
      ['anyarray, anynonarray', 'anyarray'], ['text, text, text', 'text'],
      ['json, anyelement', 'json']]
  LOOP
    EXECUTE pg_catalog.format(
      'CREATE FUNCTION evil.step(%s) RETURNS %s LANGUAGE plpgsql AS %L', step[1], step[2],
      'BEGIN RAISE EXCEPTION ''pgsage called evil.aggregate''; END');
  END LOOP;
END $do$;
CREATE AGGREGATE evil.count(*) (SFUNC = evil.step, STYPE = bigint);
CREATE AGGREGATE evil.sum(bigint) (SFUNC = evil.step, STYPE = bigint);
CREATE AGGREGATE evil.sum(integer) (SFUNC = evil.step, STYPE = bigint);
CREATE AGGREGATE evil.sum(numeric) (SFUNC = evil.step, STYPE = numeric);
CREATE AGGREGATE evil.sum(double precision) (SFUNC = evil.step, STYPE = double precision);
CREATE AGGREGATE evil.max(bigint) (SFUNC = evil.step, STYPE = bigint);
CREATE AGGREGATE evil.min(bigint) (SFUNC = evil.step, STYPE = bigint);
CREATE AGGREGATE evil.array_agg(anynonarray) (SFUNC = evil.step, STYPE = anyarray);
CREATE AGGREGATE evil.string_agg(text, text) (SFUNC = evil.step, STYPE = text);
CREATE AGGREGATE evil.json_agg(anyelement) (SFUNC = evil.step, STYPE = json);
"""

# A view over each catalog relation (and each extension's: pg_stat_statements) that raises
# once it is read (STABLE, so the planner checks it once even over an empty relation);
# columns of a pseudo-type (pg_stats' anyarray) are shown as text.
EVIL_RELATIONS = """
DO $do$
DECLARE r record;
BEGIN
  FOR r IN
    SELECT c.relname, n.nspname,
           (SELECT pg_catalog.string_agg(CASE WHEN t.typtype = 'p'
                                         THEN pg_catalog.format('%I::text AS %I', a.attname,
                                                                a.attname)
                                         ELSE pg_catalog.quote_ident(a.attname) END,
                                         ', ' ORDER BY a.attnum)
            FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
            WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped) AS columns
    FROM pg_catalog.pg_class c
    JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
    WHERE c.relkind IN ('r', 'v')
      AND (n.nspname = 'pg_catalog'
           OR EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
                      WHERE d.classid = 'pg_catalog.pg_class'::regclass AND d.objid = c.oid
                        AND d.deptype = 'e'))
  LOOP
    BEGIN
      EXECUTE pg_catalog.format('CREATE VIEW evil.%I AS SELECT %s FROM %I.%I WHERE evil.boom(%L)',
                                r.relname, r.columns, r.nspname, r.relname, r.relname);
    EXCEPTION WHEN others THEN NULL;  -- pg_statistic_ext_data: a column of pg_statistic[]
    END;
  END LOOP;
END $do$;
"""

APPLICATION = """
CREATE SCHEMA app;
CREATE TABLE app.items (id int PRIMARY KEY, sku text NOT NULL, label text NOT NULL,
                        created timestamptz NOT NULL DEFAULT '2026-01-01');
INSERT INTO app.items (id, sku, label) SELECT g, 'sku' || g, 'label ' || (g % 100)
FROM generate_series(1, 20000) g;
CREATE INDEX items_label ON app.items (label);
CREATE INDEX items_label_again ON app.items (label);
ANALYZE app.items;
"""

WORKLOAD = "SELECT id FROM app.items WHERE sku = 'sku42';\n"
MIGRATION = "ALTER TABLE app.items ADD COLUMN price int NOT NULL DEFAULT 0;\n"


def _dsn(db: TestDatabase, search_path: str | None) -> str:
    params = conninfo.conninfo_to_dict(db.dsn)
    params["user"] = ROLE  # trusted, like every test connection but the password role's
    params.pop("password", None)
    if search_path:
        params["options"] = f"-csearch_path={search_path}"
    return conninfo.make_conninfo("", **params)


@pytest.fixture
def hijacked(db: TestDatabase) -> Iterator[TestDatabase]:
    """The database with the evil schema and a superuser role whose path searches it first."""
    db.execute(APPLICATION)
    with psycopg.connect(db.dsn, autocommit=True) as conn:
        if "hypopg" in db.server.available_extensions:
            conn.execute("CREATE EXTENSION IF NOT EXISTS hypopg")
        conn.execute("CREATE SCHEMA evil")
        conn.execute(EVIL_FUNCTIONS.encode())
        conn.execute(EVIL_AGGREGATES.encode())
        conn.execute(EVIL_RELATIONS.encode())
        role = sql.Identifier(ROLE)
        conn.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(role))
        conn.execute(sql.SQL("CREATE ROLE {} LOGIN SUPERUSER").format(role))
        conn.execute(
            sql.SQL(
                "ALTER ROLE {} IN DATABASE {} SET search_path = evil, pg_catalog, public"
            ).format(role, sql.Identifier(db.name))
        )
        # a statement of the application's in pg_stat_statements, for advise and top queries
        conn.execute("SELECT id FROM app.items WHERE sku = 'sku7'")
    try:
        yield db
    finally:
        db.server.drop_database(db.name)
        with psycopg.connect(db.server.admin_dsn(), autocommit=True) as conn:
            conn.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(ROLE)))


def _run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "PGSAGE_DSN")}
    return subprocess.run(
        [PGSAGE, *args], capture_output=True, text=True, timeout=300, env=env, cwd=cwd, check=False
    )


def _clean(result: subprocess.CompletedProcess[str], *codes: int) -> str:
    said = result.stdout + result.stderr
    assert CALLED not in said, said[-3000:]
    assert result.returncode in codes, (result.args, result.returncode, said[-3000:])
    return result.stdout


@pytest.mark.parametrize("search_path", [None, "evil,public"], ids=["role-path", "dsn-path"])
def test_the_controls_reach_the_twins(hijacked: TestDatabase, search_path: str | None) -> None:
    """Without the schema, the same bare names do run the twins: the set-up is armed."""
    with psycopg.connect(_dsn(hijacked, search_path), autocommit=True) as conn:
        bare = ["SELECT quote_ident(nspname) FROM pg_catalog.pg_namespace"]
        if search_path is None:
            bare += ["SELECT now()", "SELECT pg_catalog.count(*) FROM pg_class",
                     "SELECT count(*) FROM pg_catalog.pg_class",
                     "SELECT current_setting('server_version')"]  # fmt: skip
        for statement in bare:
            with pytest.raises(psycopg.errors.RaiseException, match=CALLED):
                conn.execute(statement.encode())


@pytest.mark.parametrize("search_path", [None, "evil,public"], ids=["role-path", "dsn-path"])
def test_no_command_reaches_a_twin(
    hijacked: TestDatabase, search_path: str | None, tmp_path: Path
) -> None:
    dsn = _dsn(hijacked, search_path)
    report = json.loads(_clean(_run("audit", "--dsn", dsn, "--format", "json", cwd=tmp_path), 0, 1))
    assert "duplicate-index" in json.dumps(report)
    snap = tmp_path / "snap.json"
    _clean(_run("snapshot", "--dsn", dsn, "--out", str(snap), cwd=tmp_path), 0)
    assert json.loads(snap.read_text())
    metrics = _clean(_run("exporter", "--once", "--dsn", dsn, cwd=tmp_path), 0)
    assert re.search(r"^pgsage_up(\{[^}]*\})? 1(\.0)?$", metrics, re.MULTILINE), metrics
    queries = tmp_path / "w.sql"
    queries.write_text(WORKLOAD)
    real = [] if "hypopg" in hijacked.server.available_extensions else ["--allow-real-indexes"]
    advice = _clean(
        _run("advise", "--dsn", dsn, "--queries", str(queries), "--sample-rows", "0", *real,
             cwd=tmp_path),
        0,
    )  # fmt: skip
    assert "CREATE INDEX" in advice and "sku" in advice
    _clean(_run("advise", "--dsn", dsn, "--sample-rows", "0", *real, cwd=tmp_path), 0)
    migration = tmp_path / "001.sql"
    migration.write_text(MIGRATION)
    _clean(_run("lint", "--dsn", dsn, str(migration), cwd=tmp_path), 0, 1)
    _clean(_run("checklist", "--dsn", dsn, cwd=tmp_path), 0, 1)


@pytest.mark.parametrize("search_path", [None, "evil,public"], ids=["role-path", "dsn-path"])
def test_library_readers_reach_no_twin(hijacked: TestDatabase, search_path: str | None) -> None:
    """The catalog readers the CLI above does not reach cheaply: migrations' schema dump and
    lock snapshot, the backup's facts, the MCP tools."""
    from pgsage.backup.facts import read_facts
    from pgsage.mcp.safesql import SqlPolicy
    from pgsage.mcp.tools import ServerConfig, Tools
    from pgsage.migrations.catalog import dump_schema
    from pgsage.migrations.locks import read_state
    from pgsage.vector.catalog import ann_indexes

    dsn = _dsn(hijacked, search_path)
    assert "table app.items" in dump_schema(dsn).objects
    with psycopg.connect(dsn) as conn:
        assert read_facts(conn).tables
        assert read_state(conn).relations
        assert ann_indexes(conn) == []
    tools = Tools(ServerConfig(targets={"default": dsn}, policy=SqlPolicy()))
    assert "app" in tools.list_schemas(None, False).summary
    assert tools.list_objects("app", None, None, 50, None).summary
    assert tools.describe_table("app", "items", None).summary
    assert tools.top_queries("total_time", 5, None).summary
    assert tools.audit([], [], None).summary
    plan = tools.explain("SELECT id FROM app.items WHERE label = 'x'", [], False, None)
    assert plan.summary.startswith("total cost")
    assert tools.run_sql("SELECT id FROM app.items WHERE id = 1", 10, None).summary
