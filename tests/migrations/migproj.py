"""The small Alembic projects under projects/ and helpers to run pgsage on them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from pgsage.migrations.project import AlembicProject, find_project

PROJECTS = Path(__file__).parent / "projects"
PGSAGE = str(Path(sys.executable).parent / "pgsage")


def project(name: str) -> AlembicProject:
    """A project by folder name: with an alembic.ini when it has one, else by --dir."""
    folder = PROJECTS / name
    ini = folder / "alembic.ini"
    return find_project(ini, None) if ini.exists() else find_project(None, folder)


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [PGSAGE, "migrations", *args], capture_output=True, text=True, timeout=300, check=False
    )
