"""What the snapshot reads cheaply instead of asking the server the expensive way must be what
the server would have said: index definitions assembled in SQL against pg_get_indexdef, sizes
from relpages against pg_relation_size, statistics read through the pg_stat_get_* functions
against the pg_stat views.

Every test that takes a snapshot runs on both collectors: the fast one (pgsage.db.snapshot.fast)
and the plain one it is checked against (plain.py: class_row, pg_get_indexdef, server order)."""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable, Sequence

import pytest
from psycopg import sql

from pgharness import TestDatabase
from pgsage.db import rows
from pgsage.db.connect import connect
from pgsage.db.snapshot import Snapshot, collect_snapshot
from pgsage.db.snapshot.fast import build_rows

# Every shape of index a definition is assembled for, and the ones left to pg_get_indexdef.
INDEXES = """
CREATE SCHEMA "Odd Schema";
CREATE DOMAIN short_text AS text;
CREATE TABLE "Odd Schema"."MixedCase" (
    "Id" bigint PRIMARY KEY,
    "select" int,
    "user" text COLLATE "C",
    plain text,
    code varchar(20),
    tags int[],
    doc jsonb,
    at timestamptz,
    d short_text,
    u uuid UNIQUE,
    CONSTRAINT "Unique Pair" UNIQUE ("select", plain) INCLUDE (at)
);
CREATE INDEX "Desc Nulls" ON "Odd Schema"."MixedCase" ("select" DESC, plain NULLS FIRST,
    at DESC NULLS LAST, "Id" ASC NULLS LAST);
CREATE INDEX mc_incl ON "Odd Schema"."MixedCase" (plain) INCLUDE ("select", "user");
CREATE UNIQUE INDEX mc_unique ON "Odd Schema"."MixedCase" (at, "Id");
CREATE INDEX mc_explicit_default ON "Odd Schema"."MixedCase" ("select" int4_ops);
CREATE INDEX mc_pattern ON "Odd Schema"."MixedCase" (plain text_pattern_ops);
CREATE INDEX mc_collate ON "Odd Schema"."MixedCase" (plain COLLATE "C");
CREATE INDEX mc_collated_column ON "Odd Schema"."MixedCase" ("user");
CREATE INDEX mc_varchar ON "Odd Schema"."MixedCase" (code);
CREATE INDEX mc_domain ON "Odd Schema"."MixedCase" (d);
CREATE INDEX mc_hash ON "Odd Schema"."MixedCase" USING hash (plain);
CREATE INDEX mc_gin ON "Odd Schema"."MixedCase" USING gin (doc);
CREATE INDEX mc_gin_path ON "Odd Schema"."MixedCase" USING gin (doc jsonb_path_ops);
CREATE INDEX mc_gin_array ON "Odd Schema"."MixedCase" USING gin (tags);
CREATE INDEX mc_brin ON "Odd Schema"."MixedCase" USING brin (at);
CREATE INDEX mc_expr ON "Odd Schema"."MixedCase" (lower(plain), "select");
CREATE INDEX mc_partial ON "Odd Schema"."MixedCase" (at) WHERE "select" > 0;
CREATE INDEX mc_fill ON "Odd Schema"."MixedCase" (at) WITH (fillfactor = 70);
CREATE TABLE events (id bigint, at timestamptz NOT NULL) PARTITION BY RANGE (at);
CREATE TABLE events_2025 PARTITION OF events FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
CREATE INDEX events_at ON events (at);
CREATE INDEX events_2025_id ON events_2025 (id);
CREATE TABLE "order" ("group" int, "Value" int);
CREATE INDEX "index" ON "order" ("group", "Value");
"""


Take = Callable[[str], Snapshot]
COLLECTORS = ["fast", "plain"]


@pytest.fixture(params=COLLECTORS)
def collector(request: pytest.FixtureRequest) -> str:
    name: str = request.param
    return name


@pytest.fixture
def take(collector: str) -> Take:
    def taken(dsn: str) -> Snapshot:
        with connect(dsn) as conn:
            return collect_snapshot(conn, plain=collector == "plain")

    return taken


def assert_server_text(
    db: TestDatabase, objects: Sequence[rows.Index | rows.Constraint], query: str, *, at_least: int
) -> None:
    """Each object's definition is the text the server deparses for its oid."""
    server = dict(db.execute(query))
    assert len(objects) >= at_least
    for obj in objects:
        assert obj.definition == server[obj.oid], obj.name


def test_index_definitions_are_pg_get_indexdef(db: TestDatabase, take: Take) -> None:
    db.execute(INDEXES)
    if db.major >= 15:
        db.execute(
            'CREATE UNIQUE INDEX mc_nnd ON "Odd Schema"."MixedCase" (code) NULLS NOT DISTINCT'
        )
    snap = take(db.dsn)
    assert_server_text(
        db,
        snap.indexes,
        "SELECT indexrelid::bigint, pg_get_indexdef(indexrelid) FROM pg_index",
        at_least=24,
    )


def test_index_columns_and_operator_classes(db: TestDatabase, take: Take) -> None:
    db.execute(INDEXES)
    snap = take(db.dsn)
    idx = {i.name: i for i in snap.indexes}
    assert idx["Desc Nulls"].key_columns == ['"select"', "plain", "at", '"Id"']
    assert idx["Desc Nulls"].options == [3, 2, 1, 0]
    assert idx["mc_incl"].include_columns == ['"select"', '"user"']
    assert idx["mc_incl"].key_columns == ["plain"] and idx["mc_incl"].key_count == 1
    assert idx["mc_expr"].key_columns == ["lower(plain)", '"select"']
    assert idx["mc_expr"].key_attnums[0] == 0
    assert idx["mc_pattern"].opclasses == ["text_pattern_ops"]
    assert idx["mc_collate"].collations == ["C"]
    assert idx["mc_gin_path"].opclasses == ["jsonb_path_ops"]
    assert idx["Unique Pair"].include_columns == ["at"]
    assert idx["Unique Pair"].constraint_type == "u"


def test_sizes_come_from_relpages_while_fresh_and_are_measured_after_changes(
    db: TestDatabase, take: Take
) -> None:
    db.execute(
        # autovacuum off on t: an autoanalyze between a step's writes and its snapshot would
        # refresh relpages and take away the staleness the steps below set up
        "CREATE TABLE t (id int PRIMARY KEY, body text) WITH (autovacuum_enabled = off);"
        "ALTER TABLE t ALTER body SET STORAGE EXTERNAL;"
        "INSERT INTO t SELECT g, repeat('x', 3000) || g FROM generate_series(1, 2000) g;"
        "CREATE INDEX t_body ON t (left(body, 10))"
    )
    db.execute("ANALYZE t")  # its own transaction: after the insert's counts are reported
    measured = "SELECT pg_relation_size(%s::regclass)"

    def exact(name: str) -> int:
        return int(db.execute(measured, [name])[0][0])

    snap = take(db.dsn)
    table = snap.table("public", "t")
    assert table is not None and table.size_estimated
    assert table.table_bytes == exact("t")
    # ANALYZE leaves the TOAST table's relpages alone: it is measured until a VACUUM
    toast = db.execute("SELECT reltoastrelid::regclass::text FROM pg_class WHERE relname = 't'")
    toast_index = db.execute(
        "SELECT indexrelid::regclass::text FROM pg_index WHERE indrelid = %s::regclass",
        [toast[0][0]],
    )
    assert table.toast_bytes == exact(toast[0][0]) + exact(toast_index[0][0]) > 8192 * 1000
    db.execute("VACUUM t")
    assert take(db.dsn).table("public", "t").toast_bytes == (  # type: ignore[union-attr]
        exact(toast[0][0]) + exact(toast_index[0][0])
    )
    for index in snap.indexes:
        assert index.size_estimated and index.size_bytes == exact(index.name)
    assert table.index_bytes == sum(i.size_bytes for i in snap.indexes)

    # Many more rows since ANALYZE: relpages is stale, so the files are measured.
    db.execute("INSERT INTO t SELECT g, 'y' FROM generate_series(2001, 20000) g")
    snap = take(db.dsn)
    table = snap.table("public", "t")
    assert table is not None
    assert table.table_bytes == exact("t") > table.relpages * 8192
    for index in snap.indexes:
        assert not index.size_estimated and index.size_bytes == exact(index.name)

    # VACUUM ANALYZE after inserts only: the VACUUM may skip the indexes (nothing to delete)
    # and its ANALYZE leaves them to the VACUUM, so their relpages stay old; their reltuples
    # too, which is how the snapshot tells.
    db.execute("VACUUM ANALYZE t")
    snap = take(db.dsn)
    assert snap.table("public", "t").table_bytes == exact("t")  # type: ignore[union-attr]
    for index in snap.indexes:
        assert index.size_bytes == exact(index.name), index.name


def test_never_analyzed_tables_and_invalid_indexes_are_measured(
    db: TestDatabase, take: Take
) -> None:
    db.execute(
        "CREATE TABLE fresh (id int); INSERT INTO fresh SELECT generate_series(1, 5000);"
        "CREATE TABLE dup (v int); INSERT INTO dup VALUES (1), (1); ANALYZE dup;"
    )
    with pytest.raises(Exception, match="could not create unique index"):
        db.execute("CREATE UNIQUE INDEX CONCURRENTLY dup_v ON dup (v)")
    snap = take(db.dsn)
    fresh = snap.table("public", "fresh")
    assert fresh is not None and not fresh.size_estimated and fresh.table_bytes > 0
    assert fresh.table_bytes == db.execute("SELECT pg_relation_size('fresh')")[0][0]
    invalid = next(i for i in snap.indexes if i.name == "dup_v")
    assert not invalid.is_valid and not invalid.size_estimated


def select(columns: tuple[str, ...], view: str, key: str) -> sql.Composed:
    return sql.SQL("SELECT {} FROM {} WHERE {} = %s::regclass").format(
        sql.SQL(", ").join(map(sql.Identifier, columns)), sql.Identifier(view), sql.Identifier(key)
    )


def test_statistics_match_the_pg_stat_views(db: TestDatabase, take: Take) -> None:
    db.execute(
        "CREATE TABLE s (id int PRIMARY KEY, v int); CREATE INDEX s_v ON s (v);"
        "CREATE TABLE noindex (v text);"
        "INSERT INTO s SELECT g, g FROM generate_series(1, 1000) g;"
        "INSERT INTO noindex VALUES ('a');"
        "SELECT * FROM s WHERE id = 5; SELECT * FROM s WHERE v = 7;"
        "SELECT * FROM noindex; UPDATE s SET v = v + 1 WHERE id < 10; DELETE FROM s"
        " WHERE id = 1000;"
    )
    snap = take(db.dsn)
    fields = (
        "seq_scan",
        "seq_tup_read",
        "idx_scan",
        "idx_tup_fetch",
        "n_tup_ins",
        "n_tup_upd",
        "n_tup_del",
        "n_tup_hot_upd",
        "n_live_tup",
        "n_dead_tup",
        "n_mod_since_analyze",
        "n_ins_since_vacuum",
    )
    io = (
        "heap_blks_read",
        "heap_blks_hit",
        "idx_blks_read",
        "idx_blks_hit",
        "toast_blks_read",
        "toast_blks_hit",
    )
    for name in ("s", "noindex"):
        view = db.execute(select(fields, "pg_stat_all_tables", "relid"), [name])[0]
        viewio = db.execute(select(io, "pg_statio_all_tables", "relid"), [name])[0]
        table = snap.table("public", name)
        assert table is not None
        assert tuple(getattr(table, f) for f in fields) == view, name
        assert tuple(getattr(table, f) for f in io) == viewio, name
    assert snap.table("public", "noindex").idx_scan is None  # type: ignore[union-attr]
    index_fields = ("idx_scan", "idx_tup_read", "idx_tup_fetch")
    for index in snap.indexes:
        view = db.execute(select(index_fields, "pg_stat_all_indexes", "indexrelid"), [index.oid])[0]
        assert tuple(getattr(index, f) for f in index_fields) == view, index.name


def test_rows_are_plain_dataclasses_that_build_rows_may_fill_directly() -> None:
    # build_rows fills the instance dict and skips __init__: it must have nothing to skip.
    for row_type in vars(rows).values():
        if isinstance(row_type, type) and dataclasses.is_dataclass(row_type):
            assert not hasattr(row_type, "__post_init__"), row_type
            assert not hasattr(row_type, "__slots__"), row_type
    fields = [f.name for f in dataclasses.fields(rows.Schema)]
    built = build_rows(rows.Schema, fields, [tuple(range(len(fields)))])
    assert built == [rows.Schema(*range(len(fields)))]


def test_a_table_that_never_had_a_row_is_sized_without_opening_it(
    db: TestDatabase, take: Take
) -> None:
    # Never vacuumed or analyzed, yet nothing to measure: most TOAST tables look like this,
    # since autovacuum never visits an empty one.
    db.execute("CREATE TABLE empty_one (id int PRIMARY KEY, body text)")
    snap = take(db.dsn)
    table = snap.table("public", "empty_one")
    assert table is not None and table.size_estimated
    measured = db.execute(
        "SELECT pg_relation_size('empty_one'), pg_relation_size(reltoastrelid)"
        " + (SELECT sum(pg_relation_size(indexrelid)) FROM pg_index"
        "    WHERE indrelid = reltoastrelid),"
        " pg_relation_size('empty_one_pkey') FROM pg_class WHERE relname = 'empty_one'"
    )[0]
    assert (table.table_bytes, table.toast_bytes) == (measured[0], measured[1])
    (pkey,) = snap.indexes
    assert pkey.size_estimated and pkey.size_bytes == measured[2] > 0


def test_constraint_definitions_are_pg_get_constraintdef(db: TestDatabase, take: Take) -> None:
    db.execute(INDEXES)
    db.execute(
        'CREATE TABLE "Ref" ("Key" int PRIMARY KEY, "select" int, other int,'
        ' CONSTRAINT deferred_pair UNIQUE ("select", other) DEFERRABLE INITIALLY DEFERRED,'
        " CONSTRAINT deferrable_one UNIQUE (other) DEFERRABLE,"
        " CONSTRAINT checked CHECK (other > 0),"
        ' CONSTRAINT to_self FOREIGN KEY (other) REFERENCES "Ref" ("Key"));'
        "CREATE TABLE comp (a int, b text, PRIMARY KEY (b, a));"
    )
    if db.major >= 15:
        db.execute("ALTER TABLE comp ADD CONSTRAINT comp_nnd UNIQUE NULLS NOT DISTINCT (a)")
    snap = take(db.dsn)
    assert_server_text(
        db,
        snap.constraints,
        "SELECT oid::bigint, pg_get_constraintdef(oid, true) FROM pg_constraint",
        at_least=9,
    )
    cons = {c.name: c for c in snap.constraints}
    assert cons["comp_pkey"].columns == ["b", "a"] and cons["comp_pkey"].attnums == [2, 1]
    assert cons["to_self"].ref_columns == ["Key"]


def test_rows_sorted_in_python_come_in_the_servers_order(db: TestDatabase, take: Take) -> None:
    # Names of type name compare bytewise on the server; Python must order them the same way.
    names = ["Zeta", "alpha", "Ähm", "émile", "_x", "a b", "A", "zz9", "日本"]
    db.execute(
        'CREATE SCHEMA "Été"; '
        + " ".join(
            f'CREATE TABLE "{n}" (id int PRIMARY KEY, "{n}col" int); '
            f'CREATE TABLE "Été"."{n}" (v int)' + ";"
            for n in names
        )
    )
    snap = take(db.dsn)
    server = db.execute(
        "SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n "
        "ON n.oid = c.relnamespace WHERE c.relkind = 'r' "
        "AND n.nspname IN ('public', 'Été') ORDER BY n.nspname, c.relname"
    )
    assert [(t.schema, t.name) for t in snap.tables] == server
    columns = db.execute(
        "SELECT n.nspname, c.relname, a.attnum FROM pg_attribute a "
        "JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n "
        "ON n.oid = c.relnamespace WHERE c.relkind = 'r' AND a.attnum > 0 "
        "AND n.nspname IN ('public', 'Été') ORDER BY 1, 2, 3"
    )
    assert [(c.schema, c.table, c.attnum) for c in snap.columns] == columns
    assert [(i.schema, i.table, i.name) for i in snap.indexes] == sorted(
        (i.schema, i.table, i.name) for i in snap.indexes
    )


def test_statements_are_handed_to_the_hook_while_the_catalogs_are_read(
    db: TestDatabase, collector: str
) -> None:
    db.execute("CREATE TABLE h (id int); SELECT count(*) FROM h;")
    seen: list[int] = []
    called = threading.Event()

    def hook(statements: list[rows.Statement]) -> None:
        seen.append(len(statements))
        called.set()

    with connect(db.dsn) as conn:
        snap = collect_snapshot(conn, plain=collector == "plain", on_statements=hook)
    assert called.is_set()  # it has returned when the snapshot is
    assert seen == [len(snap.statements)] and seen[0] > 0

    def broken(rows: object) -> None:
        raise RuntimeError("a preparation that fails")

    with connect(db.dsn) as conn:
        again = collect_snapshot(conn, plain=collector == "plain", on_statements=broken)
    assert again.errors == {} and again.statements


def test_rows_per_table_are_grouped_in_the_snapshots_order(db: TestDatabase, take: Take) -> None:
    db.execute(INDEXES)
    snap = take(db.dsn)
    for rows_of, grouped in (
        (snap.indexes, snap.indexes_by_table),
        (snap.columns, snap.columns_by_table),
    ):
        expected: dict[tuple[str, str], list[object]] = {}
        for row in rows_of:
            expected.setdefault((row.schema, row.table), []).append(row)
        assert grouped == expected


@pytest.mark.parametrize("schema_size", ["small", "big"])
def test_both_collectors_read_the_same_snapshot(
    db: TestDatabase, schema_size: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The fast collector's second session reads a small schema's sections in one round trip
    # after the indexes, a big one's one pipeline each (fast.SMALL_SCHEMA_INDEXES): both here.
    from pgsage.db.snapshot import fast as fast_collector

    if schema_size == "big":
        monkeypatch.setattr(fast_collector, "SMALL_SCHEMA_INDEXES", 0)
    db.execute(INDEXES)
    db.execute("CREATE TABLE r (id int PRIMARY KEY, m int REFERENCES r, CHECK (m <> id)); ANALYZE")
    # value_shapes and key_maxima: digests in a text column, a key no sequence fills
    db.execute(
        "CREATE TABLE creds (id smallint PRIMARY KEY, password text); "
        "INSERT INTO creds SELECT g, md5(g::text) FROM generate_series(1, 50) g; ANALYZE creds"
    )
    with connect(db.dsn) as conn:
        fast = collect_snapshot(conn)
    with connect(db.dsn) as conn:
        plain = collect_snapshot(conn, plain=True)
    assert [(v.table, v.column, v.shape) for v in fast.value_shapes] == [
        ("creds", "password", "md5-hex")
    ]
    # far from smallint's limit by the statistics: not probed (a probe counts as a scan);
    # the empty r has no statistics: not listed
    assert [(k.table, k.largest, k.probed) for k in fast.key_maxima] == [("creds", 50, False)]
    # what changes from one moment to the next (the first snapshot's own queries, for one)
    moments: tuple[str, ...] = ("collected_at", "duration_ms", "activity", "database", "statements")
    moments += ("statements_info", "checkpointer", "wal")
    for part in dataclasses.fields(Snapshot):
        if part.name not in moments:
            assert getattr(fast, part.name) == getattr(plain, part.name), part.name
    # pg_stat_statements is installed here: the installable extensions are not read
    assert "pg_stat_statements" in fast.server.installed_extensions
    assert fast.server.available_extensions is None
    assert fast.server.extension_available("pg_stat_statements")


STATISTICS = """
CREATE SCHEMA "Stats Schema";
CREATE TABLE "Stats Schema"."Orders" (
    id smallint PRIMARY KEY, "Status" text, amount numeric, placed date, gone int, flag boolean
);
INSERT INTO "Stats Schema"."Orders"
SELECT g, (ARRAY['new', 'paid', 'shipped'])[g % 3 + 1], g * 1.5, DATE '2025-01-01' + g,
       g, g % 7 = 0
FROM generate_series(1, 9000) g;
ALTER TABLE "Stats Schema"."Orders" DROP COLUMN gone;
CREATE TABLE parent (code int UNIQUE, kind text);
CREATE TABLE child () INHERITS (parent);
INSERT INTO parent SELECT g, 'p' || g % 2 FROM generate_series(1, 500) g;
INSERT INTO child SELECT g, 'c' || g % 3 FROM generate_series(501, 900) g;
CREATE TABLE measures (at date NOT NULL, v int, tag text) PARTITION BY RANGE (at);
CREATE TABLE measures_2025 PARTITION OF measures
    FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
INSERT INTO measures SELECT DATE '2025-01-01' + g % 365, g, 't' || g % 4
FROM generate_series(1, 3000) g;
CREATE MATERIALIZED VIEW totals AS SELECT "Status", count(*) AS n
FROM "Stats Schema"."Orders" GROUP BY 1;
ANALYZE
"""


@pytest.mark.parametrize("section", ["columns", "column_values", "key_maxima"])
def test_a_superuser_reads_pg_statistic_as_pg_stats_shows_it(
    db: TestDatabase, section: str
) -> None:
    # A superuser's session reads pg_statistic directly (the view checks a privilege on every
    # column of the database): the same rows as through pg_stats, which shows it everything.
    from pgsage.db.sqlfiles import load_sql

    db.execute(STATISTICS)
    with connect(db.dsn) as conn:
        (superuser,) = conn.execute(
            "SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = current_user"
        ).fetchone() or (False,)
        assert superuser, "the test servers connect as a superuser"
        read = {
            form: sorted(
                conn.execute(load_sql(section, db.major, superuser=form).encode()).fetchall(),
                key=repr,
            )
            for form in (True, False)
        }
    assert read[True] == read[False]
    assert len(read[True]) >= {"columns": 15, "column_values": 4, "key_maxima": 2}[section]
    if section == "columns":  # statistics, and a correlation, for most of them
        assert sum(row[13] is not None and row[15] is not None for row in read[True]) >= 12
    if section == "key_maxima":  # one near its type's limit by the statistics, one far
        assert {(row[1], row[5]) for row in read[True]} >= {("Orders", True), ("parent", False)}
