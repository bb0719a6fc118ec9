"""End to end: a real Prometheus (Debian's) scrapes the exporter and evaluates the generated
rules; a transaction held open past a lowered threshold makes PostgresLongTransaction fire, and
every dashboard query returns data. On PostgreSQL 18 and 15.
"""

from __future__ import annotations

import json
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg
from monitoring_tools import require_tool

from pgharness import TestServer
from pgsage.exporter.collector import ExporterOptions
from pgsage.exporter.server import Exporter, make_http_server
from pgsage.monitoring.dashboard import dashboard
from pgsage.monitoring.definitions import ALERTS
from pgsage.monitoring.rules import apply_overrides, render_rules

WAIT_S = 40


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def api(base: str, path: str, **params: str) -> Any:
    url = f"{base}{path}" + (f"?{urllib.parse.urlencode(params)}" if params else "")
    with urllib.request.urlopen(url, timeout=5) as response:
        return json.loads(response.read())["data"]


def wait_for(what: str, check: Any, timeout: float = WAIT_S) -> Any:
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        try:
            last = check()
        except OSError as exc:  # not listening yet
            last = exc
        else:
            if last:
                return last
        time.sleep(0.25)
    raise AssertionError(f"timed out waiting for {what}; last: {last!r}")


@contextmanager
def exporter_for(dsn: str) -> Iterator[int]:
    targets = {"default": dsn, "second": dsn}
    server = make_http_server(Exporter(targets, ExporterOptions(budget_s=2.0)), "127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_port
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def prometheus(workdir: Path, exporter_port: int, rules: str) -> Iterator[str]:
    binary = require_tool("prometheus")
    (workdir / "rules.yml").write_text(rules)
    (workdir / "prometheus.yml").write_text(
        json.dumps(
            {
                "global": {
                    "scrape_interval": "1s",
                    "evaluation_interval": "1s",
                    "scrape_timeout": "1s",
                },
                "rule_files": ["rules.yml"],
                "scrape_configs": [
                    {
                        "job_name": "pgsage",
                        "static_configs": [{"targets": [f"127.0.0.1:{exporter_port}"]}],
                    },
                    # docs/monitoring.md's /probe configuration: the target NAME becomes the instance
                    {
                        "job_name": "pgsage-probe",
                        "metrics_path": "/probe",
                        "static_configs": [{"targets": ["second"]}],
                        "relabel_configs": [
                            {"source_labels": ["__address__"], "target_label": "__param_target"},
                            {"source_labels": ["__param_target"], "target_label": "instance"},
                            {
                                "target_label": "__address__",
                                "replacement": f"127.0.0.1:{exporter_port}",
                            },
                        ],
                    },
                ],
            }
        )
    )
    port = free_port()
    log = (workdir / "prometheus.log").open("w")
    proc = subprocess.Popen(
        [
            binary,
            f"--config.file={workdir / 'prometheus.yml'}",
            f"--storage.tsdb.path={workdir / 'data'}",
            f"--web.listen-address=127.0.0.1:{port}",
            "--log.level=warn",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(
            "Prometheus to be ready",
            lambda: urllib.request.urlopen(base + "/-/ready", timeout=2).status == 200,
        )
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


def firing(base: str, name: str, severity: str) -> list[dict[str, Any]]:
    return [
        alert
        for alert in api(base, "/api/v1/alerts")["alerts"]
        if alert["labels"]["alertname"] == name
        and alert["state"] == "firing"
        and alert["labels"]["severity"] == severity
    ]


# Without a standby, a slot or an instrumented application these have no samples.
NO_DATA_HERE = {
    ("Replay lag", "{{application_name}}"),
    ("Replay lag", "this standby"),
    ("Replication lag (bytes)", "{{application_name}}"),
    ("Slots: WAL retained", "{{slot_name}}"),
    ("Application p95 query time", "p95"),
}


# PG 15 here has no pgvector.
NO_VECTOR = {
    ("Vector index size", "{{schema}}.{{index}} ({{method}})"),
    ("Vector index scans / s", "{{schema}}.{{index}}"),
}


def assert_dashboard_queries_answer(base: str, allowed_empty: set[tuple[str, str]]) -> None:
    """Every dashboard query, as Grafana sends it (variables substituted; $__rate_interval is
    4 x the 1 s scrape interval), is valid PromQL for this Prometheus and, unless listed in
    ``allowed_empty``, returns data from the exporter and the generated recording rules."""
    empty = set()
    for panel in dashboard()["panels"]:
        for target in panel.get("targets", []):
            query = (
                target["expr"]
                .replace("$__rate_interval", "4s")
                .replace("$job", "pgsage")
                .replace("$instance", ".*")
            )
            try:
                result = api(base, "/api/v1/query", query=query)["result"]
            except urllib.error.HTTPError as exc:
                raise AssertionError(f"{panel['title']}: {query}: {exc.read()!r}") from None
            if not result:
                empty.add((panel["title"], target["legendFormat"]))
    assert empty <= allowed_empty, f"dashboard queries without data: {empty - allowed_empty}"


def test_prometheus_scrapes_the_exporter_and_a_planted_long_transaction_fires(
    server: TestServer, tmp_path: Path
) -> None:
    db = server.create_database("prom")
    vector = "vector" in server.available_extensions
    # something for every dashboard section: a table with a sequence and dead rows (vacuumed),
    # a pgvector index that has been scanned
    db.execute("""
        CREATE TABLE visits (id serial PRIMARY KEY, path text);
        INSERT INTO visits (path) SELECT 'p' || g FROM generate_series(1, 1000) g;
        DELETE FROM visits WHERE id % 2 = 0;
    """)
    db.execute("VACUUM visits")
    if vector:
        db.execute("""
        CREATE EXTENSION vector;
        CREATE TABLE items (id int, e vector(2));
        INSERT INTO items SELECT g, ARRAY[g, g]::vector FROM generate_series(1, 100) g;
        CREATE INDEX ON items USING hnsw (e vector_l2_ops);
        SET enable_seqscan = off;
        SELECT id FROM items ORDER BY e <-> '[1,1]' LIMIT 1;
        """)
    rules = render_rules(
        apply_overrides(
            ALERTS,
            {"PostgresLongTransaction.warning": 3},
            {"PostgresLongTransaction.warning": "2s"},
        )
    )
    try:
        with exporter_for(db.dsn) as port, prometheus(tmp_path, port, rules) as base:
            wait_for(
                "a successful scrape of both jobs",
                lambda: len(api(base, "/api/v1/query", query="pgsage_up == 1")["result"]) == 2,
            )
            targets = api(base, "/api/v1/targets")["activeTargets"]
            assert sorted((t["labels"]["job"], t["health"]) for t in targets) == [
                ("pgsage", "up"),
                ("pgsage-probe", "up"),
            ]
            probed = api(base, "/api/v1/query", query='pgsage_up{job="pgsage-probe"}')["result"]
            assert [r["metric"]["instance"] for r in probed] == ["second"]
            groups = api(base, "/api/v1/rules")["groups"]
            assert {g["name"] for g in groups} >= {"pgsage-recording", "pgsage-connections"}
            assert not firing(base, "PostgresLongTransaction", "warning")

            with psycopg.connect(db.dsn) as holder:
                holder.execute("SELECT txid_current()")  # a transaction held open
                # Both jobs scrape the same server; the /metrics job's alert is the one checked.
                alerts = wait_for(
                    "PostgresLongTransaction to fire",
                    lambda: [
                        a
                        for a in firing(base, "PostgresLongTransaction", "warning")
                        if a["labels"]["job"] == "pgsage"
                    ],
                )
                holder.rollback()
            alert = alerts[0]
            assert float(alert["value"]) > 3
            assert alert["annotations"]["summary"].startswith("A transaction on 127.0.0.1:")
            assert not firing(base, "PostgresExporterDown", "critical")
            assert_dashboard_queries_answer(
                base, NO_DATA_HERE if vector else NO_DATA_HERE | NO_VECTOR
            )
    finally:
        server.drop_database(db.name)
