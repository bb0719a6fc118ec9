"""The demo database: built for real on both servers at a small scale, problems checked in the
catalog and by the audit, the workload checked in pg_stat_statements."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from casefiles import subject
from pgharness import TestDatabase
from pgsage.checks import all_checks
from pgsage.checks.base import Check
from pgsage.checks.runner import run_checks
from pgsage.db.cluster import free_port
from pgsage.db.connect import connect
from pgsage.db.snapshot import collect_snapshot
from pgsage.demo import (
    DEMO_TABLES,
    PLANTED_PROBLEMS,
    DemoStats,
    build_demo,
    planted_problems,
    run_workload,
)
from pgsage.demo.build import demo_sql
from pgsage.demo.data import Clock, DemoData, row_counts
from pgsage.demo.workload import MIX
from pgsage.errors import PgsageError, UsageError

SCALE = 0.01
INT4_MAX = 2**31 - 1


def table_counts(db: TestDatabase) -> dict[str, int]:
    counts = {}
    for table in DEMO_TABLES:
        rows = db.execute(f'SELECT count(*) FROM "{table}"')  # noqa: S608 - our table names
        counts[table] = int(rows[0][0])
    return counts


def has_vector(db: TestDatabase) -> bool:
    rows = db.execute(
        "SELECT udt_name FROM information_schema.columns WHERE table_name = "
        "'knowledge_embeddings' AND column_name = 'embedding'"
    )
    return bool(rows[0][0] == "vector")


# -- without a server ------------------------------------------------------------------------
def test_data_is_deterministic_for_a_seed() -> None:
    clock = Clock.at(datetime(2025, 6, 1, 12, 30, tzinfo=UTC))

    def dump(seed: int) -> dict[str, str]:
        data = DemoData(SCALE, seed, clock)
        return {t.name: "".join(t.chunks()) for t in data.tables()}

    first, again, other = dump(42), dump(42), dump(7)
    assert first == again
    assert first["users"] != other["users"]
    assert first["site_visits"].count("\n") == row_counts(SCALE)["site_visits"]
    # COPY text: every row has as many fields as the table has columns.
    for table in DemoData(SCALE, 42, clock).tables():
        widths = {line.count("\t") + 1 for line in first[table.name].splitlines()}
        assert widths == {len(table.columns)}, table.name


def test_scale_multiplies_row_counts() -> None:
    full, small = row_counts(1.0), row_counts(SCALE)
    assert 1_900_000 <= sum(full.values()) <= 2_100_000
    assert full["site_visits"] == 900_000
    assert small["site_visits"] == 9_000


def test_sql_files_keep_the_lines_for_the_vector_case() -> None:
    with_vector, without = demo_sql("schema", vector=True), demo_sql("schema", vector=False)
    assert "embedding vector(384)," in with_vector and "real[]" not in with_vector
    assert "embedding real[]," in without and "vector(384)" not in without
    assert "ivfflat" not in demo_sql("problems", vector=False)


def test_planted_problems_are_listed_once() -> None:
    assert len(set(PLANTED_PROBLEMS)) == len(PLANTED_PROBLEMS)
    assert len(planted_problems(has_vector=False)) == len(PLANTED_PROBLEMS) - 1
    assert len(MIX) >= 30


# -- on the servers --------------------------------------------------------------------------
def test_build_plants_every_problem_and_fills_pg_stat_statements(db: TestDatabase) -> None:
    messages: list[str] = []
    stats = build_demo(db.dsn, scale=SCALE, progress=messages.append)
    assert isinstance(stats, DemoStats)
    assert stats.tables == len(DEMO_TABLES)
    assert stats.rows > 15_000
    assert stats.statements > 1_000
    assert stats.load_seconds > 0 and stats.workload_seconds > 0
    assert any("loading site_visits" in m for m in messages)
    vector = has_vector(db)
    # The embedded PG 18 ships pgvector, Debian's PG 15 does not: both paths are covered.
    assert vector == ("vector" in db.server.available_extensions)

    # The invalid index from the failed CREATE UNIQUE INDEX CONCURRENTLY.
    assert db.execute(
        "SELECT indisvalid, indisunique FROM pg_index "
        "WHERE indexrelid = 'uq_daily_stats_stat_date'::regclass"
    ) == [(False, True)]
    # Duplicates: the same definition under two names.
    defs = dict(
        db.execute(
            "SELECT indexname, regexp_replace(indexdef, '^CREATE (UNIQUE )?INDEX \\S+', '') "
            "FROM pg_indexes WHERE schemaname = 'public'"
        )
    )
    assert defs["idx_users_telegram_id"] == defs["users_telegram_id_key"]
    assert defs["ix_bot_logs_created_at"] == defs["idx_bot_logs_created_at"]
    # Prefix-redundant and unused indexes.
    assert "(visit_date)" in defs["idx_site_visits_visit_date"]
    assert "(visit_date, page_path)" in defs["idx_site_visits_visit_date_page_path"]
    assert db.execute(
        "SELECT idx_scan FROM pg_stat_user_indexes "
        "WHERE indexrelname = 'idx_dialog_messages_sender_timestamp'"
    ) == [(0,)]
    # Foreign keys that no index leads with.
    for table, column in (
        ("ai_requests", "application_id"),
        ("knowledge_embeddings", "document_id"),
    ):
        assert db.execute(
            "SELECT count(*) FROM pg_constraint WHERE conname = %s", [f"{table}_{column}_fkey"]
        ) == [(1,)]
        leading = db.execute(
            "SELECT count(*) FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid "
            "AND a.attnum = i.indkey[0] WHERE i.indrelid = %s::regclass AND a.attname = %s",
            [table, column],
        )
        assert leading == [(0,)], (table, column)
    # No primary key, a NOT VALID check, a far-along int4 sequence.
    assert db.execute(
        "SELECT count(*) FROM pg_constraint WHERE conrelid = "
        "'daily_stats'::regclass AND contype = 'p'"
    ) == [(0,)]
    assert db.execute(
        "SELECT convalidated FROM pg_constraint WHERE conname = 'services_price_check'"
    ) == [(False,)]
    seq = db.execute(
        "SELECT data_type, last_value FROM pg_sequences WHERE sequencename = 'bot_logs_id_seq'"
    )
    assert seq[0][0] == "integer" and seq[0][1] > 0.8 * INT4_MAX
    # Autovacuum off on dialogs, and dead tuples piling up there.
    options = db.execute("SELECT reloptions FROM pg_class WHERE oid = 'dialogs'::regclass")
    assert "autovacuum_enabled=false" in options[0][0]
    assert (
        db.execute("SELECT n_dead_tup FROM pg_stat_user_tables WHERE relname = 'dialogs'")[0][0]
        > 100
    )
    if vector:
        assert db.execute(
            "SELECT am.amname, c.reloptions FROM pg_class c JOIN pg_am am ON am.oid = c.relam "
            "WHERE c.relname = 'knowledge_embeddings_embedding_l2_idx'"
        ) == [("ivfflat", ["lists=1000"])]

    # The workload is in pg_stat_statements, one entry per statement shape.
    touched = db.execute(
        "SELECT count(*) FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid "
        "WHERE d.datname = current_database() AND s.calls > 0 AND s.query ~* %s",
        [r"\m(" + "|".join(DEMO_TABLES) + r")\M"],
    )
    assert touched[0][0] >= 30
    nplus1 = db.execute(
        "SELECT calls FROM pg_stat_statements WHERE dbid = (SELECT oid FROM "
        "pg_database WHERE datname = current_database()) "
        "AND query LIKE '%%FROM dialog_messages WHERE dialog_id = $1%%'"
    )
    assert len(nplus1) == 1 and nplus1[0][0] > 30  # one query per dialog

    # pgsage's own audit reports each planted problem that it has a check for.
    with connect(db.dsn) as conn:
        snapshot = collect_snapshot(conn)
    # At this scale every table and index is below the checks' default size thresholds.
    sizes = {
        c.id: {p.name: 0 for p in c.params if p.name in {"min_rows", "min_size_bytes"}}
        for c in all_checks()
    }
    report = run_checks(snapshot, all_checks(), {k: v for k, v in sizes.items() if v})
    found = {(f.check, subject(f).name) for f in report.findings}
    expected = {p for p in planted_problems(has_vector=vector) if p[0] in Check.registry}
    assert len(expected) >= 7
    assert expected <= found, expected - found


def test_building_twice_gives_the_same_database(db: TestDatabase) -> None:
    db.execute("CREATE TABLE app_owned (id int); INSERT INTO app_owned VALUES (1)")
    first = build_demo(db.dsn, scale=SCALE)
    counts = table_counts(db)
    users = db.execute(
        "SELECT md5(string_agg(concat_ws(',', id, telegram_id, email, role), ';' "
        "ORDER BY id)) FROM users"
    )
    second = build_demo(db.dsn, scale=SCALE)
    assert table_counts(db) == counts
    assert (first.rows, first.statements) == (second.rows, second.statements)
    assert (
        db.execute(
            "SELECT md5(string_agg(concat_ws(',', id, telegram_id, email, role), ';' "
            "ORDER BY id)) FROM users"
        )
        == users
    )
    assert counts["site_visits"] == row_counts(SCALE)["site_visits"] + 200  # + tracked visits
    assert db.execute("SELECT count(*) FROM app_owned") == [(1,)]  # not a demo table: kept
    # The workload alone, for more rounds: the same mix again, with fresh parameters.
    assert run_workload(db.dsn, scale=SCALE, rounds=2) > 1.8 * first.statements
    # Units left out do not run (bench/mcp_bench.py replays the workload without one).
    others = [unit.__name__ for unit, _ in MIX if unit.__name__ != "news_admin"]
    assert run_workload(db.dsn, scale=SCALE, rounds=2, leave_out=others) == 2 * 10
    with pytest.raises(ValueError, match="no such workload unit: nope"):
        run_workload(db.dsn, scale=SCALE, leave_out=["nope"])


def test_bad_arguments_are_pgsage_errors() -> None:
    with pytest.raises(UsageError):
        build_demo("postgresql://nobody@127.0.0.1:1/none", scale=0)
    with pytest.raises(PgsageError):
        build_demo(f"postgresql://nobody@127.0.0.1:{free_port()}/none", scale=SCALE)
