"""Whole-process `pgsage snapshot` and `pgsage audit` of two source trees, runs interleaved.

    .venv/bin/python bench/compare_cli_trees.py DSN [--rounds N]

Like compare_trees.py, for trees whose CLI entry points differ (before issue 11 the CLI was the
module ``pgsage.cli``; now it is ``pgsage.cli.main``): the trees are /tmp/old-tree/src and
/tmp/new-tree/src (``git archive REV src | tar -x -C /tmp/old-tree``). Each round runs both
commands once per tree, the order alternating, so that both trees see the same load.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time

TREES = {
    "before": ("/tmp/old-tree/src", "from pgsage.cli import main"),
    "after": ("/tmp/new-tree/src", "from pgsage.cli.main import main"),
}
COMMANDS = {
    "snapshot": ["snapshot", "--out", "/tmp/compare-snapshot.json"],
    "audit": ["audit", "--format", "json", "-o", "/tmp/compare-audit.json"],
}


def timed(tree: str, command: str, dsn: str) -> float:
    src, entry = TREES[tree]
    code = f"import sys; {entry}; sys.argv[0] = 'pgsage'; main()"
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", code, *COMMANDS[command], "--dsn", dsn],
        env={**os.environ, "PYTHONPATH": src},
        capture_output=True,
        text=True,
        check=False,
    )
    elapsed = time.perf_counter() - started
    if done.returncode not in (0, 1):
        raise SystemExit(f"{tree} {command} failed: {done.stderr[-300:]}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("dsn")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    times: dict[tuple[str, str], list[float]] = {(t, c): [] for t in TREES for c in COMMANDS}
    for number in range(args.rounds):
        order = list(TREES) if number % 2 == 0 else list(reversed(TREES))
        for tree in order:
            for command in COMMANDS:
                times[(tree, command)].append(timed(tree, command, args.dsn))
    for command in COMMANDS:
        for tree in TREES:
            runs = times[(tree, command)]
            print(
                f"{command:9} {tree:7} median {statistics.median(runs):.2f} "
                f"min {min(runs):.2f} max {max(runs):.2f}"
            )
    print("load average at the end:", " ".join(f"{x:.1f}" for x in os.getloadavg()))


if __name__ == "__main__":
    main()
