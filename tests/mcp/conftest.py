"""The issue's recommended role for ``pgsage mcp``: pg_monitor + pg_read_all_data, no more."""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest
from psycopg import sql

from pgharness import TestDatabase

_COUNTER = itertools.count()


@pytest.fixture
def monitor_dsn(db: TestDatabase) -> Iterator[str]:
    """A DSN for a fresh role with only pg_monitor and pg_read_all_data (and a password)."""
    role = f"pgsage_mcp_mon_{os.getpid()}_{next(_COUNTER)}"
    password = "mon-Pa55-word"
    with psycopg.connect(db.dsn, autocommit=True) as conn:
        conn.execute(
            sql.SQL("CREATE ROLE {} LOGIN PASSWORD {}").format(
                sql.Identifier(role), sql.Literal(password)
            )
        )
        conn.execute(
            sql.SQL("GRANT pg_monitor, pg_read_all_data TO {}").format(sql.Identifier(role))
        )
    url = urlsplit(db.dsn)
    netloc = f"{role}:{password}@{url.hostname}:{url.port}"
    try:
        yield urlunsplit(url._replace(netloc=netloc))
    finally:
        with psycopg.connect(db.dsn, autocommit=True) as conn:
            conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = %s",
                [role],
            )
            conn.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(role)))
