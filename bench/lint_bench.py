"""Lint benchmark: pgsage lint beside squawk (PyPI squawk-cli) on 1,000 migration statements.

    .venv/bin/python bench/lint_bench.py [--squawk PATH] [--runs N] [--peer-missing REASON]

Writes the corpus (bench/lint_corpus.py) to a temporary folder, then times, after one warm-up:

* pgsage in-process: ``lint_units`` over the 100 files already read (parse + every rule);
* ``pgsage lint`` as a whole process (interpreter start-up, imports, reading, linting, JSON);
* ``squawk --reporter json`` as a whole process on the same files (squawk is a Rust binary).

and prints the timings and how many of squawk's verdicts pgsage shares: squawk's violations are
(file, line, rule) triples; pgsage's are mapped to squawk names through each rule's aliases.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from lint_corpus import write_corpus
from pgsage.lint.engine import lint_units, select_rules
from pgsage.lint.model import LintOptions, SourceKind, Unit
from pgsage.lint.rule import all_rules

ROOT = Path(__file__).resolve().parent.parent
GOAL_SECONDS = 0.3
# The umbrella name squawk's binary splits into require-lock-timeout / require-statement-timeout.
NOT_REPORTED_BY_SQUAWK = {"require-timeout-settings"}
INVALID_NAME = re.compile(r"invalid value '([^']+)' for '--include")
PGSAGE = Path(sys.executable).parent / "pgsage"


def timed(action: Callable[[], object], runs: int) -> list[float]:
    action()  # warm-up
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return times


def squawk_command(squawk: str, paths: list[Path]) -> list[str]:
    """squawk with every rule on (its opt-in ones included), like pgsage's --select ALL."""
    names = sorted(
        {alias for rule in all_rules() for alias in rule.aliases} - NOT_REPORTED_BY_SQUAWK
    )
    for _ in range(len(names)):
        command = [squawk, "--include", ",".join(names), "--reporter", "json"]
        probe = subprocess.run(
            [*command, str(paths[0])], capture_output=True, text=True, timeout=60, check=False
        )
        invalid = INVALID_NAME.search(probe.stderr)
        if not invalid:
            return [*command, *map(str, paths)]
        names.remove(invalid.group(1))  # a name this squawk version does not know
    return [squawk, "--reporter", "json", *map(str, paths)]


def squawk_verdicts(command: list[str]) -> set[tuple[str, int, str]]:
    proc = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)
    found = json.loads(proc.stdout or "[]")
    return {(Path(v["file"]).name, int(v["line"]) + 1, v["rule_name"]) for v in found}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--squawk", help="path of the squawk binary")
    parser.add_argument("--peer-missing", help="why squawk is not available")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--statements", type=int, default=1000)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="pgsage-lint-bench-") as tmp:
        paths = write_corpus(Path(tmp), args.statements)
        units = [Unit(path=p, kind=SourceKind.SQL, sql=p.read_text()) for p in paths]
        rules = select_rules(["ALL"])
        options = LintOptions()
        result = lint_units(units, options, rules)
        in_process = timed(lambda: lint_units(units, options, rules), args.runs)
        cli = timed(
            lambda: subprocess.run(
                [str(PGSAGE), "lint", "--select", "ALL", "-f", "json", tmp],
                capture_output=True,
                check=False,
            ),
            max(3, args.runs // 2),
        )
        rows = [
            ("pgsage lint_units() (in-process)", in_process),
            ("pgsage lint CLI (whole process)", cli),
        ]
        squawk_set: set[tuple[str, int, str]] | None = None
        if args.squawk:
            squawk_cmd = squawk_command(args.squawk, paths)
            rows.append(
                (
                    "squawk CLI, all rules (whole process)",
                    timed(
                        lambda: subprocess.run(squawk_cmd, capture_output=True, check=False),
                        max(3, args.runs // 2),
                    ),
                )
            )
            squawk_set = squawk_verdicts(squawk_cmd)

    print(
        f"\n== lint benchmark: {result.statements} statements in {result.files} files, "
        f"{len(rules)} pgsage rules (--select ALL)"
    )
    print(f"{'tool':36} {'median s':>9} {'min s':>8} {'max s':>8}")
    for name, times in rows:
        print(f"{name:36} {statistics.median(times):9.3f} {min(times):8.3f} {max(times):8.3f}")
    verdict = "meets" if statistics.median(in_process) <= GOAL_SECONDS else "MISSES"
    print(f"pgsage in-process {verdict} the goal of {GOAL_SECONDS} s for 1,000 statements")
    if squawk_set is None:
        print(f"squawk: not measured ({args.peer_missing or 'no --squawk given'})")
        return 0
    ours = {
        (Path(v.file).name, v.line, alias)
        for v in result.violations
        for alias in v.aliases
        if alias not in NOT_REPORTED_BY_SQUAWK
    }
    shared = squawk_set & ours
    print(
        f"squawk (all rules included) reported {len(squawk_set)} violations; pgsage shares "
        f"{len(shared)} of them "
        f"({len(shared) / max(len(squawk_set), 1):.1%}) and reports "
        f"{len(ours - squawk_set)} more under squawk's rule names "
        f"({len(result.violations)} violations in all)"
    )
    missed = Counter(rule for _, _, rule in squawk_set - ours)
    extra = Counter(rule for _, _, rule in ours - squawk_set)
    if missed:
        print("  squawk only, by rule: " + ", ".join(f"{r} {n}" for r, n in missed.most_common()))
    if extra:
        print("  pgsage only, by rule: " + ", ".join(f"{r} {n}" for r, n in extra.most_common()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
