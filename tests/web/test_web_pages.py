"""The query page (history, EXPLAIN for viewers, EXPLAIN ANALYZE for admins, read-only and
rolled back, generic plans for $n texts), "what if" indexes and the advisor (HypoPG), the
migrations page (lint of --migrations), and the forecasts on the space and maintenance pages."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from web_helpers import ADMIN, VIEWER, basic

from pgharness import TestDatabase
from pgsage.commands.collect import collect
from pgsage.settings import Settings
from pgsage.web import advisor, explain
from pgsage.web.config import WebConfig
from pgsage.web.forecast import tables
from pgsage.web.store import Store

TIMEOUTS = (5_000, 200)


def _query_key(client: TestClient, needle: str) -> str:
    listed = client.get("/api/v1/targets/main/queries", headers=basic(VIEWER))
    assert listed.status_code == 200, listed.text
    for q in listed.json()["queries"]:
        if needle in q["query"] and "$1" in q["query"]:
            return str(q["key"])
    raise AssertionError(f"no query with {needle!r} in {listed.json()['queries']}")


def test_query_page_plans_and_limits_analyze_to_admins(
    client: TestClient, target_db: TestDatabase
) -> None:
    target_db.execute("SELECT count(*) FROM orders WHERE customer_id = 9")
    key = _query_key(client, "customer_id")
    viewer = client.get(f"/api/v1/targets/main/queries/{key}", headers=basic(VIEWER))
    assert viewer.status_code == 200, viewer.text
    body = viewer.json()
    assert body["plan"]["method"] == "generic plan"  # PostgreSQL 18: EXPLAIN (GENERIC_PLAN)
    assert "Scan" in body["plan"]["text"] and not body["plan"]["analyze"]
    assert isinstance(body["history"], list)
    refused = client.get(f"/api/v1/targets/main/queries/{key}?analyze=true", headers=basic(VIEWER))
    assert refused.status_code == 403
    admin = client.get(f"/api/v1/targets/main/queries/{key}?analyze=true", headers=basic(ADMIN))
    assert admin.status_code == 200, admin.text
    assert admin.json()["plan"]["analyze"] and "actual" in admin.json()["plan"]["text"]
    page = client.get(f"/t/main/queries/{key}", headers={**basic(VIEWER), "Accept": "text/html"})
    assert page.status_code == 200 and "Plan" in page.text and "What if" in page.text
    assert "Run EXPLAIN ANALYZE" not in page.text  # viewers are not offered it
    chart = client.get(f"/t/main/queries/{key}/chart.svg", headers=basic(VIEWER))
    assert chart.status_code == 200 and chart.text.startswith("<svg")
    missing = client.get("/api/v1/targets/main/queries/nope:x:t", headers=basic(VIEWER))
    assert missing.status_code == 404


def test_explain_is_read_only_and_plans_placeholders(db: TestDatabase) -> None:
    db.execute(
        "CREATE TABLE plan_t (id int PRIMARY KEY, v int); "
        "INSERT INTO plan_t SELECT g, g FROM generate_series(1, 1000) g; ANALYZE plan_t"
    )
    query = "SELECT v FROM plan_t WHERE id = $1"
    plain = explain.plan(db.dsn, query, analyze=False, timeouts=TIMEOUTS)
    assert plain.error is None and plain.text
    expected = "generic plan" if db.server.major >= 16 else "sample values"
    assert plain.method == expected
    analyzed = explain.plan(db.dsn, query, analyze=True, timeouts=TIMEOUTS)
    assert analyzed.method == "sample values" and "actual" in (analyzed.text or "")
    write = explain.plan(db.dsn, "UPDATE plan_t SET v = 0", analyze=True, timeouts=TIMEOUTS)
    assert write.text is None and "read-only" in (write.error or "")
    assert db.execute("SELECT sum(v) FROM plan_t")[0][0] == 500500  # nothing changed


@pytest.mark.extensions("hypopg")
def test_whatif_and_advisor_downloads(
    db: TestDatabase, make_app: Callable[..., FastAPI], base_config: WebConfig
) -> None:
    db.execute(
        "CREATE EXTENSION IF NOT EXISTS hypopg; "
        "CREATE TABLE wi (id bigint PRIMARY KEY, code int, pad text); "
        "INSERT INTO wi SELECT g, g % 5000, repeat('x', 80) FROM generate_series(1, 50000) g; "
        "ANALYZE wi"
    )
    config = base_config
    run = advisor.query_advice(config, db.dsn, "SELECT * FROM wi WHERE code = $1")
    assert run.error is None, run.error
    assert run.report is not None
    # (an ANALYZE in the loading transaction leaves PostgreSQL 15's modification counter at the
    # rows loaded: the advice may also name the table's statistics, with ANALYZE as its fix)
    fixes = [f for f in run.report.findings if "CREATE INDEX" in (f.fix_sql or "")]
    assert fixes
    app = make_app(base_config, targets={"old": db.dsn})
    from pgsage.web.views import finding_key

    state: Any = app.state.web
    state.whatif.get("old\0somekey", lambda: run)
    client = TestClient(app, follow_redirects=False)
    key = finding_key(fixes[0])
    sql = client.get(f"/t/old/advisor/{key}/fix.sql", headers=basic(VIEWER))
    assert sql.status_code == 200 and "CREATE INDEX" in sql.text
    revision = client.get(f"/t/old/advisor/{key}/alembic.py", headers=basic(VIEWER))
    assert revision.status_code == 200
    assert "def upgrade" in revision.text and "op." in revision.text
    page = client.get("/api/v1/targets/old/advisor", headers=basic(VIEWER))
    assert page.status_code == 200, page.text
    assert page.json()["error"] is None


def test_advisor_page_says_what_it_needs(client: TestClient) -> None:
    page = client.get("/api/v1/targets/main/advisor", headers=basic(VIEWER))
    assert page.status_code == 200, page.text
    body = page.json()
    assert body["error"] is None or "HypoPG" in body["error"]


def test_migrations_page_lints_the_configured_path(
    make_app: Callable[..., FastAPI], base_config: WebConfig, tmp_path: Path
) -> None:
    (tmp_path / "001_index.sql").write_text("CREATE INDEX orders_total ON orders (total);\n")
    client = TestClient(make_app(base_config, migrations=tmp_path), follow_redirects=False)
    body = client.get("/api/v1/targets/main/migrations", headers=basic(VIEWER)).json()
    assert body["error"] is None
    assert any("CONCURRENTLY" in (f["message"] + f["recommendation"]) for f in body["findings"])
    page = client.get("/t/main/migrations", headers={**basic(VIEWER), "Accept": "text/html"})
    assert page.status_code == 200
    assert "CONCURRENTLY" in page.text
    unset = TestClient(make_app(base_config), follow_redirects=False)
    body = unset.get("/api/v1/targets/main/migrations", headers=basic(VIEWER)).json()
    assert "--migrations" in body["error"]


def test_forecasts_from_recorded_rates(
    store: Store, target_db: TestDatabase, client: TestClient
) -> None:
    target_db.execute("CREATE SEQUENCE IF NOT EXISTS forecast_seq AS integer")
    targets = {"main": target_db.dsn}
    target_db.execute("SELECT setval('forecast_seq', 1000)")
    collect(store, targets, Settings())
    target_db.execute("SELECT setval('forecast_seq', 500000)")
    collect(store, targets, Settings())
    maintenance = client.get("/api/v1/targets/main/maintenance", headers=basic(VIEWER)).json()
    seq = [s for s in maintenance["sequence_forecasts"] if s["name"] == "forecast_seq"]
    assert seq and seq[0]["per_day"] > 0 and seq[0]["days_left"] is not None
    space = client.get("/api/v1/targets/main/space?reach_gb=1", headers=basic(VIEWER)).json()
    assert space["database_forecast"]["reach_bytes"] == 2**30
    assert (
        client.get("/api/v1/targets/main/space?reach_gb=-1", headers=basic(VIEWER)).status_code
        == 422
    )


def test_table_forecast_counts_the_days() -> None:
    row = {"schema_name": "public", "table_name": "t", "last_bytes": 1000, "per_day_bytes": 100.0}
    (found,) = tables([row], 2000)
    assert found.days_until == 10.0
    (flat,) = tables([{**row, "per_day_bytes": None}], None)
    assert flat.days_until is None and flat.reach_bytes == 2000


def test_advisor_cache_waits_at_most_the_budget() -> None:
    import threading

    cache: advisor.TtlCache[str] = advisor.TtlCache(60.0)
    release = threading.Event()
    calls: list[int] = []

    def slow() -> str:
        calls.append(1)
        release.wait(10)
        return "done"

    assert cache.get("k", slow, budget_s=0.05) is None  # still running: the page goes on
    assert cache.get("k", slow, budget_s=0.05) is None  # not started twice
    release.set()
    assert cache.get("k", slow, budget_s=5) == "done"
    assert cache.get("k", slow, budget_s=0) == "done" and len(calls) == 1
    cache.close()
