"""A real headless Chromium (Debian's, driven by Playwright through its executable path) logs
in, opens every page, finds the charts drawn and no console error, and keeps a screenshot of
each page under $PGSAGE_TEST_ARTIFACTS/web (default: a temporary directory, printed)."""

from __future__ import annotations

import os
import shutil
import socket
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from fastapi import FastAPI
from web_helpers import ADMIN

from pgharness import TestDatabase
from pgsage.commands.collect import collect
from pgsage.settings import Settings
from pgsage.web.app import PAGES
from pgsage.web.config import WebConfig
from pgsage.web.store import Store

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
playwright_api = pytest.importorskip("playwright.sync_api")
pytestmark = pytest.mark.skipif(
    not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed (make system-deps)"
)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def served(make_app: Callable[..., FastAPI], base_config: WebConfig) -> Iterator[str]:
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(make_app(base_config), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(30)


def _artifacts() -> Path:
    root = os.environ.get("PGSAGE_TEST_ARTIFACTS")
    folder = Path(root) / "web" if root else Path(tempfile.mkdtemp(prefix="pgsage-web-shots-"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _query_page(page: Any, served: str, shots: Path) -> None:
    """A query's own page (reached from the queries page): history chart, plan, what-if."""
    page.goto(f"{served}/t/main/queries")
    page.click("a.query >> nth=0")
    page.wait_for_load_state("load")
    assert "/t/main/queries/" in page.url
    assert "Plan" in page.content() and "What if" in page.content()
    for img in page.query_selector_all("img.chart"):
        assert page.evaluate("img => img.complete && img.naturalWidth > 0", img)
    page.screenshot(path=str(shots / "query.png"), full_page=True)


def test_browser_logs_in_and_every_page_renders(
    served: str, store: Store, target_db: TestDatabase
) -> None:
    targets = {"main": target_db.dsn}
    collect(store, targets, Settings())  # history for the charts: two samples at least
    target_db.execute("SELECT count(*) FROM customers WHERE email LIKE 'c1%'")
    collect(store, targets, Settings())
    shots = _artifacts()
    problems: list[str] = []
    with playwright_api.sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=["--no-sandbox", "--disable-gpu"]
        )
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.on(
                "console",
                lambda msg: (
                    problems.append(f"console {msg.type}: {msg.text}")
                    if msg.type == "error"
                    else None
                ),
            )
            page.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))
            page.goto(f"{served}/t/main/")
            assert "/login" in page.url  # not logged in: sent to the form
            page.fill("input[name=username]", ADMIN[0])
            page.fill("input[name=password]", ADMIN[1])
            page.click("button[type=submit]")
            page.wait_for_url(f"{served}/t/main/")
            charts_seen = 0
            for key, label in PAGES:
                path = f"/t/main/{'' if key == 'overview' else key}"
                response = page.goto(f"{served}{path}")
                assert response is not None and response.status == 200, (path, response)
                page.wait_for_load_state("load")
                assert label.split()[0].lower() in page.content().lower()
                for img in page.query_selector_all("img.chart"):
                    drawn = page.evaluate("img => img.complete && img.naturalWidth > 0", img)
                    assert drawn, (path, img.get_attribute("src"))
                    svg = page.request.get(f"{served}{img.get_attribute('src')}")
                    assert svg.ok
                    if "query_time" not in (img.get_attribute("src") or ""):
                        assert 'class="series"' in svg.text(), img.get_attribute("src")
                    charts_seen += 1
                page.screenshot(path=str(shots / f"{key}.png"), full_page=True)
            assert charts_seen >= 4
            _query_page(page, served, shots)
            # a finding's docs page, and logging out through the form (CSRF token included)
            page.goto(f"{served}/t/main/indexes")
            page.click("article.finding h3 a >> nth=0")
            assert "/docs/checks/" in page.url
            page.goto(f"{served}/t/main/")
            page.click("form.logout button")
            page.wait_for_url(f"{served}/login")
        finally:
            browser.close()
    print(f"screenshots in {shots}")
    assert sorted(p.name for p in shots.glob("*.png")) == sorted(
        [f"{k}.png" for k, _ in PAGES] + ["query.png"]
    )
    assert not problems, problems
