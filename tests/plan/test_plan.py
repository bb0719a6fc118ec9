"""`pgsage plan` from code (seed 000): the migration plan of a backend shaped like the seed's
(site_visits, daily_stats, bot_logs, secure_settings, services, news, portfolio), its monitoring
plan, and the Alembic revision, applied for real."""

from __future__ import annotations

import csv
import io
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
from alembic.migration import MigrationContext
from alembic.operations import Operations
from sqlalchemy import create_engine

from pgharness import TestDatabase
from pgsage.commands.plan import PlanOptions, plan, plan_files
from pgsage.plan.render import render_alembic
from pgsage.settings import Settings

SEED = Path(__file__).parent / "seed_backend"
OPTIONS = PlanOptions(
    models="seed_models:metadata", import_paths=(SEED,), sources=(SEED / "backend",)
)


def _rows() -> list[dict[str, str]]:
    files = dict(plan_files(plan(OPTIONS)).files)
    return list(csv.DictReader(io.StringIO(files["migration_plan.csv"])))


def _lines(rows: list[dict[str, str]], table: str, kind: str) -> list[str]:
    return [r["definition"] for r in rows if r["table"] == f"public.{table}" and r["kind"] == kind]


def test_migration_plan_of_the_seed_backend() -> None:
    rows = _rows()
    assert set(rows[0]) == {"table", "kind", "definition", "rationale"}
    assert {r["kind"] for r in rows} <= {"index", "unique", "check", "partitioning", "retention"}
    # site_visits: the analytics filter on visit_date with is_admin = FALSE → a partial index;
    # append-only → monthly range partitions and a 90-day retention job.
    [visits] = _lines(rows, "site_visits", "index")
    assert '("visit_date")' in visits and visits.endswith("WHERE is_admin = FALSE")
    assert _lines(rows, "site_visits", "partitioning") == [
        'PARTITION BY RANGE ("visit_date"), one partition per month'
    ]
    assert "90 days" in _lines(rows, "site_visits", "retention")[0]
    # daily_stats: ON CONFLICT (stat_date) needs a unique constraint; an upsert is no log.
    assert _lines(rows, "daily_stats", "unique") == [
        'ALTER TABLE "public"."daily_stats" ADD CONSTRAINT "daily_stats_stat_date_key" '
        'UNIQUE ("stat_date")'
    ]
    assert not _lines(rows, "daily_stats", "partitioning")
    # bot_logs: newest first (DESC), the foreign key's index, partitions.
    bot_indexes = _lines(rows, "bot_logs", "index")
    assert any('("created_at" DESC)' in d for d in bot_indexes)
    assert any('("user_id")' in d for d in bot_indexes)
    assert _lines(rows, "bot_logs", "partitioning")
    # secure_settings: UNIQUE (category, key) also serves the look-up: no second index.
    assert _lines(rows, "secure_settings", "unique") == [
        'ALTER TABLE "public"."secure_settings" ADD CONSTRAINT '
        '"secure_settings_category_key_key" UNIQUE ("category", "key")'
    ]
    assert not _lines(rows, "secure_settings", "index")
    # services and portfolio: prices cannot be negative; services.service_id is unique already.
    assert _lines(rows, "services", "check") == [
        'ALTER TABLE "public"."services" ADD CONSTRAINT "services_price_nonnegative" '
        'CHECK ("price" >= 0)'
    ]
    assert not _lines(rows, "services", "unique")
    assert _lines(rows, "portfolio", "check")
    # news: the feed sorts active news by date → partial index, DESC; link is unique.
    [feed] = _lines(rows, "news", "index")
    assert '("published_date" DESC)' in feed and feed.endswith("WHERE is_active = TRUE")
    assert _lines(rows, "news", "unique")
    # Rationales name the statements (file:line) that justify each index.
    assert all(
        "api.py:" in r["rationale"]
        for r in rows
        if r["kind"] == "index" and "foreign" not in r["rationale"]
    )
    # users has nothing to add; the plan is deterministic.
    assert not [r for r in rows if r["table"] == "public.users"]
    assert rows == _rows()


def test_cli_writes_the_four_tables_and_the_revision(tmp_path: Path) -> None:
    done = subprocess.run(
        [
            sys.executable, "-m", "pgsage.cli.main", "plan",
            "--models", "seed_models:metadata", "--path", str(SEED),
            "--source", str(SEED / "backend"), "--out", str(tmp_path / "plan"),
        ],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    names = sorted(p.name for p in (tmp_path / "plan").iterdir())
    [revision] = [n for n in names if n.endswith("_pgsage_migration_plan.py")]
    assert sorted(set(names) - {revision}) == [
        "migration_plan.csv", "migration_plan.md", "monitoring_plan.csv", "monitoring_plan.md"
    ]  # fmt: skip
    markdown = (tmp_path / "plan" / "migration_plan.md").read_text()
    assert "| Table | Index / constraint / partitioning | Rationale |" in markdown
    monitoring = (tmp_path / "plan" / "monitoring_plan.md").read_text()
    assert "Database connections" in monitoring and "> 80 %" in monitoring
    header = (tmp_path / "plan" / "monitoring_plan.csv").read_text().splitlines()[0]
    assert header.startswith("Alert,Source,Metric type,Threshold / alert")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--models", "nosuchmodule:metadata"], "cannot import nosuchmodule"),
        (["--models", "seed_models"], "--models expects module:attribute"),
        (["--models", "seed_models:metadata", "--source", "/nonexistent"], "source path not found"),
    ],
)
def test_bad_input_is_one_line(args: list[str], message: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "pgsage.cli.main", "plan", "--path", str(SEED), *args],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 2
    assert message in done.stderr and len(done.stderr.strip().splitlines()) == 1


def test_the_revision_applies_and_reverts_with_real_alembic(db: TestDatabase) -> None:
    import importlib

    sys.path.insert(0, str(SEED))
    try:
        models = importlib.import_module("seed_models")
    finally:
        sys.path.remove(str(SEED))
    migration = plan(OPTIONS)
    namespace: dict[str, object] = {}
    exec(compile(render_alembic(migration), "plan_revision.py", "exec"), namespace)
    engine = create_engine(db.dsn.replace("postgresql://", "postgresql+psycopg://", 1))
    models.metadata.create_all(engine)
    planned = {line.name for line in migration.lines if line.name}

    def created() -> set[str]:
        with psycopg.connect(db.dsn) as conn:
            rows = conn.execute(
                "SELECT indexname FROM pg_indexes WHERE schemaname = 'public' "
                "UNION SELECT conname FROM pg_constraint WHERE connamespace = 'public'::regnamespace"
            ).fetchall()
        return {name for (name,) in rows} & planned

    for step in ("upgrade", "downgrade"):
        with engine.connect() as conn:
            context = MigrationContext.configure(conn)
            with Operations.context(context), context.begin_transaction():
                namespace[step]()  # type: ignore[operator]
            conn.commit()
        assert created() == (planned if step == "upgrade" else set())
    engine.dispose()


def test_plan_checked_against_a_database(db: TestDatabase) -> None:
    """With a DSN, what exists already leaves the plan (named in its notes), the recorded
    workload joins the code's, and each line says how big its table is."""
    import importlib

    sys.path.insert(0, str(SEED))
    try:
        models = importlib.import_module("seed_models")
    finally:
        sys.path.remove(str(SEED))
    engine = create_engine(db.dsn.replace("postgresql://", "postgresql+psycopg://", 1))
    models.metadata.create_all(engine)
    engine.dispose()
    if "hypopg" in db.server.available_extensions:
        db.execute("CREATE EXTENSION hypopg")
    db.execute(
        "CREATE INDEX bot_logs_user_id_idx ON bot_logs (user_id); "
        "INSERT INTO users SELECT g, 'u' || g FROM generate_series(1, 50) g; ANALYZE"
    )
    with psycopg.connect(db.dsn, autocommit=True) as conn:
        conn.execute("SELECT pg_stat_statements_reset()")
        for _ in range(3):
            conn.execute("SELECT id FROM users WHERE name = %s", ["u1"])
    checked = plan(replace_settings(OPTIONS, Settings(dsn=db.dsn)))
    by_table = {(line.table, line.kind, line.columns) for line in checked.lines}
    assert ("public.bot_logs", "index", ("user_id",)) not in by_table  # exists already
    assert any("exists on the server as bot_logs_user_id_idx" in n for n in checked.notes)
    recorded = [line for line in checked.lines if line.table == "public.users"]
    assert recorded and "pg_stat_statements:" in recorded[0].rationale  # from the workload
    assert all("on the server:" in line.rationale for line in checked.lines)
    # The advisor's what-if costing of the same workload confirms or rejects each index line,
    # or the plan says why it could not run (no HypoPG on the server).
    costed = [line for line in checked.lines if "advisor's costing" in line.rationale]
    if "hypopg" in db.server.available_extensions:
        assert costed and all(line.kind == "index" for line in costed), checked.notes
    else:
        assert costed or any("advisor's costing did not run" in n for n in checked.notes)


def replace_settings(options: PlanOptions, settings: Settings) -> PlanOptions:
    from dataclasses import replace

    return replace(options, settings=settings)
