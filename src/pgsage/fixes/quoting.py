"""Quoting, the 63-byte identifier limit and the lock_timeout/autocommit_block framing that
every fix shares, written once."""

from __future__ import annotations

import hashlib

from psycopg import sql

LOCK_TIMEOUT = "SET lock_timeout = '5s';"
ALEMBIC_LOCK_TIMEOUT = f'op.execute("{LOCK_TIMEOUT}")'
IDENTIFIER_MAX_BYTES = 63


def ident(*parts: str) -> str:
    """Quote a (possibly qualified) identifier exactly as PostgreSQL would need it."""
    return sql.Identifier(*parts).as_string(None)


def index_name(table: str, columns: list[str], suffix: str = "idx") -> str:
    """A deterministic index name that fits PostgreSQL's 63-byte identifier limit."""
    cleaned = [
        "".join(ch if ch.isalnum() else "_" for ch in col).strip("_") or "expr" for col in columns
    ]
    name = "_".join([table, *cleaned, suffix])
    if len(name.encode()) <= IDENTIFIER_MAX_BYTES:
        return name
    digest = hashlib.sha1(name.encode()).hexdigest()[:8]
    head = name.encode()[: IDENTIFIER_MAX_BYTES - len(suffix) - 10].decode(errors="ignore")
    return f"{head}_{digest}_{suffix}"


def numbered(name: str, number: int) -> str:
    """``name`` with a counter that tells it from a taken one, within 63 bytes: the name cut
    to 60 bytes (fewer for a counter of four digits or more), then the number."""
    digits = str(number)
    keep = min(60, IDENTIFIER_MAX_BYTES - len(digits))
    return name.encode()[:keep].decode(errors="ignore") + digits


def autocommit_block(lines: list[str]) -> str:
    body = "\n".join(f"        {line}" for line in lines)
    return f"    with op.get_context().autocommit_block():\n{body}"
