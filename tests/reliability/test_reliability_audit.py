"""audit, snapshot, checks: every bad input is one line on stderr, exit 2, nothing left."""

from __future__ import annotations

from pathlib import Path

import pytest
from reliability_support import (
    FILE_KINDS,
    NUMBERS,
    assert_clean_failure,
    bad_file,
    run,
    workdir,
)

from pgharness import TestServer

# (command line with {bad} for the file, the kinds that are bad for it)
FILE_OPTIONS = [
    (["audit", "--snapshot", "{bad}"], FILE_KINDS),
    (["audit", "--baseline", "{bad}"], FILE_KINDS),
    # an empty pyproject.toml is a valid one (no [tool.pgsage] table)
    (["audit", "--config", "{bad}"], ("binary", "directory", "missing")),
    (["snapshot", "--out", "snap.json", "--config", "{bad}"], ("binary", "directory", "missing")),
]
NUMERIC_OPTIONS = [
    ["audit", "--statement-timeout"],
    ["audit", "--lock-timeout"],
    ["snapshot", "--out", "snap.json", "--statement-timeout"],
    ["snapshot", "--out", "snap.json", "--lock-timeout"],
]
FILE_CASES = [
    pytest.param(argv, kind, id=f"{'-'.join(a for a in argv if a != '{bad}')}-{kind}")
    for argv, kinds in FILE_OPTIONS
    for kind in kinds
]
NUMBER_CASES = [
    pytest.param(argv, value, id=f"{'-'.join(argv)}={value}")
    for argv in NUMERIC_OPTIONS
    for value in NUMBERS
]


@pytest.mark.parametrize(("argv", "kind"), FILE_CASES)
def test_bad_input_files(tmp_path: Path, argv: list[str], kind: str) -> None:
    work = workdir(tmp_path)
    bad = bad_file(tmp_path / "inputs", kind, ".json")
    result = run(*(str(bad) if a == "{bad}" else a for a in argv), cwd=work)
    assert_clean_failure(result, work)


@pytest.mark.parametrize(("argv", "value"), NUMBER_CASES)
def test_bad_numbers(tmp_path: Path, argv: list[str], value: str) -> None:
    work = workdir(tmp_path)
    assert_clean_failure(run(*argv, value, cwd=work), work)


OTHER_CASES = [
    pytest.param(["audit", "--snapshot", "s.json", "--dsn", "host=x"], {}, id="snapshot-and-dsn"),
    pytest.param(["audit", "--dsn", ""], {}, id="empty-dsn"),
    pytest.param(["audit", "--bogus"], {}, id="unknown-option"),
    pytest.param(["audit", "--format", "yaml"], {}, id="unknown-format"),
    pytest.param(["audit", "--fail-on"], {}, id="missing-value"),
    pytest.param(["nosuchcommand"], {}, id="unknown-command"),
    pytest.param(["audit"], {"PGSAGE_STATEMENT_TIMEOUT_MS": "abc"}, id="env-not-a-number"),
    pytest.param(["audit"], {"PGSAGE_IGNORE": "unused-index"}, id="env-not-a-list"),
    pytest.param(["audit", "--param", "nodot=1"], {}, id="param-syntax"),
]


@pytest.mark.parametrize(("argv", "env"), OTHER_CASES)
def test_bad_options_and_environment(tmp_path: Path, argv: list[str], env: dict[str, str]) -> None:
    work = workdir(tmp_path)
    assert_clean_failure(run(*argv, cwd=work, env=env), work)


def test_pgsage_home_is_a_file(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.write_text("not a folder")
    work = workdir(tmp_path)
    result = run("server", "dsn", cwd=work, env={"PGSAGE_HOME": str(home)})
    assert_clean_failure(result, work)


def test_stdout_to_dev_full(tmp_path: Path) -> None:
    with open("/dev/full", "w") as full:
        import subprocess

        from reliability_support import PGSAGE

        done = subprocess.run(
            [PGSAGE, "checks"], stdout=full, stderr=subprocess.PIPE, text=True, check=False
        )
    assert_clean_failure(done)


def test_parser_errors_are_one_line_not_a_panel(tmp_path: Path) -> None:
    result = run("audit", "--bogus", cwd=workdir(tmp_path))
    assert_clean_failure(result)
    assert "╭" not in result.stderr
    assert "pgsage audit --help" in result.stderr


def test_help_keeps_bracketed_words() -> None:
    result = run("audit", "--help", env={"COLUMNS": "200"})
    assert "[tool.pgsage]" in result.stdout


def test_checks_list_does_not_cut_ids() -> None:
    from pgsage.checks import all_checks

    result = run("checks", env={"COLUMNS": "60"})
    assert result.returncode == 0
    for check in all_checks():
        assert check.id in result.stdout


@pytest.fixture
def snapshot_file(pg18: TestServer, tmp_path: Path) -> Path:
    db = pg18.create_database()
    try:
        out = tmp_path / "made" / "deep" / "snap.json"  # parents are created
        result = run("snapshot", "--dsn", db.dsn, "--out", str(out))
        assert result.returncode == 0, result.stderr
        assert [p.name for p in out.parent.iterdir()] == ["snap.json"]  # no temporary left
        return out
    finally:
        pg18.drop_database(db.name)


@pytest.mark.parametrize(
    "param",
    [
        "unused-index.min_stats_days=nan",
        "unused-index.min_stats_days=-3",
        "unused-index.min_stats_days=inf",
        "unused-index.min_stats_days=abc",
        "unused-index.nosuch=1",
    ],
)
def test_bad_check_parameters(snapshot_file: Path, tmp_path: Path, param: str) -> None:
    work = workdir(tmp_path)
    result = run("audit", "--snapshot", str(snapshot_file), "--param", param, cwd=work)
    assert_clean_failure(result, work)
