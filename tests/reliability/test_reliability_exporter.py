"""exporter: bad targets files and numbers are refused before anything is served."""

from __future__ import annotations

from pathlib import Path

import pytest
from reliability_support import FILE_KINDS, assert_clean_failure, bad_file, run, workdir

# --once with an unreachable DSN: an option taken by mistake would end in a connection error,
# not the option's own message, so each case also checks that the option is named.
BASE = ["exporter", "--once", "--dsn", "host=/nonexistent"]
NUMERIC = {
    "--port": ("-1", "65536", "nan", "99999999999999"),
    "--budget": ("0", "-1", "nan", "inf", "99999999999999"),
    "--size-interval": ("-1", "nan", "inf", "99999999999999"),
    "--catalog-interval": ("-1", "nan", "inf", "99999999999999"),
    "--top-tables": ("-1", "nan", "99999999999999"),
    "--top-statements": ("-1", "nan", "99999999999999"),
    "--top-sequences": ("-1", "nan", "99999999999999"),
    "--top-vector-indexes": ("-1", "nan", "99999999999999"),
    "--lock-timeout": ("0", "-1", "nan", "99999999999999"),
}
NUMBER_CASES = [
    pytest.param(option, value, id=f"{option}={value}")
    for option, values in NUMERIC.items()
    for value in values
]


@pytest.mark.parametrize(("option", "value"), NUMBER_CASES)
def test_bad_numbers(tmp_path: Path, option: str, value: str) -> None:
    work = workdir(tmp_path)
    result = run(*BASE, option, value, cwd=work, timeout=60)
    assert_clean_failure(result, work, mentions=option)


@pytest.mark.parametrize("kind", FILE_KINDS)
def test_bad_targets_file(tmp_path: Path, kind: str) -> None:
    work = workdir(tmp_path)
    bad = bad_file(tmp_path / "inputs", kind, ".toml")
    result = run("exporter", "--once", "--targets-file", str(bad), cwd=work, timeout=60)
    assert_clean_failure(result, work)


@pytest.mark.parametrize(
    "target",
    ["noequals", "=host=x", "name="],
    ids=["no-eq", "no-name", "no-dsn"],
)
def test_bad_target_syntax(tmp_path: Path, target: str) -> None:
    work = workdir(tmp_path)
    result = run("exporter", "--once", "--target", target, cwd=work, timeout=60)
    assert_clean_failure(result, work)
