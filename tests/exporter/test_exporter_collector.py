"""The exporter's collector against real servers (PG 18 and PG 15)."""

from __future__ import annotations

import socket
import threading
import time

import psycopg
import pytest
from exporter_helpers import scrape, scrape_with
from psycopg import conninfo

from pgharness import TestDatabase
from pgsage.exporter.collector import DatabaseCollector, ExporterOptions

GROUPS_EVERYWHERE = (
    "server",
    "activity",
    "databases",
    "replication",
    "wal",
    "checkpoints",
    "statements",
    "tables",
    "sequences",
    "vector",
    "size",
)


def test_every_group_collects_and_the_figures_are_the_database_s(db: TestDatabase) -> None:
    db.execute("""
        CREATE TABLE orders (id serial PRIMARY KEY, note text);
        INSERT INTO orders (note) SELECT 'n' || g FROM generate_series(1, 2000) g;
        DELETE FROM orders WHERE id <= 1500;
        SELECT count(*) FROM orders WHERE note = 'n7';
    """)
    result = scrape(db.dsn)
    assert result.value("pgsage_up") == 1
    for group in GROUPS_EVERYWHERE:
        assert result.value("pgsage_exporter_collector_success", collector=group) == 1, group
    assert result.value("pgsage_server_version_num") // 10000 == db.major
    assert result.value("pgsage_server_info", database=db.name) == 1
    assert result.value("pgsage_max_connections") == 60
    assert 0 < result.value("pgsage_connections_used_ratio") < 1
    assert result.value("pgsage_connections", state="active") >= 1
    assert result.value("pgsage_table_dead_tuples", schema="public", table="orders") == 1500
    assert result.value("pgsage_table_live_tuples", schema="public", table="orders") == 500
    assert result.value(
        "pgsage_table_dead_tuple_ratio", schema="public", table="orders"
    ) == pytest.approx(0.75)
    assert result.value("pgsage_table_size_bytes", schema="public", table="orders") > 8192
    assert result.value("pgsage_table_seq_scans_total", schema="public", table="orders") >= 1
    # serial feeds an integer column: its reachable limit is 2^31 - 1
    assert (
        result.value("pgsage_sequence_max_value", schema="public", sequence="orders_id_seq")
        == 2**31 - 1
    )
    assert (
        result.value("pgsage_sequence_last_value", schema="public", sequence="orders_id_seq")
        == 2000
    )
    assert result.value("pgsage_database_xact_commit_total", database=db.name) > 0
    assert result.value("pgsage_database_xid_age", database=db.name) > 0
    assert result.value("pgsage_statements_calls_total") > 0
    assert result.value("pgsage_wal_bytes_total") > 0
    assert result.value("pgsage_checkpoints_timed_total") >= 0
    assert result.value("pgsage_database_size_bytes", database=db.name) > 0
    assert result.value("pgsage_tables") == 1


def test_no_statement_text_unless_asked(db: TestDatabase) -> None:
    db.execute("SELECT 'secret-customer-name' AS who")
    plain = scrape(db.dsn)
    assert "secret" not in plain.text and "query=" not in plain.text
    assert plain.values("pgsage_statement_calls_total")
    assert all(
        set(labels) == {"queryid"} for labels in plain.labels("pgsage_statement_calls_total")
    )
    with_text = scrape(db.dsn, include_query_text=True)
    texts = [labels["query"] for labels in with_text.labels("pgsage_statement_info")]
    assert any("AS who" in text for text in texts)  # normalised: the constant became $1
    assert not any("secret-customer-name" in text for text in texts)


def test_per_object_series_are_bounded(db: TestDatabase) -> None:
    db.execute(
        "DO $$ BEGIN FOR i IN 1..30 LOOP "
        "EXECUTE format('CREATE TABLE t%s (id int GENERATED ALWAYS AS IDENTITY, v int)', i);"
        " END LOOP; END $$"
    )
    db.execute("INSERT INTO t7 (v) SELECT g FROM generate_series(1, 5000) g")
    db.execute("DELETE FROM t3 WHERE true; INSERT INTO t3 (v) VALUES (1); DELETE FROM t3")
    result = scrape(db.dsn, top_tables=4, top_sequences=3, top_statements=2)
    assert result.value("pgsage_tables") == 30
    reported = result.labels("pgsage_table_dead_tuples")
    assert len(reported) == result.value("pgsage_tables_reported") <= 8
    assert {"schema": "public", "table": "t7"} in reported  # the largest
    assert {"schema": "public", "table": "t3"} in reported  # the one with dead rows
    assert len(result.labels("pgsage_sequence_used_ratio")) == 3
    assert len(result.labels("pgsage_statement_calls_total")) == 2
    assert result.value("pgsage_exporter_top_k", kind="tables") == 4


def test_open_transaction_and_lock_wait_are_seen(db: TestDatabase) -> None:
    db.execute("CREATE TABLE t (id int)")
    with psycopg.connect(db.dsn) as holder:
        holder.execute("LOCK TABLE t IN ACCESS EXCLUSIVE MODE")
        # A reader queued behind the lock, as behind a running ALTER TABLE.
        waiter = threading.Thread(target=db.execute, args=("SELECT count(*) FROM t",))
        waiter.start()
        time.sleep(1.2)
        result = scrape(db.dsn, budget_s=3.0)
        holder.rollback()
        waiter.join()
    assert result.value("pgsage_oldest_transaction_seconds") >= 1.0
    assert result.value("pgsage_idle_in_transaction_connections") >= 1
    assert result.value("pgsage_oldest_idle_in_transaction_seconds") >= 1.0
    assert result.value("pgsage_lock_waits") >= 1
    # the locked table is listed, but its size is not measured (that would queue behind it)
    assert result.values("pgsage_table_live_tuples", table="t") == [0]
    assert result.values("pgsage_table_size_bytes", table="t") == []
    assert result.value("pgsage_exporter_collector_success", collector="tables") == 1


def test_budget_cuts_the_scrape_without_failing_it(db: TestDatabase) -> None:
    result = scrape(db.dsn, budget_s=0.001)
    assert result.value("pgsage_exporter_collector_success", collector="server") == 0
    assert result.value("pgsage_up") == 0
    assert result.value("pgsage_exporter_scrape_budget_seconds") == 0.001


def test_missing_pg_stat_statements_leaves_the_rest(db: TestDatabase) -> None:
    db.execute("DROP EXTENSION pg_stat_statements")
    result = scrape(db.dsn)
    assert result.value("pgsage_up") == 1
    assert result.values("pgsage_exporter_collector_success", collector="statements") == []
    assert result.value("pgsage_exporter_collector_success", collector="tables") == 1
    assert "pgsage_statements_calls" not in result.families


def test_unreachable_database_is_reported_not_raised(db: TestDatabase) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    dsn = conninfo.make_conninfo(db.dsn, port=port, host="127.0.0.1")
    result = scrape(dsn, budget_s=2.0)
    assert result.value("pgsage_up") == 0
    assert result.values("pgsage_connections") == []


def test_inactive_slot_and_its_retained_wal(db: TestDatabase) -> None:
    slot = f"pgsage_exporter_{db.name}"
    db.execute("SELECT pg_create_physical_replication_slot(%s, true)", [slot])
    try:
        db.execute("CREATE TABLE filler AS SELECT g FROM generate_series(1, 20000) g")
        result = scrape(db.dsn)
    finally:
        db.execute("SELECT pg_drop_replication_slot(%s)", [slot])
    assert result.value("pgsage_replication_slot_active", slot_name=slot) == 0
    assert result.value("pgsage_replication_slot_retained_bytes", slot_name=slot) > 0
    assert result.value("pgsage_replication_standbys") == 0


@pytest.mark.extensions("vector")
def test_vector_indexes(db: TestDatabase) -> None:
    db.execute("""
        CREATE EXTENSION vector;
        CREATE TABLE items (id bigint PRIMARY KEY, embedding vector(3));
        INSERT INTO items SELECT g, ARRAY[g, g + 1, g + 2]::vector FROM generate_series(1, 500) g;
        CREATE INDEX items_embedding_hnsw ON items USING hnsw (embedding vector_l2_ops);
        ANALYZE items;
        SET enable_seqscan = off;
        SELECT id FROM items ORDER BY embedding <-> '[1,2,3]' LIMIT 5;
    """)
    result = scrape(db.dsn)
    assert result.value("pgsage_vector_indexes") == 1
    labels = {
        "schema": "public",
        "table": "items",
        "index": "items_embedding_hnsw",
        "method": "hnsw",
    }
    assert result.value("pgsage_vector_index_size_bytes", **labels) > 0
    assert result.value("pgsage_vector_index_rows", **labels) == 500
    assert result.value("pgsage_vector_index_scans_total", **labels) >= 1


def test_no_per_table_series_still_counts_the_tables(db: TestDatabase) -> None:
    db.execute("CREATE TABLE a (id int); CREATE TABLE b (id int)")
    result = scrape(db.dsn, top_tables=0)
    assert result.value("pgsage_tables") == 2
    assert result.value("pgsage_tables_reported") == 0
    assert result.values("pgsage_table_dead_tuples") == []


def test_costly_catalog_facts_are_refreshed_on_their_interval(db: TestDatabase) -> None:
    cached = DatabaseCollector(db.dsn)
    fresh = DatabaseCollector(db.dsn, ExporterOptions(catalog_interval_s=0, size_interval_s=0))
    scrape_with(cached)
    scrape_with(fresh)
    db.execute("CREATE SEQUENCE late AS integer; SELECT nextval('late')")
    assert scrape_with(cached).values("pgsage_sequence_last_value", sequence="late") == []
    assert scrape_with(fresh).value("pgsage_sequence_last_value", sequence="late") == 1


def test_a_plain_role_without_privileges_gets_every_group(db: TestDatabase) -> None:
    """No superuser, no pg_monitor: figures about other roles' sessions and statements are
    hidden by PostgreSQL, but no group fails."""
    role = f"plain_{db.name}"
    db.execute(
        f'CREATE ROLE "{role}" LOGIN; CREATE TABLE t (id serial PRIMARY KEY);'
        "INSERT INTO t DEFAULT VALUES"
    )
    try:
        result = scrape(conninfo.make_conninfo(db.dsn, user=role))
        assert result.value("pgsage_up") == 1
        for group in GROUPS_EVERYWHERE:
            assert result.value("pgsage_exporter_collector_success", collector=group) == 1, group
        assert result.value("pgsage_table_live_tuples", schema="public", table="t") == 1
        # the sequence belongs to the superuser: its position is unknown, so no sample
        assert result.values("pgsage_sequence_used_ratio", sequence="t_id_seq") == []
    finally:
        db.execute(f'DROP ROLE IF EXISTS "{role}"')


def test_checkpoints_come_from_the_version_s_view(db: TestDatabase) -> None:
    """pg_stat_checkpointer on 17+, pg_stat_bgwriter before: a CHECKPOINT is counted."""
    view = (
        "SELECT num_requested::float8, buffers_written::float8 FROM pg_stat_checkpointer"
        if db.major >= 17
        else "SELECT checkpoints_req::float8, buffers_checkpoint::float8 FROM pg_stat_bgwriter"
    )
    before = scrape(db.dsn).value("pgsage_checkpoints_requested_total")
    db.execute("CREATE TABLE dirty AS SELECT g FROM generate_series(1, 10000) g; CHECKPOINT")
    deadline = time.monotonic() + 10
    while True:  # the checkpointer reports its counters just after the checkpoint
        low = db.execute(view)[0]
        result = scrape(db.dsn)
        high = db.execute(view)[0]
        requested = result.value("pgsage_checkpoints_requested_total")
        if requested > before or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert result.value("pgsage_exporter_collector_success", collector="checkpoints") == 1
    assert low[0] <= requested <= high[0] and requested >= before + 1
    written = result.value("pgsage_checkpoint_buffers_written_total")
    assert low[1] <= written <= high[1] and written > 0
    assert result.value("pgsage_checkpoint_write_seconds_total") >= 0


def test_a_connection_killed_during_scrapes_is_reported_not_raised(db: TestDatabase) -> None:
    """Another session terminates the exporter's backend again and again while it scrapes:
    every scrape returns (pgsage_up 0 or a failed group), none raises, and the first scrape
    after the killing stops is whole again."""
    collector = DatabaseCollector(db.dsn, ExporterOptions(catalog_interval_s=0, size_interval_s=0))
    stop = threading.Event()
    kills = 0

    def killer() -> None:
        nonlocal kills
        with psycopg.connect(db.dsn, autocommit=True) as conn:
            while not stop.is_set():
                kills += conn.execute(
                    "SELECT count(*) FROM pg_stat_activity, pg_terminate_backend(pid) "
                    "WHERE application_name = 'pgsage-exporter'"
                ).fetchone()[0]  # type: ignore[index]
                time.sleep(0.002)

    thread = threading.Thread(target=killer, daemon=True)
    thread.start()
    outcomes = set()
    try:
        for _ in range(300):  # until a kill lands inside a scrape (the first few do, as a rule)
            families = {f.name: f for f in collector.scrape()}
            up = families["pgsage_up"].samples[0].value
            failed = [
                s.labels["collector"]
                for s in families["pgsage_exporter_collector_success"].samples
                if s.value == 0
            ]
            outcomes.add("down" if up == 0 else "partial" if failed else "whole")
            if outcomes - {"whole"}:
                break
    finally:
        stop.set()
        thread.join()
    assert kills > 0
    assert outcomes & {"down", "partial"}, outcomes
    families = {f.name: f for f in collector.scrape()}
    assert families["pgsage_up"].samples[0].value == 1
    assert all(s.value == 1 for s in families["pgsage_exporter_collector_success"].samples)
