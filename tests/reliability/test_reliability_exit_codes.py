"""Exit codes mean the same in every command: 0 clean, 1 findings (or, for `server status`,
not running: the answer), 2 usage/input/connection errors, 3 an internal error only."""

from __future__ import annotations

from pathlib import Path

import pytest
from reliability_support import run

# (arguments, exit code, what stdout says): commands whose answer is the exit code
CASES = [
    (("server", "status"), 1, "running: False"),
    (("server", "stop"), 0, "not running"),
]


@pytest.mark.parametrize(("args", "code", "says"), CASES, ids=[" ".join(c[0]) for c in CASES])
def test_answer_codes(tmp_path: Path, args: tuple[str, ...], code: int, says: str) -> None:
    result = run(*args, env={"PGSAGE_HOME": str(tmp_path / "home")})
    assert result.returncode == code, (result.returncode, result.stdout, result.stderr)
    assert says in result.stdout
    assert result.stderr == ""


# (help of, what it must say)
HELP = [
    (("server", "status"), "1 not running"),
    ((), "3 internal error"),
    ((), "(server status: not running)"),
]


@pytest.mark.parametrize(("args", "says"), HELP, ids=["server-status", "main", "main-status"])
def test_help_documents_the_codes(args: tuple[str, ...], says: str) -> None:
    result = run(*args, "--help", env={"COLUMNS": "200"})
    assert result.returncode == 0
    assert says in " ".join(result.stdout.replace("│", " ").split())
