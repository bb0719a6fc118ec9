"""A migration holds ACCESS EXCLUSIVE on a table of the target: every page still answers
within its budget, shows what it could read and names what it could not."""

from __future__ import annotations

import time
from collections.abc import Callable

import psycopg
from fastapi import FastAPI
from fastapi.testclient import TestClient
from web_helpers import ADMIN, basic

from pgharness import TestDatabase
from pgsage.web.app import PAGES
from pgsage.web.config import WebConfig

BUDGET_S = 30.0  # generous: the point is "never hangs", not speed


def test_every_page_answers_while_a_table_is_locked(
    make_app: Callable[..., FastAPI], base_config: WebConfig, target_db: TestDatabase
) -> None:
    app = make_app(base_config, page_budget_s=5.0)  # a fresh cache: nothing read before
    migration = psycopg.connect(target_db.dsn)
    try:
        migration.execute("LOCK TABLE orders IN ACCESS EXCLUSIVE MODE")
        client = TestClient(app)
        for page, _title in PAGES:
            for path in (
                f"/t/main/{'' if page == 'overview' else page}",
                f"/api/v1/targets/main/{page}",
            ):
                started = time.monotonic()
                response = client.get(path, headers=basic(ADMIN))
                elapsed = time.monotonic() - started
                assert response.status_code == 200, (path, response.text[:500])
                assert elapsed < BUDGET_S, (path, elapsed)
        overview = client.get("/api/v1/targets/main/overview", headers=basic(ADMIN)).json()
        assert any("orders" in p and "ACCESS EXCLUSIVE" in p for p in overview["problems"]), (
            overview["problems"]
        )
        assert overview["tables"] >= 1  # customers was read
        html = client.get("/t/main/", headers=basic(ADMIN)).text
        assert "What could not be read" in html and "public.orders" in html
        activity = client.get("/api/v1/targets/main/activity", headers=basic(ADMIN)).json()
        assert any(
            lock["relation"] == "public.orders" and lock["mode"] == "AccessExclusiveLock"
            for lock in activity["locks"]
        )
    finally:
        migration.rollback()
        migration.close()
