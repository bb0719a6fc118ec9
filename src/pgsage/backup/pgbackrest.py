"""pgBackRest: its stanzas as ``pgbackrest info --output=json`` reports them, and a restore of the
latest backup into a scratch data directory, started on a local socket as a non-root user.

pgbackrest finds its configuration as it always does (``/etc/pgbackrest/pgbackrest.conf``,
``PGBACKREST_CONFIG``); it runs as the calling user.
"""

from __future__ import annotations

import contextlib
import json
import os
import pwd
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
from psycopg import conninfo

from pgsage.backup.manifest import BackupFailed
from pgsage.backup.tools import candidate_bindirs, client_version, tool_error
from pgsage.db.cluster import LocalCluster, free_port
from pgsage.errors import UsageError


@dataclass(frozen=True)
class StanzaBackup:
    label: str
    type: str  # full | diff | incr
    started: float  # epoch seconds
    stopped: float
    error: bool
    wal_start: str | None
    wal_stop: str | None


@dataclass(frozen=True)
class Stanza:
    name: str
    status_code: int
    status_message: str
    pg_version: str | None
    backups: list[StanzaBackup] = field(default_factory=list)
    wal_min: str | None = None
    wal_max: str | None = None

    def latest(self, kind: str | None = None) -> StanzaBackup | None:
        chosen = [b for b in self.backups if kind is None or b.type == kind]
        return max(chosen, key=lambda b: b.stopped) if chosen else None


def pgbackrest_exe() -> str:
    exe = shutil.which("pgbackrest")
    if exe is None:
        raise UsageError("pgbackrest is not installed (Debian: apt-get install pgbackrest)")
    return exe


def run_pgbackrest(*args: str, timeout: float = 3600) -> str:
    try:
        result = subprocess.run(
            [pgbackrest_exe(), *args],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
            env={**os.environ, "LC_ALL": "C", "LANG": "C"},
        )
    except subprocess.TimeoutExpired:
        raise BackupFailed(f"pgbackrest {args[-1]} did not finish within {timeout:.0f} s") from None
    if result.returncode != 0:
        raise BackupFailed(
            tool_error("pgbackrest", result.stderr or result.stdout, result.returncode)
        )
    return result.stdout


def parse_info(text: str) -> list[Stanza]:
    try:
        data = json.loads(text)
        return [_stanza(item) for item in data]
    except (ValueError, KeyError, TypeError) as exc:
        raise BackupFailed(f"cannot read pgbackrest info: {exc}") from None


def _stanza(item: dict[str, Any]) -> Stanza:
    archives = item.get("archive") or []
    dbs = item.get("db") or []
    return Stanza(
        name=str(item["name"]),
        status_code=int(item["status"]["code"]),
        status_message=str(item["status"]["message"]),
        pg_version=str(dbs[-1]["version"]) if dbs else None,
        backups=[_backup(b) for b in item.get("backup") or []],
        wal_min=min((a["min"] for a in archives if a.get("min")), default=None),
        wal_max=max((a["max"] for a in archives if a.get("max")), default=None),
    )


def _backup(item: dict[str, Any]) -> StanzaBackup:
    archive = item.get("archive") or {}
    return StanzaBackup(
        label=str(item["label"]),
        type=str(item["type"]),
        started=float(item["timestamp"]["start"]),
        stopped=float(item["timestamp"]["stop"]),
        error=bool(item.get("error", False)),
        wal_start=archive.get("start"),
        wal_stop=archive.get("stop"),
    )


def read_info(stanza: str | None = None) -> list[Stanza]:
    args = ["info", "--output=json", *([f"--stanza={stanza}"] if stanza else [])]
    return parse_info(run_pgbackrest(*args, timeout=300))


def server_bindir(major: str) -> Path:
    for bindir in candidate_bindirs():
        found = client_version(bindir, "postgres")
        if found is not None and str(found.major) == major:
            return bindir
    raise BackupFailed(f"no PostgreSQL {major} binaries to start the restored backup with")


@dataclass(frozen=True)
class Restored:
    cluster: LocalCluster
    port: int
    user: str

    def dsn(self, database: str) -> str:
        return conninfo.make_conninfo(
            host=str(self.cluster.socket_dir), port=self.port, user=self.user, dbname=database
        )


@contextlib.contextmanager
def restored(stanza: Stanza, user: str = "postgres") -> Iterator[Restored]:
    """The latest backup of ``stanza`` restored, recovered and running; removed afterwards."""
    latest = stanza.latest()
    if latest is None or stanza.pg_version is None:
        raise BackupFailed(f"stanza {stanza.name} has no backup to restore")
    root = Path(tempfile.mkdtemp(prefix="pgsage-pgbackrest-"))
    root.chmod(0o755)
    cluster = LocalCluster(bindir=server_bindir(stanza.pg_version), home=root / "cluster")
    try:
        _restore(stanza.name, latest.label, cluster)
        port = cluster.start(free_port())
        running = Restored(cluster, port, user)
        _wait_for_promotion(running)
        yield running
    finally:
        with contextlib.suppress(Exception):
            cluster.stop()
        shutil.rmtree(root, ignore_errors=True)


def _restore(stanza: str, label: str, cluster: LocalCluster) -> None:
    cluster.home.mkdir(mode=0o700)
    cluster.socket_dir.mkdir(mode=0o700)
    cluster.datadir.mkdir(mode=0o700)
    run_pgbackrest(
        f"--stanza={stanza}",
        f"--set={label}",
        f"--pg1-path={cluster.datadir}",
        "--type=immediate",
        "--target-action=promote",
        "--archive-mode=off",
        "--no-delta",
        "restore",
    )
    conf = cluster.datadir / "postgresql.conf"
    if not conf.exists():  # Debian keeps it in /etc: the data directory alone lacks it
        conf.write_text("")
    (cluster.datadir / "pg_hba.conf").write_text("local all all trust\n")
    overrides = {
        "listen_addresses": "''",
        "unix_socket_directories": f"'{cluster.socket_dir}'",
        "hba_file": f"'{cluster.datadir / 'pg_hba.conf'}'",
        "archive_mode": "off",
        "archive_command": "''",
        "logging_collector": "off",
    }
    with (cluster.datadir / "postgresql.auto.conf").open("a") as handle:
        handle.write("".join(f"{k} = {v}\n" for k, v in overrides.items()))
    runner = cluster.runner
    if runner:  # restored as root: the server runs as the unprivileged user
        entry = pwd.getpwnam(runner)
        for path in [cluster.home, *cluster.home.rglob("*")]:
            os.lchown(path, entry.pw_uid, entry.pw_gid)
        cluster.home.parent.chmod(0o755)


def _wait_for_promotion(running: Restored, timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with psycopg.connect(running.dsn("postgres"), connect_timeout=5) as conn:
                row = conn.execute("SELECT pg_catalog.pg_is_in_recovery()").fetchone()
                if row is not None and not row[0]:
                    return
        except psycopg.OperationalError:
            pass
        if time.monotonic() > deadline:
            raise BackupFailed(f"the restored backup did not finish recovery in {timeout:.0f} s")
        time.sleep(0.5)


def databases(running: Restored) -> list[str]:
    with psycopg.connect(running.dsn("postgres")) as conn:
        rows = conn.execute(
            "SELECT datname FROM pg_catalog.pg_database "
            "WHERE datallowconn AND NOT datistemplate ORDER BY 1"
        ).fetchall()
    return [str(r[0]) for r in rows]


def amcheck(running: Restored) -> str | None:
    """pg_amcheck over every database of the copy: None when clean or not installed, else the
    first problem it reports."""
    exe = running.cluster.bindir / "pg_amcheck"
    if not exe.exists():
        return None
    result = subprocess.run(
        [str(exe), "--all", "--install-missing", "--no-password",
         "-h", str(running.cluster.socket_dir), "-p", str(running.port), "-U", running.user],
        capture_output=True, text=True, check=False, timeout=3600,
    )  # fmt: skip
    if result.returncode == 0:
        return None
    return tool_error("pg_amcheck", result.stdout + result.stderr, result.returncode)
