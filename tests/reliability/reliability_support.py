"""What the reliability tests share: bad files of every kind, the pgsage process, and the one
assertion every bad input must meet (one line on stderr, exit 2, no traceback, nothing left)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

PGSAGE = str(Path(sys.executable).parent / "pgsage")

# Every file option is fed each of these.
FILE_KINDS = ("binary", "empty", "directory", "missing")
# Every numeric option is fed each of these (where the option takes an integer, "nan" and
# "1.5" are parser errors, which must be one line too).
NUMBERS = ("0", "-1", "nan", "inf", "99999999999999")


def bad_file(root: Path, kind: str, suffix: str = "") -> Path:
    """A file of the given kind under ``root`` (made apart from the run's working folder)."""
    root.mkdir(parents=True, exist_ok=True)
    path = root / f"{kind}{suffix}"
    if kind == "binary":
        path.write_bytes(bytes(range(256)) * 8 + b"\xff\xfe\x00\x9d")
    elif kind == "empty":
        path.write_bytes(b"")
    elif kind == "directory":
        path.mkdir(exist_ok=True)
    return path


def run(
    *args: str,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
    timeout: float = 120,
) -> subprocess.CompletedProcess[str]:
    merged = {**os.environ, "COLUMNS": "80", **(env or {})}
    return subprocess.run(
        [PGSAGE, *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=merged,
        cwd=cwd,
        check=False,
    )


def assert_clean_failure(
    result: subprocess.CompletedProcess[str],
    workdir: Path | None = None,
    code: int = 2,
    mentions: str = "",
    progress: bool = False,
) -> None:
    """One line on stderr starting ``pgsage: error:`` (after progress lines, with
    ``progress``), the exit code, no traceback, no internal error, and no file left in
    ``workdir``."""
    assert result.returncode == code, (result.returncode, result.stderr)
    assert "Traceback" not in result.stderr, result.stderr
    assert "internal error" not in result.stderr, result.stderr
    lines = result.stderr.strip().splitlines()
    if progress:  # a long command's progress lines come first, then the one error line
        lines = lines[-1:]
    assert len(lines) == 1, lines
    assert lines[0].startswith("pgsage: error: "), lines
    assert mentions in lines[0], (mentions, lines)
    if workdir is not None:
        assert sorted(p.name for p in workdir.iterdir()) == [], "files left behind"


def workdir(tmp_path: Path) -> Path:
    """An empty working folder for the run: whatever it writes there is a leftover."""
    path = tmp_path / "work"
    path.mkdir()
    return path
