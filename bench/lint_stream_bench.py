"""`pgsage lint` of large SQL files (issue 12, item 14): wall time and peak memory.

    .venv/bin/python bench/lint_stream_bench.py [--sizes 5 50] [--src SRC]

Writes a migration-shaped SQL file of each size in MB (mostly INSERTs of rows, one in fifty a
table, function or index build: deterministic), lints it with ``pgsage lint --format json`` in
a process of its own, and prints the wall time, the process's peak resident memory (VmHWM)
and the statements read. ``--src`` lints with another tree's sources (a checkout's ``src``),
to put a figure beside the one before a change.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Lints the file and prints the peak of this process's own memory (getrusage's maxrss would
# count the forked parent's pages too).
MEASURE = """
import json, sys
from pathlib import Path
from pgsage.commands.lint import LintRequest, lint
report = lint(LintRequest(paths=[Path(sys.argv[1])]))
status = Path("/proc/self/status").read_text().splitlines()
peak_kb = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
findings = sum(len(result.findings) for result in report.results)
print(json.dumps({"peak_mb": peak_kb / 1024, "statements": report.stats["statements"],
                  "findings": findings}))
"""


def statement(i: int) -> str:
    table = f"t{i % 200}"
    kind = i % 50
    if kind == 0:
        return (
            f"CREATE TABLE IF NOT EXISTS {table}_{i} (id bigint GENERATED ALWAYS AS IDENTITY "
            "PRIMARY KEY, name text NOT NULL, created_at timestamptz NOT NULL DEFAULT now());"
        )
    if kind == 1:
        return (
            f"-- batch {i}\nCREATE OR REPLACE FUNCTION f_{i}() RETURNS int LANGUAGE plpgsql "
            f"AS $$ BEGIN PERFORM 1; RETURN {i}; END; $$;"
        )
    if kind == 2:
        return f"CREATE INDEX ix_{table}_{i} ON {table} (name);"
    values = f"({i}, 'name {i}', 'a note; row {i}')"
    return f"INSERT INTO {table} (id, name, note) VALUES {values};"  # noqa: S608 (a file's text)


def write_sql(path: Path, megabytes: float) -> None:
    target = int(megabytes * 1024 * 1024)
    size = 0
    i = 0
    with path.open("w", encoding="utf-8") as out:
        out.write("SET lock_timeout = '2s';\nSET statement_timeout = '60s';\n")
        while size < target:
            line = statement(i) + "\n"
            out.write(line)
            size += len(line)
            i += 1


def measure(path: Path, src: Path) -> dict[str, float]:
    env = {**os.environ, "PYTHONPATH": str(src)}
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", MEASURE, str(path)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"lint failed: {done.stderr.strip()[-500:]}")
    figures: dict[str, float] = json.loads(done.stdout)
    return {"seconds": seconds, **figures}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=float, nargs="+", default=[5.0, 50.0])
    parser.add_argument("--src", type=Path, default=ROOT / "src")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="pgsage-lint-stream-") as folder:
        for megabytes in args.sizes:
            path = Path(folder) / f"large_{megabytes:g}mb.sql"
            write_sql(path, megabytes)
            got = measure(path, args.src)
            print(
                f"lint {megabytes:g} MB: {got['seconds']:.1f} s, peak {got['peak_mb']:.0f} MB, "
                f"{got['statements']:,.0f} statements, {got['findings']:,.0f} findings",
                flush=True,
            )
            path.unlink()


if __name__ == "__main__":
    main()
