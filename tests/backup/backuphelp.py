"""Helpers of the backup tests: a backup directory the server user can reach, the CLI."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from pgharness import cleanup_root

PGSAGE = str(Path(sys.executable).parent / "pgsage")


@pytest.fixture
def backup_dir() -> Iterator[Path]:
    # Not under pytest's tmp dirs: as root, the server user may need to reach it.
    root = Path(tempfile.mkdtemp(prefix="pgsage-backup-"))
    root.chmod(0o755)
    try:
        yield root / "backups"
    finally:
        cleanup_root(root)


def clean_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "PGSAGE_DSN")}


def pgsage(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [PGSAGE, *args],
        env=env or clean_env(),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
