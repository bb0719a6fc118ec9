"""Quoting, the 63-byte identifier limit and the lock_timeout/autocommit_block framing that
every fix shares, written once."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Collection

from psycopg import sql

LOCK_TIMEOUT = "SET lock_timeout = '5s';"
ALEMBIC_LOCK_TIMEOUT = f'op.execute("{LOCK_TIMEOUT}")'
IDENTIFIER_MAX_BYTES = 63


def ident(*parts: str) -> str:
    """Quote a (possibly qualified) identifier exactly as PostgreSQL would need it."""
    return sql.Identifier(*parts).as_string(None)


# A name PostgreSQL prints without quotes: lower-case letters, digits and underscores.
_PLAIN_NAME = re.compile(r"[a-z_][a-z0-9_]*")


def ident_as_server(name: str, reserved: Collection[str] = (), quote_all: bool = False) -> str:
    """A name as the server's quote_ident() prints it: quoted only where needed — not plain,
    or a keyword in ``reserved`` (pg_get_keywords, not unreserved), or quote_all_identifiers
    on. For comparing with text the server printed; to write SQL, use ``ident``."""
    if not quote_all and _PLAIN_NAME.fullmatch(name) and name not in reserved:
        return name
    return ident(name)


def fit_identifier(name: str, suffix: str = "") -> str:
    """``name_suffix``, cut to PostgreSQL's 63-byte limit: the suffix is kept and a hash of the
    whole name keeps two long names that share a beginning apart."""
    full = f"{name}_{suffix}" if suffix else name
    if len(full.encode()) <= IDENTIFIER_MAX_BYTES:
        return full
    digest = hashlib.sha1(full.encode()).hexdigest()[:8]
    tail = f"_{digest}_{suffix}" if suffix else f"_{digest}"
    head = name.encode()[: IDENTIFIER_MAX_BYTES - len(tail.encode())].decode(errors="ignore")
    return head + tail


def literal(value: str | bool | int | float) -> str:
    """An SQL literal, quoted by psycopg (booleans and numbers as themselves)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return sql.Literal(value).as_string(None).strip()


def index_name(table: str, columns: list[str], suffix: str = "idx") -> str:
    """A deterministic index name from the table and its columns, within 63 bytes."""
    cleaned = [
        "".join(ch if ch.isalnum() else "_" for ch in col).strip("_") or "expr" for col in columns
    ]
    return fit_identifier("_".join([table, *cleaned]), suffix)


def numbered(name: str, number: int) -> str:
    """``name`` with a counter that tells it from a taken one, within 63 bytes: the name cut
    to 60 bytes (fewer for a counter of four digits or more), then the number."""
    digits = str(number)
    keep = min(60, IDENTIFIER_MAX_BYTES - len(digits))
    return name.encode()[:keep].decode(errors="ignore") + digits


def autocommit_block(lines: list[str]) -> str:
    body = "\n".join(f"        {line}" for line in lines)
    return f"    with op.get_context().autocommit_block():\n{body}"
