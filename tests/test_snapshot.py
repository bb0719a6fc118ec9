"""The catalog snapshot against real servers: every section typed and filled, JSON round trip,
one failing section recorded without losing the others."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg import conninfo

from pgharness import TestDatabase
from pgsage.checks.base import Check, CheckDocs
from pgsage.checks.runner import run_checks, select_checks
from pgsage.db.connect import SessionOptions, connect
from pgsage.db.serverinfo import check_supported
from pgsage.db.snapshot import Snapshot, collect_snapshot
from pgsage.errors import UnsupportedServer
from pgsage.model import Finding, Severity, Status

SCHEMA = """
CREATE SCHEMA "Sales";
CREATE TABLE "Sales"."Orders" (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    customer_id int NOT NULL,
    status text NOT NULL DEFAULT 'new',
    total numeric(12, 2) CHECK (total >= 0),
    payload jsonb,
    created_at timestamptz NOT NULL DEFAULT now()
) WITH (autovacuum_vacuum_scale_factor = 0.01);
CREATE TABLE customers (id serial PRIMARY KEY, email text UNIQUE);
ALTER TABLE "Sales"."Orders" ADD CONSTRAINT orders_customer_fk
    FOREIGN KEY (customer_id) REFERENCES customers (id) NOT VALID;
CREATE INDEX orders_status_created ON "Sales"."Orders" (status, created_at DESC)
    INCLUDE (total) WHERE status <> 'done';
CREATE INDEX orders_lower_status ON "Sales"."Orders" (lower(status) text_pattern_ops);
CREATE TABLE events (id bigint, at timestamptz NOT NULL) PARTITION BY RANGE (at);
CREATE TABLE events_2025 PARTITION OF events FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
CREATE SEQUENCE small_seq AS smallint;
INSERT INTO customers (email) SELECT 'c' || g || '@x.org' FROM generate_series(1, 100) g;
INSERT INTO "Sales"."Orders" (customer_id, total, payload)
SELECT 1 + g % 100, g, jsonb_build_object('k', g) FROM generate_series(1, 500) g;
ANALYZE;
SELECT count(*) FROM customers WHERE email = 'c1@x.org';
"""


def take(dsn: str, **options: int) -> Snapshot:
    with connect(dsn, SessionOptions(**options)) as conn:  # type: ignore[arg-type]
        return collect_snapshot(conn)


def test_sections_are_collected_and_typed(db: TestDatabase) -> None:
    db.execute(SCHEMA)
    snap = take(db.dsn)
    assert snap.errors == {}
    assert snap.server.major == db.major
    assert snap.database is not None and snap.database.name == db.name
    assert snap.setting("max_connections") is not None
    orders = snap.table("Sales", "Orders")
    assert orders is not None
    assert orders.reltuples == 500 and orders.n_tup_ins == 500
    assert orders.reloptions == ["autovacuum_vacuum_scale_factor=0.01"]
    assert snap.table("public", "events").kind == "p"  # type: ignore[union-attr]
    part = snap.table("public", "events_2025")
    assert part is not None and part.is_partition and part.parent == "public.events"
    cols = {c.name: c for c in snap.columns_by_table[("Sales", "Orders")]}
    assert cols["id"].identity == "a" and cols["total"].type == "numeric(12,2)"
    assert cols["status"].default_expr == "'new'::text"
    assert cols["customer_id"].n_distinct == pytest.approx(-0.2)  # 100 values in 500 rows
    idx = {i.name: i for i in snap.indexes_by_table[("Sales", "Orders")]}
    partial = idx["orders_status_created"]
    assert partial.key_columns == ["status", "created_at"]
    assert partial.include_columns == ["total"]
    assert partial.options == [0, 3]  # created_at DESC (NULLS FIRST by default)
    assert partial.predicate == "status <> 'done'::text"
    assert idx["orders_lower_status"].key_attnums == [0]
    assert idx["orders_lower_status"].opclasses == ["text_pattern_ops"]
    assert idx["Orders_pkey"].is_primary and idx["Orders_pkey"].constraint_type == "p"
    cons = {c.name: c for c in snap.constraints}
    fk = cons["orders_customer_fk"]
    assert (fk.type, fk.validated, fk.columns, fk.ref_table, fk.ref_columns) == (
        "f",
        False,
        ["customer_id"],
        "customers",
        ["id"],
    )
    assert any(c.type == "c" and c.table == "Orders" for c in snap.constraints)
    seqs = {s.name: s for s in snap.sequences}
    assert seqs["Orders_id_seq"].is_identity and seqs["Orders_id_seq"].last_value == 500
    assert seqs["customers_id_seq"].owner_column == "id"
    assert not seqs["customers_id_seq"].is_identity
    assert seqs["small_seq"].max_value == 32767 and seqs["small_seq"].owner_table is None
    assert snap.statements_info.status == "ok"
    assert any("customers" in s.query and s.calls >= 1 for s in snap.statements)
    assert {e.name for e in snap.extensions} >= {"pg_stat_statements", "plpgsql"}


def test_json_round_trip(db: TestDatabase, tmp_path: Path) -> None:
    db.execute(SCHEMA)
    snap = take(db.dsn)
    path = tmp_path / "snap.json"
    snap.save(path)
    assert Snapshot.load(path) == snap


@pytest.mark.extensions("vector")
def test_vector_columns_and_index_options(db: TestDatabase) -> None:
    db.execute("""
        CREATE EXTENSION vector;
        CREATE TABLE knowledge_embeddings (id bigserial PRIMARY KEY, embedding vector(3));
        INSERT INTO knowledge_embeddings (embedding)
        SELECT ARRAY[random(), random(), random()]::vector FROM generate_series(1, 200);
        CREATE INDEX ke_ivf ON knowledge_embeddings USING ivfflat (embedding vector_cosine_ops)
            WITH (lists = 10);
        CREATE INDEX ke_hnsw ON knowledge_embeddings USING hnsw (embedding vector_l2_ops)
            WITH (m = 8, ef_construction = 32);
    """)
    snap = take(db.dsn)
    [vec] = snap.vector_columns
    assert (vec.table, vec.column, vec.dimensions) == ("knowledge_embeddings", "embedding", 3)
    assert vec.indexes == ["ke_hnsw", "ke_ivf"]
    idx = {i.name: i for i in snap.indexes}
    assert idx["ke_ivf"].method == "ivfflat" and idx["ke_ivf"].reloptions == ["lists=10"]
    assert idx["ke_hnsw"].opclasses == ["vector_l2_ops"]


def test_activity_sees_waiting_sessions(db: TestDatabase) -> None:
    db.execute("CREATE TABLE t (id int)")
    holder = psycopg.connect(db.dsn)
    holder.execute("LOCK TABLE t IN ACCESS EXCLUSIVE MODE")
    waiter_done = threading.Event()

    def wait_for_lock() -> None:
        with psycopg.connect(db.dsn, autocommit=True) as conn:
            conn.execute("SET lock_timeout = '5s'")
            with contextlib.suppress(psycopg.errors.LockNotAvailable):
                conn.execute("SELECT * FROM t")
        waiter_done.set()

    thread = threading.Thread(target=wait_for_lock)
    thread.start()
    try:
        for _ in range(50):
            snap = take(db.dsn)
            blocked = [s for s in snap.activity if s.blocked_by]
            if blocked:
                break
            threading.Event().wait(0.1)
        holder_pid = holder.info.backend_pid
        assert blocked and blocked[0].blocked_by == [holder_pid]
        assert blocked[0].wait_event_type == "Lock"
    finally:
        holder.rollback()
        holder.close()
        thread.join()


def test_a_locked_table_is_left_out_and_named(db: TestDatabase) -> None:
    # Reading a table's index definitions or size needs an AccessShareLock, which would queue
    # behind a running ALTER TABLE: such tables are left out, and the snapshot says so.
    db.execute(
        "CREATE TABLE a (id int PRIMARY KEY, v int); CREATE INDEX a_v ON a (v);"
        "CREATE INDEX a_v2 ON a (v);"
        "CREATE TABLE b (id int PRIMARY KEY, v int); CREATE INDEX b_v ON b (v);"
        "CREATE INDEX b_v2 ON b (v)"
    )
    holder = psycopg.connect(db.dsn)
    holder.execute("LOCK TABLE a IN ACCESS EXCLUSIVE MODE")
    try:
        snap = take(db.dsn, lock_timeout_ms=200)
    finally:
        holder.rollback()
        holder.close()
    assert snap.errors == {}
    assert [(r.name, r.granted) for r in snap.locked] == [("a", True)]
    assert snap.table("public", "a") is None and snap.table("public", "b") is not None
    report = run_checks(snap, select_checks(["indexes"]))
    assert [str(f.object) for f in report.findings] == ["public.b_v2 on public.b"]
    assert report.server is not None
    assert report.server.locked_relations == ("public.a",)


def test_a_failing_section_costs_only_the_checks_that_need_it(db: TestDatabase) -> None:
    db.execute(
        "CREATE TABLE b (id int PRIMARY KEY, v int); CREATE INDEX b_v ON b (v);"
        "CREATE INDEX b_v2 ON b (v);"
        "CREATE ROLE pgsage_nosize LOGIN;"
        "REVOKE EXECUTE ON FUNCTION pg_stat_get_live_tuples(oid) FROM PUBLIC"
    )
    params = conninfo.conninfo_to_dict(db.dsn)
    params["user"] = "pgsage_nosize"
    try:
        snap = take(conninfo.make_conninfo("", **{k: v for k, v in params.items() if v}))
    finally:
        db.execute("DROP ROLE pgsage_nosize")
    assert "permission denied" in snap.errors["tables"]
    assert snap.tables == [] and snap.indexes
    report = run_checks(snap, select_checks())
    status = {r.check: r for r in report.results}
    assert status["fk-without-index"].status == Status.SKIPPED
    assert "cannot read tables" in (status["fk-without-index"].reason or "")
    assert "GRANT pg_monitor TO pgsage_nosize" in (status["fk-without-index"].reason or "")
    assert status["duplicate-index"].status == Status.FINDINGS


def test_a_crashing_check_is_an_error_result_not_a_lost_report(db: TestDatabase) -> None:
    db.execute(
        "CREATE TABLE b (id int, v int); CREATE INDEX b_v ON b (v); CREATE INDEX b_v2 ON b (v)"
    )
    snap = take(db.dsn)

    class Broken(Check):
        id = "test-broken"
        category = "indexes"
        severity = Severity.INFO
        title = "always fails"
        docs = CheckDocs("", "", "")

        def evaluate(self, snapshot: Snapshot, params: Mapping[str, Any]) -> list[Finding]:
            raise RuntimeError("boom")

    try:
        report = run_checks(snap, select_checks(["indexes"]))
    finally:
        del Check.registry["test-broken"]
    status = {r.check: r for r in report.results}
    assert status["test-broken"].status == Status.ERROR
    assert status["test-broken"].reason == "RuntimeError: boom"
    assert [f.check for f in report.findings] == ["duplicate-index"]


def test_versions_older_than_13_are_refused() -> None:
    for old in (90624, 110000, 120015):
        with pytest.raises(UnsupportedServer, match="needs PostgreSQL 13 or newer"):
            check_supported(old)
    check_supported(130000)


def test_session_is_read_only_with_timeouts(db: TestDatabase) -> None:
    with connect(db.dsn, SessionOptions(statement_timeout_ms=1234, lock_timeout_ms=567)) as conn:
        settings = conn.execute(
            "SELECT current_setting('default_transaction_read_only'), "
            "current_setting('statement_timeout'), current_setting('lock_timeout'), "
            "current_setting('application_name')"
        ).fetchone()
        assert settings == ("on", "1234ms", "567ms", "pgsage")
        with pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
            conn.execute("CREATE TABLE should_not_exist (id int)")


def test_preloaded_libraries_are_read_where_pg_settings_shows_them(db: TestDatabase) -> None:
    # serverinfo reads shared_preload_libraries without scanning pg_settings: a role that
    # pg_settings hides it from gets None, one with pg_read_all_settings the server's list.
    from pgsage.db.serverinfo import fetch_server_info

    db.execute(
        "CREATE ROLE pgsage_plain LOGIN; CREATE ROLE pgsage_settings LOGIN;"
        "GRANT pg_read_all_settings TO pgsage_settings"
    )
    params = conninfo.conninfo_to_dict(db.dsn)
    seen: dict[str, Any] = {}
    try:
        for role in ("pgsage_plain", "pgsage_settings", str(params.get("user") or "")):
            as_role = {**params, "user": role} if role else params
            dsn = conninfo.make_conninfo("", **{k: v for k, v in as_role.items() if v})
            with psycopg.connect(dsn, autocommit=True) as conn:
                listed = conn.execute(
                    "SELECT setting FROM pg_catalog.pg_settings"
                    " WHERE name = 'shared_preload_libraries'"
                ).fetchone()
                info = fetch_server_info(conn)
            seen[role] = (listed, info.shared_preload_libraries)
    finally:
        db.execute("DROP ROLE pgsage_plain; DROP ROLE pgsage_settings")
    assert seen["pgsage_plain"] == (None, None)
    for listed, libraries in seen.values():
        if listed is not None:
            assert libraries == [
                lib.strip().strip('"') for lib in str(listed[0]).split(",") if lib.strip()
            ]
    assert seen["pgsage_settings"][0] is not None


def _catalog_parts(snap: Snapshot) -> tuple[Any, ...]:
    return snap.tables, snap.indexes, snap.columns, snap.constraints, snap.errors


def test_the_second_session_reads_the_same_moment(db: TestDatabase) -> None:
    db.execute(
        "CREATE TABLE p (id int PRIMARY KEY, v text CHECK (v <> ''));"
        "CREATE TABLE c (id int PRIMARY KEY, p_id int REFERENCES p, w int);"
        "CREATE INDEX c_w ON c (w) WHERE w > 0; ANALYZE"
    )
    with connect(db.dsn) as conn:
        parallel = collect_snapshot(conn)
    with connect(db.dsn) as conn:
        serial = collect_snapshot(conn, parallel=False)
    with connect(db.dsn) as conn:
        plain = collect_snapshot(conn, plain=True)
    assert _catalog_parts(parallel) == _catalog_parts(serial) == _catalog_parts(plain)
    assert {i.name for i in parallel.indexes} >= {"p_pkey", "c_pkey", "c_w"}


def test_a_refused_second_session_falls_back_to_one(db: TestDatabase) -> None:
    # A role allowed one connection: the companion session is refused, the snapshot whole.
    db.execute(
        "CREATE TABLE t (id int PRIMARY KEY); CREATE INDEX t_id ON t (id);"
        "CREATE ROLE pgsage_one_conn LOGIN CONNECTION LIMIT 1;"
        "GRANT pg_monitor TO pgsage_one_conn"
    )
    params = conninfo.conninfo_to_dict(db.dsn)
    params["user"] = "pgsage_one_conn"
    try:
        with connect(conninfo.make_conninfo("", **{k: v for k, v in params.items() if v})) as conn:
            snap = collect_snapshot(conn)
    finally:
        db.execute("DROP OWNED BY pgsage_one_conn; DROP ROLE pgsage_one_conn")
    assert set(snap.errors) <= {"hba_rules", "role_passwords"}  # superuser-only views
    assert {i.name for i in snap.indexes} == {"t_pkey", "t_id"}
    assert snap.columns and snap.constraints


def test_a_failed_section_in_a_pipeline_leaves_the_others_read(db: TestDatabase) -> None:
    # The fast collector sends many sections in one pipeline (db/snapshot/pipelined.py): one
    # that fails is recorded, and the ones before and after it are read in the same transaction.
    from pgsage.db.serverinfo import fetch_server_info
    from pgsage.db.snapshot.pipelined import read_pipelined
    from pgsage.db.snapshot.sections import SessionReader

    queries = [
        ("first", b"SELECT 1 AS one"),
        ("broken", b"SELECT 1 / 0"),
        ("missing", b"SELECT * FROM no_such_table"),
        ("last", b"SELECT 'x' AS two, 2 AS three"),
    ]
    with connect(db.dsn) as conn:
        reader = SessionReader(conn, fetch_server_info(conn))
        conn.autocommit = False
        with conn.transaction():
            found = read_pipelined(reader, queries)
            assert conn.execute("SELECT 42").fetchone() == (42,)  # the transaction lives on
            with pytest.raises(psycopg.errors.UndefinedObject):  # a failed prelude is raised
                read_pipelined(
                    reader, queries[:1], prelude=(b"SELECT set_config('no_such', '', true)",)
                )
    assert found == {"first": (["one"], [(1,)]), "last": (["two", "three"], [("x", 2)])}
    assert set(reader.errors) == {"broken", "missing"}
    assert "division by zero" in reader.errors["broken"]
