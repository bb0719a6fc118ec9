"""Two source trees of pgsage timed against each other on one database, runs interleaved.

    .venv/bin/python bench/compare_trees.py DSN OLD_SRC NEW_SRC [--runs N]

For a change that must not slow the snapshot down when the machine is shared: each round runs
``pgsage snapshot``, ``pgsage audit`` and ``connect + collect_snapshot()`` once per tree (the
order alternating), with PYTHONPATH set to the tree's ``src``, so both see the same load.
pg_stat_statements is first filled with one statement per sequence (up to 4,900), as
postgres-mcp's health check leaves it, so the audit parses a full workload.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import psycopg
from psycopg import sql

COLLECT = (
    "import sys, time\n"
    "from pgsage.db.connect import connect\n"
    "from pgsage.db.snapshot import collect_snapshot\n"
    "started = time.perf_counter()\n"
    "with connect(sys.argv[1]) as conn:\n"
    "    collect_snapshot(conn)\n"
    "print(time.perf_counter() - started)\n"
)


def fill_workload(dsn: str) -> int:
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("SELECT pg_stat_statements_reset()")
        names = conn.execute("SELECT schemaname, sequencename FROM pg_sequences LIMIT 4900")
        for schema, name in names.fetchall():
            conn.execute(sql.SQL("SELECT last_value FROM {}").format(sql.Identifier(schema, name)))
        row = conn.execute("SELECT count(*) FROM pg_stat_statements").fetchone()
        return int(row[0]) if row else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dsn")
    parser.add_argument("old", type=Path, help="the old tree's src directory")
    parser.add_argument("new", type=Path, help="the new tree's src directory")
    parser.add_argument("--runs", type=int, default=5, help="timed rounds (after a warm-up)")
    args = parser.parse_args()
    print(f"pg_stat_statements: {fill_workload(args.dsn)} statements")
    exe = str(Path(sys.executable).parent / "pgsage")
    out = Path(os.environ.get("TMPDIR", "/tmp")) / "compare_trees.snapshot.json"
    commands = {
        "collect_snapshot() (in-process)": [sys.executable, "-c", COLLECT, args.dsn],
        "pgsage snapshot CLI": [exe, "snapshot", "--dsn", args.dsn, "--out", str(out)],
        "pgsage audit CLI, all checks": [exe, "audit", "--dsn", args.dsn, "--format", "json"],
    }
    trees = {"before": args.old, "after": args.new}
    times: dict[tuple[str, str], list[float]] = {(t, c): [] for t in trees for c in commands}
    for number in range(args.runs + 1):
        for command, argv in commands.items():
            order = list(trees.items())
            for tree, src in order if number % 2 else reversed(order):
                env = dict(os.environ, PYTHONPATH=str(src))
                started = time.perf_counter()
                proc = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)
                elapsed = time.perf_counter() - started
                if proc.returncode not in (0, 1):
                    print(f"{tree} {command} failed: {proc.stderr[-500:]}")
                    return 2
                if number > 0:  # the first round warms the caches
                    in_process = command.startswith("collect")
                    times[(tree, command)].append(float(proc.stdout) if in_process else elapsed)
    for command in commands:
        for tree in trees:
            runs = times[(tree, command)]
            print(
                f"{command:34s} {tree:6s} median {statistics.median(runs):.2f} "
                f"min {min(runs):.2f} max {max(runs):.2f}"
            )
    print(f"load average at the end: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
