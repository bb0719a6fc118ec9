"""What keeps pgsage web answering under load, checked for behaviour (its speed is measured
by bench/web_bench.py, not here): long lists come in pages, and concurrent requests for the
same value compute it once (the others wait for it, or answer with the stale one)."""

from __future__ import annotations

import threading

from fastapi.testclient import TestClient
from web_helpers import VIEWER, basic

from pgsage.web import views
from pgsage.web.singleflight import SingleFlight


def test_lists_come_in_pages() -> None:
    items = list(range(120))
    assert views.cut(items, 1) == items[:50]
    assert views.cut(items, 3) == items[100:]
    assert views.cut(items, 4) == []
    paging = views.Paging.of(2, 120, 7)
    assert (paging.page, paging.pages, paging.total, paging.per_page) == (2, 3, 120, 50)
    assert views.Paging.of(1).pages == 1


def test_page_numbers_on_the_api(client: TestClient) -> None:
    first = client.get("/api/v1/targets/main/findings", headers=basic(VIEWER)).json()
    assert first["paging"]["page"] == 1
    assert len(first["findings"]) == min(first["paging"]["total"], views.ROWS)
    beyond = first["paging"]["pages"] + 1
    empty = client.get(f"/api/v1/targets/main/findings?page={beyond}", headers=basic(VIEWER))
    assert empty.status_code == 200 and empty.json()["findings"] == []
    assert client.get("/api/v1/targets/main/space?page=0", headers=basic(VIEWER)).status_code == 422


def test_one_computation_for_concurrent_callers() -> None:
    flight: SingleFlight[int] = SingleFlight(ttl_s=3600)
    entered, release = threading.Event(), threading.Event()
    calls: list[int] = []

    def compute() -> int:
        calls.append(1)
        entered.set()
        release.wait(30)
        return 42

    results: list[int] = []
    first = threading.Thread(target=lambda: results.append(flight.get("k", compute).value))
    first.start()
    assert entered.wait(30)
    others = [
        threading.Thread(target=lambda: results.append(flight.get("k", compute).value))
        for _ in range(9)
    ]
    for thread in others:
        thread.start()
    release.set()
    for thread in [first, *others]:
        thread.join(30)
    assert results == [42] * 10
    assert len(calls) == 1


def test_a_stale_value_is_served_while_one_caller_refreshes() -> None:
    flight: SingleFlight[str] = SingleFlight(ttl_s=0)  # always stale
    assert flight.get("k", lambda: "old").value == "old"
    entered, release = threading.Event(), threading.Event()

    def slow() -> str:
        entered.set()
        release.wait(30)
        return "new"

    refresher = threading.Thread(target=lambda: flight.get("k", slow))
    refresher.start()
    assert entered.wait(30)
    # the refresh is under way: another caller gets the stale value at once, not a second run
    assert flight.get("k", lambda: "should not run").value == "old"
    release.set()
    refresher.join(30)
    assert flight.get("k", lambda: "newer").value == "newer"  # ttl 0: recomputed
