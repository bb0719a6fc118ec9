"""History: pgsage collect into the store (deltas, sizes, findings), the per-target advisory
lock, retention, the SVG charts drawn from it, and the CLI commands."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import text
from web_helpers import ADMIN, basic

from pgharness import TestDatabase
from pgsage.commands.collect import CollectOptions, collect, collect_target, lock_key
from pgsage.settings import Settings
from pgsage.web import advisor
from pgsage.web.charts import line_chart, trend
from pgsage.web.store import Store

SRC = Path(__file__).resolve().parents[2] / "src"


def test_collect_records_deltas_sizes_and_findings(
    store: Store, target_db: TestDatabase, client: TestClient
) -> None:
    targets = {"main": target_db.dsn}
    first = collect(store, targets, Settings())
    assert first[0].status == "collected", first
    assert first[0].findings > 0
    assert store.table_growth("main")  # sizes recorded (by this run or an earlier one today)
    target_db.execute("SELECT count(*) FROM orders WHERE total > 50")
    second = collect(store, targets, Settings())
    assert second[0].status == "collected"
    assert second[0].statements > 0  # deltas since the first sample
    assert second[0].tables == 0  # space is sampled daily
    with store.begin() as conn:
        calls = conn.execute(
            text(
                "SELECT sum(calls) FROM pgsage_web.statement_samples WHERE target = 'main' "
                "AND query LIKE '%total >%'"
            )
        ).scalar_one()
    assert calls and calls >= 1
    recorded = store.recorded_workload("main")
    assert any("total >" in query and calls >= 1 for query, calls, _ in recorded), recorded
    assert advisor.workload_source(recorded).startswith("the recorded workload")
    assert advisor.workload_source([]).startswith("pg_stat_statements")
    assert len(store.series("main", "size")) >= 2
    assert len(store.series("main", "connections")) >= 2
    for metric in ("size", "connections", "query_time"):
        svg = client.get(f"/t/main/charts/{metric}.svg", headers=basic(ADMIN))
        assert svg.status_code == 200
        assert svg.headers["content-type"].startswith("image/svg+xml")
        if metric != "query_time":
            assert 'class="series"' in svg.text and 'class="forecast"' in svg.text
    history = client.get("/api/v1/targets/main/history/size", headers=basic(ADMIN)).json()
    assert len(history["points"]) >= 2


def test_the_advisory_lock_and_the_gap_prevent_double_samples(
    store: Store, target_db: TestDatabase
) -> None:
    settings = Settings(dsn=target_db.dsn)
    with store.engine.connect() as other:  # another process collecting the same target
        other.execute(text("SELECT pg_advisory_lock(:k)"), {"k": lock_key("main")})
        other.commit()
        result = collect_target(store, "main", settings)
        assert result.status == "skipped" and "another process" in result.detail
        other.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": lock_key("main")})
        other.commit()
    collect_target(store, "main", settings)
    again = collect_target(store, "main", settings, CollectOptions(min_gap_s=3600))
    assert again.status == "skipped" and "ago" in again.detail


def test_retention(store: Store) -> None:
    with store.begin() as conn:
        run = conn.execute(
            text(
                "INSERT INTO pgsage_web.collect_runs (target, started_at, ok) VALUES "
                "('old', now() - interval '400 days', true) RETURNING id"
            )
        ).scalar_one()
        conn.execute(
            text(
                "INSERT INTO pgsage_web.statement_samples VALUES (:r, 'old', now() - interval "
                "'40 days', 'k', 1, 'SELECT 1', 1, 1, 1)"
            ),
            {"r": run},
        )
        conn.execute(
            text(
                "INSERT INTO pgsage_web.table_sizes VALUES (:r, 'old', now() - interval "
                "'400 days', 's', 't', 1), (:r, 'old', now() - interval '40 days', 's', 't', 2)"
            ),
            {"r": run},
        )
    removed = store.purge(query_days=30, space_days=365)
    assert removed["statement_samples"] == 1 and removed["table_sizes"] == 1
    with store.begin() as conn:
        left = conn.execute(
            text("SELECT count(*) FROM pgsage_web.table_sizes WHERE target = 'old'")
        ).scalar_one()
    assert left == 1


def test_charts_and_forecast() -> None:
    from datetime import UTC, datetime, timedelta

    start = datetime(2025, 1, 1, tzinfo=UTC)
    series = [(start + timedelta(days=i), 100.0 + 10 * i) for i in range(10)]
    fit = trend([(t.timestamp(), v) for t, v in series])
    assert fit is not None
    assert abs(fit.slope * 86400 - 10) < 1e-6
    days = fit.days_until(300.0, series[-1][0].timestamp())
    assert days is not None and abs(days - 11) < 1e-6
    svg = line_chart("size & <growth>", series)
    assert svg.startswith("<svg") and "&lt;growth&gt;" in svg
    assert "<script" not in svg and "style=" not in svg
    assert "not enough history" in line_chart("empty", series[:1])


def test_cli_collect_and_users(store_db: TestDatabase, target_db: TestDatabase) -> None:
    env = {**os.environ, "PYTHONPATH": str(SRC), "PGSAGE_WEB_PASSWORD": "cli-password-1"}

    def pgsage(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "pgsage.cli.main", *args],
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
            check=False,
        )

    store_args = ["--store-dsn", store_db.dsn]
    added = pgsage("web", *store_args, "user", "add", "cli-admin", "--role", "admin")
    assert added.returncode == 0, added.stderr
    listed = pgsage("web", *store_args, "user", "list")
    assert "cli-admin\tadmin" in listed.stdout
    assert pgsage("web", *store_args, "user", "passwd", "cli-admin").returncode == 0
    twice = pgsage("web", *store_args, "user", "add", "cli-admin")
    assert twice.returncode == 2 and "exists already" in twice.stderr
    assert pgsage("web", *store_args, "user", "remove", "cli-admin").returncode == 0
    assert "cli-admin" not in pgsage("web", *store_args, "user", "list").stdout
    done = pgsage("collect", "--target", f"cli={target_db.dsn}", *store_args)
    assert done.returncode == 0, done.stderr
    assert "cli: collected" in done.stdout
    same = pgsage("collect", "--target", f"x={store_db.dsn}", *store_args)
    assert same.returncode == 2 and "monitored database" in same.stderr
