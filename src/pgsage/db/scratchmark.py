"""Throwaway databases that say who made them, and a sweep of those whose run is gone.

Every database pgsage creates for one run (migrations' ``pgsage_scratch_*``, advise --verify's
``pgsage_verify_*`` sampled copies) gets a ``COMMENT ON DATABASE`` naming pgsage, the creating
process (host and pid), when it was made and how long its run may last. A run killed with
SIGKILL (or a lost server) leaves its database behind; the next run that creates one sweeps
the databases whose lifetime is over and whose creator is gone (a dead pid on this host; on
another host, only the lifetime tells).
"""

from __future__ import annotations

import json
import os
import socket
import time
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg import sql

MARK = "pgsage scratch database"
# How long a run may keep its scratch database: a migration round-trip or a verify run of a
# big sample takes minutes, not hours.
DEFAULT_LIFETIME_S = 6 * 3600


@dataclass(frozen=True)
class Owner:
    host: str
    pid: int
    created: float
    lifetime_s: float

    @classmethod
    def here(cls, lifetime_s: float = DEFAULT_LIFETIME_S) -> Owner:
        return cls(socket.gethostname(), os.getpid(), time.time(), lifetime_s)

    def comment(self) -> str:
        payload = {
            "host": self.host,
            "pid": self.pid,
            "created": round(self.created, 3),
            "lifetime_s": self.lifetime_s,
        }
        return f"{MARK} {json.dumps(payload, sort_keys=True)}"

    @classmethod
    def parse(cls, comment: str | None) -> Owner | None:
        if not comment or not comment.startswith(MARK + " "):
            return None
        try:
            data = json.loads(comment[len(MARK) + 1 :])
            return cls(
                str(data["host"]),
                int(data["pid"]),
                float(data["created"]),
                float(data["lifetime_s"]),
            )
        except (ValueError, KeyError, TypeError):
            return None

    def is_gone(self, now: float | None = None) -> bool:
        """The run's lifetime is over and its process no longer runs (as far as one can tell)."""
        if (now if now is not None else time.time()) - self.created < self.lifetime_s:
            return False
        if self.host != socket.gethostname():
            return True
        return not _alive(self.pid)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return True


def mark(conn: psycopg.Connection[Any], name: str, owner: Owner | None = None) -> None:
    """Label a database pgsage just created (over an autocommit admin session)."""
    conn.execute(
        sql.SQL("COMMENT ON DATABASE {} IS {}").format(
            sql.Identifier(name), sql.Literal((owner or Owner.here()).comment())
        )
    )


_MARKED = """
SELECT d.datname, pg_catalog.shobj_description(d.oid, 'pg_database')
FROM pg_catalog.pg_database d
WHERE pg_catalog.shobj_description(d.oid, 'pg_database') LIKE %s
"""


def sweep(conn: psycopg.Connection[Any], now: float | None = None) -> list[str]:
    """Drop the marked databases whose run is gone; their names. Never raises: a sweep is
    housekeeping, and a database another session still uses is left for the next one."""
    dropped: list[str] = []
    try:
        rows = conn.execute(_MARKED, [MARK + " %"]).fetchall()
    except psycopg.Error:
        return dropped
    for name, comment in rows:
        owner = Owner.parse(comment)
        if owner is None or not owner.is_gone(now):
            continue
        try:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
        except psycopg.Error:
            continue
        dropped.append(str(name))
    return dropped
