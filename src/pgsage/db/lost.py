"""A session that may be gone: ending its transaction without turning a lost connection into
an internal error (issue 12, item 8)."""

from __future__ import annotations

from typing import Any

import psycopg

from pgsage.db.connect import one_line, translate
from pgsage.errors import ConnectionFailed


def end_transaction(conn: psycopg.Connection[Any]) -> None:
    """Roll back and return to autocommit; a connection lost meanwhile (the backend
    terminated, the server restarted, the network cut) is one ConnectionFailed line."""
    try:
        conn.rollback()
        conn.autocommit = True
    except psycopg.Error as exc:
        if conn.broken or conn.closed:
            raise ConnectionFailed(
                f"lost the connection to the server: {one_line(str(exc))}"
            ) from None
        raise translate(exc) from None
