"""The locust users of bench/web_bench.py: a logged-in API client (HTTP Basic) that reads the
pages and their JSON twins of one target, as people and scripts do. The target, user and
password come from the environment (PGSAGE_BENCH_TARGET, _USER, _PASSWORD); the think time
between two tasks from PGSAGE_BENCH_THINK ("MIN,MAX" seconds, default 0.05,0.2).

FastHttpUser (geventhttpclient): the load generator runs on the same 2 cores as the server,
so it should take as little of them as it can."""

from __future__ import annotations

import os
from base64 import b64encode

from locust import FastHttpUser, between, task

TARGET = os.environ.get("PGSAGE_BENCH_TARGET", "bench")
_CREDENTIALS = (
    f"{os.environ.get('PGSAGE_BENCH_USER', 'bench')}:{os.environ.get('PGSAGE_BENCH_PASSWORD', '')}"
)
HEADERS = {"Authorization": "Basic " + b64encode(_CREDENTIALS.encode()).decode()}
THINK = tuple(float(v) for v in os.environ.get("PGSAGE_BENCH_THINK", "0.05,0.2").split(","))
PAGES = ("", "queries", "space", "indexes", "maintenance", "activity", "settings", "findings")
APIS = ("overview", "queries", "space", "indexes", "maintenance", "activity", "findings")


class Reader(FastHttpUser):
    wait_time = between(THINK[0], THINK[1])

    def _get(self, path: str, name: str) -> None:
        with self.client.get(path, headers=HEADERS, name=name, catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"HTTP {response.status_code}")

    @task(8)
    def page(self) -> None:
        for page in PAGES:
            self._get(f"/t/{TARGET}/{page}", f"page /t/T/{page}")

    @task(7)
    def api(self) -> None:
        for page in APIS:
            self._get(f"/api/v1/targets/{TARGET}/{page}", f"api {page}")

    @task(2)
    def history(self) -> None:
        self._get(f"/t/{TARGET}/charts/size.svg", "chart size.svg")
        self._get(f"/api/v1/targets/{TARGET}/history/query_time", "api history/query_time")

    @task(1)
    def health(self) -> None:
        self._get("/health", "/health")
