"""`pgsage report` and `pgsage checklist` on the demo database (scale 0.01), the healthy Alembic
project and the checked-in instrumentation capture: the content of every artifact, the SQL
script applied twice cleanly, the Alembic twin, and the checklist's pass/fail/skipped lines."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest
from capture_app import main as write_capture
from pglast import split

from pgharness import TestDatabase, TestServer
from pgsage.commands.monitoring import rules
from pgsage.commands.report import capture_report
from pgsage.db.embedded import embedded_bindir
from pgsage.demo import build_demo
from pgsage.instrument.capture import capture_json, load_capture, parse_capture
from pgsage.reports.artifacts import ORDER, SCRIPT

HERE = Path(__file__).parent
CAPTURE = HERE / "capture.json"
HEALTHY = HERE.parent / "migrations" / "projects" / "healthy"
PGSAGE = str(Path(sys.executable).parent / "pgsage")
TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")


def run(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [PGSAGE, *map(str, args)], capture_output=True, text=True, timeout=600, check=False
    )


def apply_script(dsn: str, script: str) -> int:
    """Run the script as psql does: each statement on its own, in autocommit."""
    statements = split(script)
    with psycopg.connect(dsn, autocommit=True) as conn:
        for statement in statements:
            conn.execute(statement.encode())
    return len(statements)


def read(out: Path) -> dict[str, str]:
    return {name: (out / name).read_text(encoding="utf-8") for name in (*ORDER, SCRIPT)}


# -- the capture ---------------------------------------------------------------------------------


def test_capture_file_round_trips_and_matches_a_fresh_capture(
    pg18: TestServer, tmp_path: Path
) -> None:
    text = CAPTURE.read_text(encoding="utf-8")
    assert capture_json(parse_capture(json.loads(text))) == text
    database = pg18.create_database()
    try:
        write_capture(database.dsn, tmp_path / "fresh.json")
    finally:
        pg18.drop_database(database.name)
    fresh, stored = load_capture(tmp_path / "fresh.json"), load_capture(CAPTURE)

    def shape(events: object) -> list[tuple[object, ...]]:
        assert hasattr(events, "nplusone")
        return sorted(
            (
                s.finding.relationship,
                s.finding.fix.loader_option,
                s.finding.fix.code,
                s.max_count,
                s.finding.call_site.rsplit("/", 1)[-1],
            )
            for s in events.nplusone
        )

    assert shape(fresh) == shape(stored)
    report = capture_report(stored)
    assert {f.evidence["relationship"] for f in report.findings} == {"User.orders", "Order.user"}


def test_a_capture_that_is_not_one_is_a_usage_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"nplusone": []}')
    result = run("report", "--out", tmp_path / "out", "--nplusone", bad)
    assert result.returncode == 2
    assert "not a pgsage instrumentation capture" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "out").exists()


# -- the report on the demo ----------------------------------------------------------------------


def _demo(db: TestDatabase) -> None:
    if "hypopg" in db.server.available_extensions:
        db.execute("CREATE EXTENSION IF NOT EXISTS hypopg")
    build_demo(db.dsn, scale=0.01)


def _assert_documents(docs: dict[str, str], vector: bool, hypopg: bool) -> None:
    for name in ORDER:
        text = docs[name]
        assert text.startswith("# "), name
        for section in ("## Summary", "## How to verify", "## Not checked"):
            assert section in text, (name, section)
        tables = "\n".join(line for line in text.splitlines() if line.startswith("|"))
        assert not TIMESTAMP.search(tables), name
    audit = docs["db/performance_audit.md"]
    for planted in ("uq_daily_stats_stat_date", "idx_users_telegram_id", "ix_bot_logs_created_at"):
        assert planted in audit
    assert "1. **error** `invalid-index`" in audit  # the summary is ordered by impact
    assert "### `duplicate-index` (2)" in audit and "kept_index" in audit  # evidence table
    assert "op.drop_index('idx_users_telegram_id'" in audit  # the Alembic form
    strategy = docs["db/index_strategy.md"]
    assert "ai_requests_application_id" in strategy and "CONCURRENTLY" in strategy
    slow = docs["db/slow_queries_report.md"]
    assert "Top statements by total time" in slow and "interview_data @>" in slow
    assert ("HypoPG" in slow) is not hypopg  # the advisor ran, or its reason is given
    migrations = docs["db/migration_optimization.md"]
    for fact in ("3 revision(s); head(s): `h003`", "prefer-identity", "| drift | ok |"):
        assert fact in migrations
    assert "below 50, squashing is not needed yet" in migrations
    assert "yes: the baseline builds the same schema" in migrations
    assert "alembic/versions/h001_users.py:13:1" in migrations  # relative, stable paths
    n1 = docs["db/n1_queries_fixes.md"]
    for fact in ("select(User).options(selectinload(User.orders))", "joinedload(Order.user)"):
        assert fact in n1
    assert "`capture_app.py:47`" in n1 and "contains_eager" in n1
    monitoring = docs["db/monitoring_setup.md"]
    assert "PostgresLongTransaction" in monitoring and "slow-query-log-off" in monitoring
    vector_doc = docs["db/vector_optimization.md"]
    if vector:
        assert "ivfflat-probes" in vector_doc
        assert "## Measured recall" in vector_doc and "ivfflat.probes = 1: recall" in vector_doc
    else:
        assert "pgvector extension is not installed" in vector_doc


def _assert_script_order(script: str) -> None:
    assert not re.search(r"^\s*(BEGIN|COMMIT|START TRANSACTION)\b", script, re.MULTILINE | re.I)
    positions = [
        script.index('DROP INDEX CONCURRENTLY IF EXISTS "public"."uq_daily_stats_stat_date"'),
        script.index('DROP INDEX CONCURRENTLY IF EXISTS "public"."idx_users_telegram_id"'),
        script.index('CREATE INDEX CONCURRENTLY IF NOT EXISTS "ai_requests_application_id_idx"'),
        script.index('VALIDATE CONSTRAINT "services_price_check"'),
        script.index("ALTER SYSTEM SET random_page_cost"),
        script.index('-- ALTER TABLE "public"."daily_stats" ADD COLUMN'),  # by hand: commented
    ]
    assert positions == sorted(positions)
    assert "-- fixes [duplicate-index] public.idx_users_telegram_id" in script


def _index_names(dsn: str) -> set[str]:
    with psycopg.connect(dsn) as conn:
        rows = conn.execute("SELECT indexrelname FROM pg_stat_user_indexes").fetchall()
    return {str(r[0]) for r in rows}


def _assert_alembic(folder: Path) -> None:
    files = sorted(p.name for p in folder.iterdir())
    assert "perf_indexes.py" in files
    perf = (folder / "perf_indexes.py").read_text()
    assert "'ai_requests_application_id_idx'," in perf and "def include_object" in perf
    revisions = [folder / f for f in files if f.startswith("pgsage_")]
    assert [p.name.split("_")[1] for p in revisions] == sorted(
        p.name.split("_")[1] for p in revisions
    )
    first = revisions[0].read_text()
    assert "down_revision = 'h003'" in first  # chained after the project's head
    for path in revisions:
        text = path.read_text()
        compile(text, str(path), "exec")
    creates = next(p for p in revisions if "create_indexes" in p.name).read_text()
    assert "autocommit_block()" in creates and "postgresql_concurrently=True" in creates


ENV_PY = """\
from alembic import context
from sqlalchemy import create_engine

engine = create_engine(context.config.get_main_option("sqlalchemy.url"))
with engine.connect() as connection:
    context.configure(connection=connection, target_metadata=None)
    with context.begin_transaction():
        context.run_migrations()
engine.dispose()
"""


def upgrade_with_alembic(dsn: str, revisions: Path, project: Path) -> None:
    """The --alembic-out revisions in a project of their own, upgraded for real."""
    from alembic import command
    from alembic.config import Config

    versions = project / "versions"
    versions.mkdir(parents=True)
    (project / "env.py").write_text(ENV_PY)
    (project / "script.py.mako").write_text("")
    for path in revisions.glob("pgsage_*.py"):
        text = path.read_text().replace("down_revision = 'h003'", "down_revision = None")
        (versions / path.name).write_text(text)
    config = Config()
    config.set_main_option("script_location", str(project))
    config.set_main_option(
        "sqlalchemy.url", dsn.replace("postgresql://", "postgresql+psycopg://", 1)
    )
    command.upgrade(config, "head")


def test_report_on_the_demo_writes_every_artifact_and_a_script_that_runs_twice(
    db: TestDatabase, tmp_path: Path
) -> None:
    _demo(db)
    out = tmp_path / "docs"
    result = run(
        "report", "--out", out, "--dsn", db.dsn, "--alembic", HEALTHY, "--nplusone", CAPTURE,
        "--scratch-dsn", db.server.admin_dsn(), "--alembic-out", tmp_path / "alembic",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert db.dsn not in result.stderr  # no password echoed
    docs = read(out)
    vector = bool(db.execute("SELECT count(*) FROM pg_extension WHERE extname = 'vector'")[0][0])
    hypopg = "hypopg" in db.server.available_extensions
    _assert_documents(docs, vector, hypopg)
    _assert_script_order(docs[SCRIPT])
    _assert_alembic(tmp_path / "alembic")
    try:
        assert apply_script(db.dsn, docs[SCRIPT]) > 10
        assert apply_script(db.dsn, docs[SCRIPT]) > 10  # idempotent: the second run is clean
        upgrade_with_alembic(db.dsn, tmp_path / "alembic", tmp_path / "project")
    finally:
        db.execute("ALTER SYSTEM RESET random_page_cost")
        db.execute("ALTER SYSTEM RESET log_min_duration_statement")
        db.execute("SELECT pg_reload_conf()")
    names = _index_names(db.dsn)
    assert "ai_requests_application_id_idx" in names
    assert not names & {
        "uq_daily_stats_stat_date",
        "idx_users_telegram_id",
        "ix_bot_logs_created_at",
    }


def test_report_without_a_database_says_so_and_html_is_one_page(tmp_path: Path) -> None:
    result = run("report", "--out", tmp_path, "--nplusone", CAPTURE, "--format", "html")
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in tmp_path.rglob("*") if p.is_file()) == [
        "db_optimization.sql",
        "report.html",
    ]
    page = (tmp_path / "report.html").read_text()
    assert page.count("<section") == len(ORDER) + 1
    assert "<table>" in page and "selectinload(User.orders)" in page
    assert "no database given (--dsn or DATABASE_URL)" in page
    assert "no Alembic project given (--alembic)" in page
    assert "-- (nothing to do)" in (tmp_path / "scripts" / "db_optimization.sql").read_text()


def test_bad_input_is_one_line_and_exit_2(tmp_path: Path) -> None:
    for args in (
        ("report", "--out", tmp_path, "--nplusone", tmp_path / "missing.json"),
        ("report", "--out", tmp_path, "--alembic", tmp_path / "nowhere"),
        ("checklist", "--backup-dir", tmp_path / "nowhere"),
    ):
        result = run(*args)
        assert result.returncode == 2, (args, result.stderr)
        assert len(result.stderr.strip().splitlines()) == 1
        assert result.stderr.startswith("pgsage: error: ")


# -- the checklist ---------------------------------------------------------------------------------


def _backup(db: TestDatabase, folder: Path) -> Path:
    bindir = embedded_bindir()
    assert bindir is not None
    folder.mkdir()
    dump = folder / "app.dump"
    subprocess.run(
        [str(bindir / "pg_dump"), "--format=custom", "--file", str(dump), db.dsn],
        check=True,
        capture_output=True,
        timeout=300,
    )
    return dump


def _lines(result: subprocess.CompletedProcess[str]) -> dict[str, str]:
    document = json.loads(result.stdout)
    return {item["item"]: item["status"] for item in document["items"]}


@pytest.mark.parametrize("server", ["pg18"], indirect=True)
def test_checklist_lines_pass_fail_and_skip_with_evidence(db: TestDatabase, tmp_path: Path) -> None:
    _demo(db)
    dump = _backup(db, tmp_path / "backups")
    good_rules = tmp_path / "rules.yml"
    good_rules.write_text(rules("postgres", [], []))
    base = (
        "checklist",
        "--dsn",
        db.dsn,
        "--alembic",
        HEALTHY,
        "--scratch-dsn",
        db.server.admin_dsn(),
    )

    result = run(*base, "--backup-dir", dump.parent, "--rules", good_rules, "--format", "json")
    assert result.returncode == 1, result.stderr
    assert _lines(result) == {
        "extensions": "pass",
        "one-alembic-head": "pass",
        "database-at-head": "fail",  # the demo was never migrated with Alembic
        "autogenerate-noop": "pass",
        "no-invalid-indexes": "fail",  # the demo's planted INVALID index
        "unique-not-duplicated": "pass",
        "statistics-fresh": "pass",
        "long-transaction-alert": "pass",
        "recent-verified-backup": "pass",
    }
    items = {i["item"]: i for i in json.loads(result.stdout)["items"]}
    assert "pg_restore --list reads" in items["recent-verified-backup"]["evidence"]
    assert "uq_daily_stats_stat_date" in items["no-invalid-indexes"]["findings"][0]["message"]

    old = time.time() - 3 * 86400
    os.utime(dump, (old, old))
    bad_rules = tmp_path / "bad.yml"
    bad_rules.write_text('- alert: X\n  expr: "pgsage_oldest_transaction_seconds > 3600"\n')
    db.execute("DROP INDEX uq_daily_stats_stat_date")
    text = run("checklist", "--dsn", db.dsn, "--backup-dir", dump.parent, "--rules", bad_rules)
    assert text.returncode == 1
    assert re.search(r"^PASS +no-invalid-indexes", text.stdout, re.M)
    assert re.search(r"^FAIL +long-transaction-alert +bad.yml has no alert", text.stdout, re.M)
    assert re.search(
        r"^FAIL +recent-verified-backup +the newest backup, app.dump", text.stdout, re.M
    )
    assert re.search(r"^SKIPPED +one-alembic-head +no Alembic project given", text.stdout, re.M)
    assert "4 passed, 2 failed, 3 skipped" in text.stdout
