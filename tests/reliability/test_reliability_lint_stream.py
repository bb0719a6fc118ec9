"""`pgsage lint` of a large SQL file streams it (issue 12, item 14): memory stays bounded by a
constant whatever the file's size, the result is the one a whole-file parse gives, and progress
goes to stderr only when asked for (or on a terminal), never into a CI log by default.

Speed is measured in bench/lint_stream_bench.py (bench/README.md), not here."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from reliability_support import run

from pgsage.lint.engine import lint_units, select_rules
from pgsage.lint.model import LintOptions, LintResult, SourceKind, Unit

# Statements of the shapes that make splitting hard: semicolons inside literals, dollar-quoted
# and BEGIN ATOMIC bodies, comments between statements, two statements on a line, CRLF, a
# syntax error, suppressions (one file-wide), non-ASCII names, and violations to find.
BLOCK = (
    "CREATE TABLE IF NOT EXISTS t{i} (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, "
    "name text NOT NULL);\n"
    "INSERT INTO t{i} (name) VALUES ('a ; in a literal {i}'), ('{pad}');\n"
    "CREATE INDEX ix_{i} ON orders (customer_id); CREATE INDEX ix_é{i} ON orders (ü);\r\n"
    "/* a comment ; with a semicolon */ -- and a line comment ;\n"
    "CREATE OR REPLACE FUNCTION f{i}() RETURNS int LANGUAGE plpgsql AS $body$ BEGIN "
    "PERFORM 1; RETURN {i}; END; $body$;\n"
    "CREATE FUNCTION g{i}() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; SELECT 2; END;\n"
    "ALTER TABLE orders ADD COLUMN c{i} int NOT NULL; -- pgsage: ignore[adding-required-field]\n"
    "ALTER TABLE orders ALTER COLUMN c{i} TYPE bigint;\n"
)
BROKEN = "SELEC this is not sql;\n"
HEADER = "-- pgsage: ignore-file[prefer-robust-stmts] generated\nSET lock_timeout = '1s';\n"


ATOMIC = "BEGIN ATOMIC"


def generated_sql(target_bytes: int, pad: int = 0, broken_every: int = 0) -> str:
    parts = [HEADER]
    size = len(HEADER)
    i = 0
    while size < target_bytes:
        block = BLOCK.format(i=i, pad="x" * pad)
        if broken_every:
            # A file that does not parse is split by the scanner alone, which cuts BEGIN ATOMIC
            # bodies apart; streamed, only the chunk with the error is, so the two differ there
            # (streaming reads the bodies right): leave them out of this comparison.
            block = "".join(line for line in block.splitlines(True) if ATOMIC not in line)
        if broken_every and i % broken_every == broken_every - 1:
            block += BROKEN
        parts.append(block)
        size += len(block)
        i += 1
    return "".join(parts)


def lint_text(path: Path, window: int, from_file: bool) -> LintResult:
    text = "" if from_file else path.read_text(encoding="utf-8")
    unit = Unit(path=path, kind=SourceKind.SQL, sql=text, from_file=from_file)
    return lint_units([unit], LintOptions(), select_rules(["ALL"]), window=window)


# (name, bytes, pad, broken_every): a smaller file, read whole in one window (what the
# whole-file parse gives) and in windows much smaller than it.
SHAPES = [
    ("plain", 60_000, 0, 0),
    ("long-literals", 60_000, 3_000, 0),
    ("syntax-errors", 60_000, 0, 7),
]


@pytest.mark.parametrize("shape", SHAPES, ids=[s[0] for s in SHAPES])
@pytest.mark.parametrize("window", [97, 4_096])
def test_streamed_result_equals_whole_file_result(
    tmp_path: Path, shape: tuple[str, int, int, int], window: int
) -> None:
    name, size, pad, broken_every = shape
    path = tmp_path / f"{name}.sql"
    path.write_bytes(generated_sql(size, pad, broken_every).encode())
    whole = lint_text(path, window=10 * size, from_file=False)
    streamed = lint_text(path, window=window, from_file=True)
    assert streamed.statements == whole.statements > 100
    assert streamed.violations == whole.violations
    rules = {v.rule for v in whole.violations}
    assert {"require-concurrent-index-creation", "changing-column-type"} <= rules
    assert "adding-required-field" not in rules  # suppressed on its line
    assert "prefer-robust-stmts" not in rules  # suppressed file-wide
    assert ("syntax-error" in rules) == bool(broken_every)


# What a process linting the file may hold at most, whatever the file's size: the old
# whole-file parse needed ~45 MB per MB of SQL (4.7 MB: 307 MB); streaming holds one window's
# parse tree (this file: ~30 MB in all, ~140 MB before). The figure is generous.
MAX_PEAK_MB = 100
MEASURE = textwrap.dedent(
    """
    import json, sys
    from pathlib import Path
    from pgsage.commands.lint import LintRequest, lint
    report = lint(LintRequest(paths=[Path(sys.argv[1])]))
    # the peak of this process's own memory (getrusage's maxrss counts the forked parent's)
    status = Path("/proc/self/status").read_text().splitlines()
    peak_kb = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
    print(json.dumps({
        "peak_mb": peak_kb // 1024,
        "statements": report.stats["statements"],
        "findings": sum(len(r.findings) for r in report.results),
    }))
    """
)


def test_large_file_is_linted_in_bounded_memory(tmp_path: Path) -> None:
    path = tmp_path / "large.sql"
    # Long literals keep the parse cheap (the test stays quick on a busy machine) while the
    # file is big: 24 MB, which a whole-file parse could not hold under the bound.
    path.write_bytes(generated_sql(24 << 20, pad=20_000).encode())
    done = subprocess.run(
        [sys.executable, "-c", MEASURE, str(path)],
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    measured = json.loads(done.stdout)
    assert measured["statements"] > 5_000
    assert measured["findings"] > 0
    assert measured["peak_mb"] < MAX_PEAK_MB, measured


# (arguments, progress lines expected on stderr): progress only when asked for off a terminal
PROGRESS_CASES = [
    ((), False),
    (("--no-progress",), False),
    (("--progress",), True),
]


@pytest.mark.parametrize(("extra", "shown"), PROGRESS_CASES, ids=["default", "off", "on"])
def test_progress_only_when_asked_off_a_terminal(
    tmp_path: Path, extra: tuple[str, ...], shown: bool
) -> None:
    path = tmp_path / "m.sql"
    path.write_bytes(generated_sql(300_000, pad=2_000).encode())
    result = run("lint", str(path), "--format", "json", *extra, timeout=600)
    assert result.returncode == 1, result.stderr
    json.loads(result.stdout)  # stdout is the report only
    lines = result.stderr.splitlines()
    if shown:
        assert lines and all(line.startswith(f"pgsage lint: {path}: ") for line in lines)
        assert lines[-1].endswith("(100%)")
    else:
        assert lines == []
