"""Opening sessions on a user's database: read-only, with timeouts, and errors in one line."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from typing import Protocol

import psycopg
from psycopg import conninfo, sql
from psycopg.rows import TupleRow

from pgsage.errors import ConnectionFailed, MissingPrivilege, PgsageError, QueryTimeout, UsageError

DEFAULT_CONNECT_TIMEOUT_S = 10
# The target a multi-database adapter (exporter, web, MCP) serves when none is named: --dsn.
DEFAULT_TARGET = "default"


@dataclass(frozen=True)
class SessionOptions:
    statement_timeout_ms: int = 30_000
    lock_timeout_ms: int = 1_000
    application_name: str = "pgsage"
    read_only: bool = True


# SQLAlchemy's URLs name the driver: postgresql+psycopg://, postgresql+asyncpg://, ...
_DRIVER_SCHEME = re.compile(r"^(postgres(?:ql)?)\+[A-Za-z0-9_]+://")
# A URI's user:password@ and a key=value password=..., as they may appear inside a message.
_URI_PASSWORD = re.compile(r"(://[^:/@\s]*):[^@\s]*@")
_KEYWORD_PASSWORD = re.compile(r"(password\s*=\s*)('(?:[^'\\]|\\.)*'|\S+)", re.IGNORECASE)


def normalize_dsn(dsn: str) -> str:
    """The DSN libpq understands: a SQLAlchemy URL's ``+driver`` dropped. An empty DSN given on
    purpose (``--dsn "$DATABASE_URL"`` with the variable unset) is a usage error, never a
    silent fall-back to the embedded server."""
    text = dsn.strip()
    if not text:
        raise UsageError("the DSN is empty (is the variable that should hold it set?)")
    return _DRIVER_SCHEME.sub(r"\1://", text, count=1)


def scrub_secrets(text: str) -> str:
    """``text`` with any password of a DSN in it replaced by ``***``."""
    text = _URI_PASSWORD.sub(r"\1:***@", text)
    return _KEYWORD_PASSWORD.sub(r"\1***", text)


def validate_dsn(dsn: str) -> dict[str, str]:
    """Parse a URI or key=value DSN; a malformed one is a usage error, not a traceback."""
    try:
        parsed = conninfo.conninfo_to_dict(normalize_dsn(dsn))
    except psycopg.ProgrammingError as exc:
        raise UsageError(f"invalid DSN: {scrub_secrets(one_line(str(exc)))}") from None
    return {key: str(value) for key, value in parsed.items() if value is not None}


def redact(dsn: str) -> str:
    """The DSN with its password removed, for messages and reports."""
    try:
        parsed = conninfo.conninfo_to_dict(normalize_dsn(dsn))
    except (psycopg.ProgrammingError, UsageError):
        return "<invalid DSN>"
    parsed.pop("password", None)
    return conninfo.make_conninfo(**{k: str(v) for k, v in parsed.items() if v is not None})


def one_line(message: str) -> str:
    """Collapse a libpq/server message to its first meaningful line (no password in it)."""
    message = scrub_secrets(message)
    lines = [line.strip() for line in message.strip().splitlines() if line.strip()]
    text = lines[0] if lines else "unknown error"
    text = re.sub(r"^(connection failed|connection is bad):\s*", "", text)
    return re.sub(r"\s+", " ", text)


def translate(exc: psycopg.Error) -> PgsageError:
    """Map a psycopg error to the pgsage error a user sees."""
    message = one_line(str(exc))
    if isinstance(exc, psycopg.errors.QueryCanceled | psycopg.errors.LockNotAvailable):
        return QueryTimeout(message)
    if isinstance(exc, psycopg.errors.InsufficientPrivilege):
        return MissingPrivilege(message)
    return ConnectionFailed(message)


class SessionLender(Protocol):
    """Where :func:`connect` takes its sessions from in a long-running process that keeps them
    between calls (``pgsage.db.pool.SessionPool``); a lent session is in exactly the state a
    new one would be, and goes back reset (or closed)."""

    def session(
        self, conninfo: str, options: SessionOptions
    ) -> AbstractContextManager[psycopg.Connection[TupleRow]]: ...


class _Lending:
    lender: SessionLender | None = None


def lend_sessions_from(lender: SessionLender | None) -> None:
    """From now on :func:`connect` borrows from ``lender`` (None: opens a new session each
    time, the default of every short-lived command)."""
    _Lending.lender = lender


@contextmanager
def connect(
    dsn: str, options: SessionOptions | None = None
) -> Iterator[psycopg.Connection[TupleRow]]:
    """A session on the user's database with pgsage's safety settings applied."""
    opts = options or SessionOptions()
    target = session_conninfo(dsn, opts)
    lender = _Lending.lender
    if lender is not None:
        with lender.session(target, opts) as conn:
            yield conn
        return
    conn = open_session(target, opts)
    try:
        yield conn
    finally:
        conn.close()


def session_conninfo(dsn: str, opts: SessionOptions) -> str:
    """The conninfo a session opens with: the DSN (validated) plus pgsage's defaults."""
    params = validate_dsn(dsn)
    extra: dict[str, str] = {}
    if "connect_timeout" not in params:
        extra["connect_timeout"] = str(DEFAULT_CONNECT_TIMEOUT_S)
    if "application_name" not in params:
        extra["application_name"] = opts.application_name
    return conninfo.make_conninfo(normalize_dsn(dsn), **extra)


def open_session(target: str, opts: SessionOptions) -> psycopg.Connection[TupleRow]:
    """A new autocommit session on ``target`` (a conninfo) with the settings applied."""
    try:
        conn = psycopg.connect(target, autocommit=True)
    except psycopg.Error as exc:
        raise translate(exc) from None
    try:
        apply_session_settings(conn, opts)
    except BaseException:
        conn.close()
        raise
    return conn


def apply_session_settings(conn: psycopg.Connection[TupleRow], opts: SessionOptions) -> None:
    try:
        conn.execute(sql.SQL("SELECT {}").format(session_settings(opts)))
    except psycopg.Error as exc:
        raise translate(exc) from None


def session_settings(opts: SessionOptions) -> sql.Composed:
    """The ``set_config`` calls of pgsage's session settings, one select list: one statement,
    one round trip (a pooled session applies them again after each call). SET rather than
    startup options, so that connection poolers that reject unknown startup parameters
    (pgbouncer) still work."""
    settings = [
        ("statement_timeout", f"{opts.statement_timeout_ms}ms"),
        ("lock_timeout", f"{opts.lock_timeout_ms}ms"),
        ("idle_in_transaction_session_timeout", f"{max(opts.statement_timeout_ms, 60_000)}ms"),
    ]
    if opts.read_only:
        settings.append(("default_transaction_read_only", "on"))
    return sql.SQL(", ").join(
        sql.SQL("pg_catalog.set_config({}, {}, false)").format(name, value)
        for name, value in settings
    )
