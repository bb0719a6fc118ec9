"""One Settings owns all of [tool.pgsage]: the audit's keys, check thresholds and lint."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from pgsage.errors import UsageError
from pgsage.settings import load_settings


def _pyproject(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "pyproject.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_lint_table_and_audit_keys_load_together(tmp_path: Path) -> None:
    path = _pyproject(
        tmp_path,
        "[tool.pgsage]\nstatement_timeout_ms = 5000\nignore = ['unused-index']\n"
        "[tool.pgsage.checks.unused-index]\nmin_size_bytes = 1\n"
        "[tool.pgsage.lint]\npg-version = 16\nextend-select = ['prefer-text-field']\n"
        "assume-in-transaction = true\ndowngrade = true\n",
    )
    settings = load_settings(path)
    assert settings.statement_timeout_ms == 5000
    assert settings.ignore == ["unused-index"]
    assert settings.checks == {"unused-index": {"min_size_bytes": 1}}
    assert settings.lint.pg_version == 16
    assert settings.lint.extend_select == ("prefer-text-field",)
    assert settings.lint.assume_in_transaction and settings.lint.downgrade


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[tool.pgsage.lint]\nselct = []\n", "unknown [tool.pgsage.lint] key(s): selct"),
        ("[tool.pgsage.lint]\npg-version = 'x'\n", "[tool.pgsage.lint] pg-version:"),
        ("[tool.pgsage]\nstatment_timeout_ms = 1\n", "unknown [tool.pgsage] key(s): statment"),
        ("[tool.pgsage\n", "cannot read"),
    ],
)
def test_bad_configuration_is_one_line(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(UsageError) as raised:
        load_settings(_pyproject(tmp_path, text))
    assert message in str(raised.value)
    assert "\n" not in str(raised.value)


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("PGSAGE_STATEMENT_TIMEOUT_MS", "abc", "PGSAGE_STATEMENT_TIMEOUT_MS"),
        ("PGSAGE_IGNORE", "unused-index", "lists are JSON"),
    ],
)
def test_bad_environment_is_one_line_exit_2(
    tmp_path: Path, variable: str, value: str, message: str
) -> None:
    env = {**os.environ, variable: value}
    done = subprocess.run(
        [sys.executable, "-m", "pgsage.cli.main", "audit", "--snapshot", str(tmp_path / "x")],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert message in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    assert "Traceback" not in done.stderr
