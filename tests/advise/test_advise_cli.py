"""`pgsage advise` as a user runs it: JSON in the issue's shape, Markdown, the Alembic revision
(run for real: upgrade builds CONCURRENTLY, downgrade drops), --apply, --verify, errors."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import psycopg
import pytest
import sqlalchemy as sa
from advise_support import hypopg, load, run
from alembic.autogenerate import compare_metadata
from alembic.operations import Operations
from alembic.runtime.migration import MigrationContext

from pgharness import TestDatabase, TestServer
from pgsage.advise.alembic import single_head
from pgsage.advise.apply import apply
from pgsage.advise.ddl import build_in_transaction
from pgsage.advise.model import Candidate, Key, Recommendation, RelName
from pgsage.advise.sample import drop_copy, make_sampled_copy
from pgsage.advise.verify import VerifyJob, verify
from pgsage.db.embedded import embedded_bindir

PGSAGE = str(Path(sys.executable).parent / "pgsage")
WORKLOAD = [
    "SELECT id, name FROM users WHERE email = 'user42@example.com'",
    "SELECT id FROM users WHERE tenant_id = 17 ORDER BY created_at DESC LIMIT 5",
    "SELECT count(*) FROM orders",
]


def pgsage(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "PGSAGE_DSN")}
    return subprocess.run(
        [PGSAGE, "advise", *args], capture_output=True, text=True, timeout=180, env=env, check=False
    )


def one_line_error(result: subprocess.CompletedProcess[str], fragment: str) -> None:
    assert result.returncode == 2, result
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("pgsage: error: "), lines
    assert fragment in lines[0]


def index_names(db: TestDatabase) -> set[str]:
    rows = db.execute("SELECT indexname FROM pg_indexes WHERE schemaname = 'public'")
    return {str(r[0]) for r in rows}


def test_json_shape_markdown_and_determinism(db: TestDatabase, tmp_path: Path) -> None:
    load(db)
    queries = tmp_path / "q.sql"
    queries.write_text(";\n".join(WORKLOAD))
    real = [] if hypopg(db) else ["--allow-real-indexes"]
    first = pgsage("--dsn", db.dsn, "--queries", str(queries), "--format", "json", *real)
    assert first.returncode == 0, first.stderr
    data = json.loads(first.stdout)
    # notes: what was left out and why (a covering twin whose INCLUDE columns do not earn
    # their size in time)
    assert list(data) == ["recommendations", "queries", "totals", "notes", "findings"]
    assert all(n.startswith("left out: ") for n in data["notes"]), data["notes"]
    assert [list(r)[:8] for r in data["recommendations"]] == [
        ["table", "columns", "method", "where", "include", "ddl", "size_bytes", "queries"]
    ] * 2
    # the unified findings: one per recommended index, its fix the same SQL as "ddl"
    findings = {f["fix_sql"]: f for f in data["findings"]}
    assert set(findings) == {r["ddl"] for r in data["recommendations"]}
    assert {f["check"] for f in data["findings"]} == {"index-recommendation"}
    assert all(
        f["fix_alembic"] and "autocommit_block()" in f["fix_alembic"] for f in findings.values()
    )
    assert all(list(q) == ["query", "cost_before", "cost_after"] for q in data["queries"])
    email = next(r for r in data["recommendations"] if r["columns"] == ["email"])
    assert "CREATE INDEX CONCURRENTLY" in email["ddl"] and "lock_timeout" in email["ddl"]
    assert email["queries"][0]["cost_after"] < email["queries"][0]["cost_before"]
    assert any("Seq Scan" in n for n in email["queries"][0]["plan_before"])
    again = pgsage("--dsn", db.dsn, "--queries", str(queries), "--format", "json", *real)
    assert again.stdout == first.stdout  # deterministic: same input, same answer and order
    markdown = pgsage("--dsn", db.dsn, "--queries", str(queries), "-f", "markdown", *real)
    assert markdown.returncode == 0 and markdown.stdout.startswith("# pgsage advise\n")
    assert "### `index-recommendation` — public.users" in markdown.stdout
    assert email["ddl"] in markdown.stdout
    text = pgsage("--dsn", db.dsn, "--queries", str(queries), *real)
    assert "Planner cost of the workload" in text.stdout and "Seq Scan on users" in text.stdout


def test_verify_dsn_from_the_cli_in_json(db: TestDatabase, tmp_path: Path) -> None:
    """--verify --verify-dsn: measured times in the JSON ("verified", after the issue's keys),
    skipped statements with their reason, nothing left behind."""
    load(db)
    queries = tmp_path / "q.sql"
    queries.write_text(";\n".join([WORKLOAD[0], "SELECT nope FROM users"]))
    real = [] if hypopg(db) else ["--allow-real-indexes"]
    before = index_names(db)
    result = pgsage(
        "--dsn",
        db.dsn,
        "--queries",
        str(queries),
        "--verify",
        "--verify-dsn",
        db.dsn,
        "-f",
        "json",
        *real,
    )
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert list(data) == ["recommendations", "queries", "totals", "verified", "notes", "findings"]
    assert any(n.startswith("--verify measured on a fresh copy") for n in data["notes"])
    assert data["queries"][1]["skipped"] == 'column "nope" does not exist'
    [measured] = data["verified"]
    assert measured["query"] == WORKLOAD[0] and measured["error"] is None
    assert measured["ms_after"] < measured["ms_before"]
    assert index_names(db) == before


def test_usage_errors_are_one_line(db: TestDatabase, tmp_path: Path) -> None:
    one_line_error(
        pgsage("--dsn", db.dsn, "--queries", str(tmp_path / "missing.sql")), "file not found"
    )
    one_line_error(pgsage("--dsn", db.dsn, "--max-size", "lots"), "--max-size")
    one_line_error(pgsage("--dsn", "postgresql://x@127.0.0.1:1/none", "--verify"), "port 1")
    one_line_error(pgsage("--dsn", "not a dsn"), "invalid DSN")
    one_line_error(pgsage("--dsn", db.dsn + "_missing"), "does not exist")
    broken = tmp_path / "broken.sql"
    broken.write_text("SELECT 1;\nSELEC * FRM users;\n")
    one_line_error(
        pgsage("--dsn", db.dsn, "--queries", str(broken), "--strict"),
        'broken.sql:2: syntax error at or near "SELEC"',
    )


@pytest.mark.pg(">= 16")
def test_without_hypopg_it_says_how_to_get_it(db: TestDatabase, tmp_path: Path) -> None:
    queries = tmp_path / "q.sql"
    queries.write_text("SELECT 1")
    one_line_error(pgsage("--dsn", db.dsn, "--queries", str(queries)), "HypoPG")


def test_alembic_revision_upgrades_and_downgrades(db: TestDatabase, tmp_path: Path) -> None:
    load(db)
    versions = tmp_path / "versions"
    versions.mkdir()
    (versions / "0001_base.py").write_text('revision = "0001"\ndown_revision = None\n')
    queries = tmp_path / "q.sql"
    queries.write_text(";\n".join([*WORKLOAD, "SELECT id FROM events WHERE account_id = 42"]))
    real = [] if hypopg(db) else ["--allow-real-indexes"]
    (versions / "0002_branch.py").write_text('revision = "0002"\ndown_revision = None\n')
    one_line_error(
        pgsage("--dsn", db.dsn, "--queries", str(queries), "--alembic", str(versions), *real),
        "2 heads (0001, 0002)",
    )
    (versions / "0002_branch.py").unlink()
    result = pgsage("--dsn", db.dsn, "--queries", str(queries), "--alembic", str(versions), *real)
    assert result.returncode == 0, result.stderr
    written = sorted(versions.glob("*_pgsage_advise_indexes.py"))
    assert len(written) == 1
    text = written[0].read_text()
    assert "down_revision = '0001'" in text and "autocommit_block()" in text
    assert "PERF_INDEXES" in text and "include_object" in text
    assert "DROP INDEX CONCURRENTLY" in text
    assert single_head(versions) == written[0].name.split("_")[0]
    spec = importlib.util.spec_from_file_location("revision", written[0])
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    engine = sa.create_engine(db.dsn.replace("postgresql://", "postgresql+psycopg://"))
    before = index_names(db)
    models = sa.MetaData()  # the application's models: the schema before the revision

    def include_object(
        obj: object, name: str | None, type_: str, reflected: bool, compare_to: object
    ) -> bool:  # the filter the revision tells env.py
        return not (type_ == "index" and name in module.PERF_INDEXES)

    try:
        with engine.connect() as conn:
            models.reflect(conn)
        with engine.connect() as conn, Operations.context(MigrationContext.configure(conn)):
            module.upgrade()
        created = index_names(db) - before
        assert created == set(module.PERF_INDEXES)
        assert any(name.startswith("events_2024_") for name in created)  # partitions' own
        invalid = db.execute("SELECT count(*) FROM pg_index WHERE NOT indisvalid")
        assert invalid == [(0,)]
        with engine.connect() as conn:
            unfiltered = compare_metadata(MigrationContext.configure(conn), models)
            filtered = compare_metadata(
                MigrationContext.configure(conn, opts={"include_object": include_object}), models
            )
        assert len(unfiltered) == len(created)  # autogenerate would drop each index...
        assert filtered == []  # ...and with the filter it is a no-op
        with engine.connect() as conn, Operations.context(MigrationContext.configure(conn)):
            module.downgrade()
        assert index_names(db) == before
    finally:
        engine.dispose()


def test_apply_creates_and_cleans_up_a_failed_build(db: TestDatabase) -> None:
    load(db)
    good = Recommendation(
        Candidate(RelName("public", "orders"), (Key.of("user_id"),)), "orders_user_id_idx", 0
    )
    # Division by zero halfway through the build: CONCURRENTLY leaves an invalid index.
    bad = Recommendation(
        Candidate(
            RelName("public", "orders"), (Key(expression="1 / (id - 60000)", columns=("id",)),)
        ),
        "orders_broken_idx",
        0,
    )
    results = apply(db.dsn, (good, bad), retries=2, pause_s=0)
    assert results[0] == "public.orders_user_id_idx: created"
    assert results[1].startswith("public.orders_broken_idx: failed: division by zero")
    assert "orders_user_id_idx" in index_names(db)
    assert "orders_broken_idx" not in index_names(db)  # the invalid leftover was dropped


def _build_waits(db: TestDatabase) -> bool:
    rows = db.execute(
        "SELECT 1 FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
        "AND query LIKE 'CREATE INDEX CONCURRENTLY%orders_user_id_idx%'"
    )
    return bool(rows)


def test_apply_retries_a_build_that_loses_the_lock_race(db: TestDatabase) -> None:
    load(db)
    rec = Recommendation(
        Candidate(RelName("public", "orders"), (Key.of("user_id"),)), "orders_user_id_idx", 0
    )
    locked = threading.Event()

    def hold_lock() -> None:  # conflicts with CREATE INDEX CONCURRENTLY, not with reads
        with psycopg.connect(db.dsn) as conn:
            conn.execute("LOCK TABLE orders IN SHARE UPDATE EXCLUSIVE MODE")
            locked.set()
            # Held until a build is seen waiting, then longer than its 300 ms lock_timeout: at
            # least one attempt has timed out when the lock goes, however slow the machine
            # (a fixed 1.5 s hold could end before a slow first attempt began).
            deadline = time.monotonic() + 10
            while not _build_waits(db) and time.monotonic() < deadline:
                time.sleep(0.02)
            time.sleep(0.5)

    holder = threading.Thread(target=hold_lock)
    holder.start()
    try:
        assert locked.wait(10)
        results = apply(db.dsn, (rec,), retries=10, pause_s=0.1, lock_timeout_ms=300)
    finally:
        holder.join()
    assert results[0].startswith("public.orders_user_id_idx: created after ")
    assert "lock timeout" in results[0]
    valid = db.execute(
        "SELECT indisvalid FROM pg_index WHERE indexrelid = 'orders_user_id_idx'::regclass"
    )
    assert valid == [(True,)]
    assert db.execute("SELECT count(*) FROM pg_index WHERE NOT indisvalid") == [(0,)]


def test_apply_on_a_partitioned_parent_and_its_failure(db: TestDatabase) -> None:
    load(db)
    partitions = (("public", "events_2024"), ("public", "events_2025"))
    good = Recommendation(
        Candidate(RelName("public", "events"), (Key.of("account_id"),)),
        "events_account_id_idx",
        0,
        partitions=partitions,
    )
    # Fails in the partition that holds id 59999 (after the other one may be built and
    # attached): the parent's ON ONLY index would stay invalid, so it goes, with what hangs on it.
    bad = Recommendation(
        Candidate(
            RelName("public", "events"), (Key(expression="1 / (id - 59999)", columns=("id",)),)
        ),
        "events_broken_idx",
        0,
        partitions=partitions,
    )
    before = index_names(db)
    results = apply(db.dsn, (good, bad), retries=1, pause_s=0)
    assert results[0] == "public.events_account_id_idx: created"
    assert results[1].startswith("public.events_broken_idx: failed: division by zero")
    created = index_names(db) - before
    assert created == {
        "events_account_id_idx",
        "events_2024_events_account_id_idx",
        "events_2025_events_account_id_idx",
    }
    assert db.execute("SELECT count(*) FROM pg_index WHERE NOT indisvalid") == [(0,)]


def test_verify_measures_before_and_after_and_leaves_nothing(
    db: TestDatabase, tmp_path: Path
) -> None:
    load(db)
    advice = run(db, tmp_path, WORKLOAD[:1])
    before = index_names(db)
    measured = verify(db.dsn, VerifyJob.of(advice)).measured
    assert len(measured) == 1 and measured[0].error is None
    assert measured[0].before_ms is not None and measured[0].after_ms is not None
    assert index_names(db) == before
    with psycopg.connect(db.dsn) as conn:
        assert conn.execute("SELECT count(*) FROM users").fetchone() == (40000,)


def test_verify_says_when_an_advised_index_is_already_there(
    db: TestDatabase, tmp_path: Path
) -> None:
    """--verify-dsn on a database where the index was applied already: not a "build failed",
    and the before times are said to include it."""
    load(db)
    advice = run(db, tmp_path, WORKLOAD[:1])
    [rec] = advice.recommendations
    with psycopg.connect(db.dsn, autocommit=True) as conn:
        conn.execute(build_in_transaction(rec.candidate, rec.name).encode())
    try:
        measured = verify(db.dsn, VerifyJob.of(advice)).measured
        [present] = [m for m in measured if m.query.startswith("CREATE INDEX")]
        assert present.query == f"CREATE INDEX {rec.name}"
        assert present.error == "already present on this database (its before times include it)"
    finally:
        db.execute(f"DROP INDEX IF EXISTS {rec.name}")


def test_verify_on_a_sampled_copy(db: TestDatabase, pg18: TestServer, tmp_path: Path) -> None:
    """--verify without --verify-dsn: schema + sample on the (here: PG 18 test) local server."""
    load(db)
    advice = run(db, tmp_path, [*WORKLOAD[:1], "SELECT id FROM orders WHERE user_id = 5"])
    bindir = embedded_bindir()
    assert bindir is not None
    name = f"sampled_{db.name}"
    copy = make_sampled_copy(
        db.dsn,
        pg18.admin_dsn(),
        pg18.admin_dsn,
        bindir / "pg_dump",
        name,
        list(advice.tables),
        max_rows=5_000,
    )
    try:
        assert set(copy.rows) == {"public.orders", "public.users"}
        assert 3_000 < copy.rows["public.orders"] < 7_000  # a 5,000-row Bernoulli sample
        assert copy.rows["public.users"] < 7_000
        measured = verify(copy.dsn, VerifyJob.of(advice), scratch=True).measured
        assert [m.error for m in measured] == [None, None]
    finally:
        drop_copy(pg18.admin_dsn(), name)
