"""pgBackRest for real: a throwaway PostgreSQL 15 cluster archiving into a local repository, a full
backup, then `backup pgbackrest` reads the stanza and `backup verify --pgbackrest` restores it."""

from __future__ import annotations

import json
import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from backuphelp import clean_env, pgsage

from pgharness import DEBIAN_PG15, cleanup_root
from pgsage.db.cluster import LocalCluster, free_port

pytestmark = [
    pytest.mark.skipif(shutil.which("pgbackrest") is None, reason="pgbackrest is not installed"),
    pytest.mark.skipif(
        not (DEBIAN_PG15 / "postgres").exists(), reason="Debian's PostgreSQL 15 is not installed"
    ),
]
STANZA = "demo"


@dataclass
class Archived:
    cluster: LocalCluster
    config: Path
    env: dict[str, str]

    def dsn(self) -> str:
        return self.cluster.dsn("postgres")

    def pgbackrest(self, *args: str) -> None:
        runner = self.cluster.runner
        subprocess.run(
            ["pgbackrest", f"--config={self.config}", f"--stanza={STANZA}", *args],
            check=True, capture_output=True, text=True, timeout=300,
            user=runner, group=pwd.getpwnam(runner).pw_gid if runner else None,
        )  # fmt: skip


@pytest.fixture(scope="module")
def archived() -> Iterator[Archived]:
    root = Path(tempfile.mkdtemp(prefix="pgsage-pgbackrest-test-"))
    root.chmod(0o755)
    port = free_port()
    config = root / "pgbackrest.conf"
    cluster = LocalCluster(
        bindir=DEBIAN_PG15,
        home=root / "pg15",
        settings={
            "archive_mode": "on",
            "archive_command": f"'pgbackrest --config={config} --stanza={STANZA} archive-push %p'",
            "fsync": "off",
        },
    )
    cluster.init()
    for sub in ("repo", "log", "lock"):
        (root / sub).mkdir()
    config.write_text(
        "[global]\n"
        f"repo1-path={root / 'repo'}\nlog-path={root / 'log'}\nlock-path={root / 'lock'}\n"
        "log-level-console=warn\nlog-level-file=off\nstart-fast=y\nrepo1-retention-full=2\n"
        f"[{STANZA}]\npg1-path={cluster.datadir}\npg1-socket-path={cluster.socket_dir}\n"
        f"pg1-port={port}\npg1-user=postgres\n"
    )
    config.chmod(0o644)
    runner = cluster.runner
    if runner:
        entry = pwd.getpwnam(runner)
        for sub in ("repo", "log", "lock"):
            os.chown(root / sub, entry.pw_uid, entry.pw_gid)
    cluster.start(port)
    env = {**clean_env(), "PGBACKREST_CONFIG": str(config)}
    archived = Archived(cluster, config, env)
    try:
        with psycopg.connect(archived.dsn(), autocommit=True) as conn:
            conn.execute("CREATE TABLE t AS SELECT g AS id FROM generate_series(1, 5000) g")
            conn.execute("CREATE INDEX t_id ON t (id)")
        archived.pgbackrest("stanza-create")
        archived.pgbackrest("--type=full", "backup")
        yield archived
    finally:
        cluster.stop()
        cleanup_root(root)


def test_pgbackrest_info(archived: Archived) -> None:
    result = pgsage("backup", "pgbackrest", STANZA, "-f", "json", env=archived.env)
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads(result.stdout)
    assert [r["check"] for r in report["results"]] == [f"pgbackrest:{STANZA}"]
    assert report["results"][0]["status"] == "ok", report


def test_verify_restores_the_latest_backup(archived: Archived) -> None:
    result = pgsage("backup", "verify", "--pgbackrest", STANZA, "-f", "json", env=archived.env)
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads(result.stdout)
    checks = {r["check"]: r["status"] for r in report["results"]}
    assert checks["invalid-index:postgres"] == "ok"
    assert checks["pg_amcheck"] == "ok"
    assert report["stats"]["restore_ms"] > 0
    assert not list(Path(tempfile.gettempdir()).glob("pgsage-pgbackrest-*/cluster"))


def test_unknown_stanza_is_one_line(archived: Archived) -> None:
    result = pgsage("backup", "verify", "--pgbackrest", "nope", env=archived.env)
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1
