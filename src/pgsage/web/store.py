"""The store database: users, sessions, rate-limit windows, recorded actions and history.

Never the monitored database: ``pgsage web`` and ``pgsage collect`` refuse a store DSN that
names a target's database. Everything lives in the ``pgsage_web`` schema, so several web and
collect processes share one store; nothing of it is kept in process memory.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import psycopg
from sqlalchemy import Connection, Engine, create_engine, text
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from pgsage.db.connect import normalize_dsn, one_line, validate_dsn
from pgsage.errors import ConnectionFailed, UsageError

SCHEMA_VERSION = 1
ROLES = ("viewer", "admin")

_DDL = """
CREATE SCHEMA IF NOT EXISTS pgsage_web;
CREATE TABLE IF NOT EXISTS pgsage_web.meta (key text PRIMARY KEY, value text NOT NULL);
CREATE TABLE IF NOT EXISTS pgsage_web.users (
    username text PRIMARY KEY,
    password_hash text NOT NULL,
    role text NOT NULL CHECK (role IN ('viewer', 'admin')),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS pgsage_web.sessions (
    token_hash text PRIMARY KEY,
    username text NOT NULL REFERENCES pgsage_web.users ON DELETE CASCADE,
    csrf text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS sessions_expires ON pgsage_web.sessions (expires_at);
CREATE TABLE IF NOT EXISTS pgsage_web.rate_limits (
    key text NOT NULL,
    window_start timestamptz NOT NULL,
    hits integer NOT NULL,
    PRIMARY KEY (key, window_start)
);
CREATE TABLE IF NOT EXISTS pgsage_web.actions (
    id bigserial PRIMARY KEY,
    at timestamptz NOT NULL DEFAULT now(),
    username text NOT NULL,
    target text NOT NULL,
    action text NOT NULL,
    pid integer,
    query text,
    ok boolean NOT NULL,
    detail text
);
CREATE TABLE IF NOT EXISTS pgsage_web.collect_runs (
    id bigserial PRIMARY KEY,
    target text NOT NULL,
    started_at timestamptz NOT NULL DEFAULT now(),
    finished_at timestamptz,
    ok boolean,
    error text,
    kinds text NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS collect_runs_target ON pgsage_web.collect_runs (target, started_at);
CREATE TABLE IF NOT EXISTS pgsage_web.db_samples (
    run_id bigint NOT NULL REFERENCES pgsage_web.collect_runs ON DELETE CASCADE,
    target text NOT NULL,
    taken_at timestamptz NOT NULL,
    size_bytes bigint,
    connections integer,
    max_connections integer,
    active integer,
    idle_in_transaction integer,
    waiting integer,
    cache_hit double precision,
    frozenxid_age bigint
);
CREATE INDEX IF NOT EXISTS db_samples_target ON pgsage_web.db_samples (target, taken_at);
CREATE TABLE IF NOT EXISTS pgsage_web.table_sizes (
    run_id bigint NOT NULL REFERENCES pgsage_web.collect_runs ON DELETE CASCADE,
    target text NOT NULL,
    taken_at timestamptz NOT NULL,
    schema_name text NOT NULL,
    table_name text NOT NULL,
    total_bytes bigint NOT NULL
);
CREATE INDEX IF NOT EXISTS table_sizes_target ON pgsage_web.table_sizes (target, taken_at);
CREATE TABLE IF NOT EXISTS pgsage_web.statement_totals (
    target text NOT NULL,
    key text NOT NULL,
    calls bigint NOT NULL,
    total_ms double precision NOT NULL,
    rows bigint NOT NULL,
    PRIMARY KEY (target, key)
);
CREATE TABLE IF NOT EXISTS pgsage_web.statement_samples (
    run_id bigint NOT NULL REFERENCES pgsage_web.collect_runs ON DELETE CASCADE,
    target text NOT NULL,
    taken_at timestamptz NOT NULL,
    key text NOT NULL,
    queryid bigint,
    query text NOT NULL,
    calls bigint NOT NULL,
    total_ms double precision NOT NULL,
    rows bigint NOT NULL
);
CREATE INDEX IF NOT EXISTS statement_samples_target
    ON pgsage_web.statement_samples (target, taken_at);
CREATE TABLE IF NOT EXISTS pgsage_web.finding_samples (
    run_id bigint NOT NULL REFERENCES pgsage_web.collect_runs ON DELETE CASCADE,
    target text NOT NULL,
    taken_at timestamptz NOT NULL,
    check_id text NOT NULL,
    severity text NOT NULL,
    subject text NOT NULL,
    message text NOT NULL
);
CREATE INDEX IF NOT EXISTS finding_samples_target ON pgsage_web.finding_samples (target, taken_at);
CREATE TABLE IF NOT EXISTS pgsage_web.sequence_samples (
    run_id bigint NOT NULL REFERENCES pgsage_web.collect_runs ON DELETE CASCADE,
    target text NOT NULL,
    taken_at timestamptz NOT NULL,
    schema_name text NOT NULL,
    sequence_name text NOT NULL,
    last_value numeric NOT NULL,
    max_value numeric NOT NULL
);
CREATE INDEX IF NOT EXISTS sequence_samples_target
    ON pgsage_web.sequence_samples (target, taken_at);
"""


@dataclass(frozen=True)
class User:
    username: str
    role: str
    created_at: datetime | None = None

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


@dataclass(frozen=True)
class Session:
    username: str
    role: str
    csrf: str


@dataclass(frozen=True)
class Hit:
    """One counted hit: the window's count so far and the seconds until it ends."""

    hits: int
    reset_in_s: float


@dataclass(frozen=True)
class Action:
    """A cancel or terminate an admin asked for, and how it went."""

    username: str
    target: str
    action: str
    pid: int | None
    query: str | None
    ok: bool
    detail: str


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def same_database(a: str, b: str) -> bool:
    """Whether two DSNs name the same database on the same server (as far as they say)."""
    pa, pb = validate_dsn(a), validate_dsn(b)

    def key(p: dict[str, str]) -> tuple[str, str, str]:
        return (
            p.get("host", "") or "localhost",
            p.get("port", "") or "5432",
            p.get("dbname", "") or p.get("user", ""),
        )

    return key(pa) == key(pb)


class Store:
    """The store database through one SQLAlchemy engine (instrumented by the app)."""

    def __init__(self, dsn: str, *, pool_size: int = 5, max_overflow: int = 10) -> None:
        validate_dsn(dsn)
        self._dsn = normalize_dsn(dsn)
        conninfo = psycopg.conninfo.make_conninfo(
            self._dsn,
            application_name="pgsage-web-store",
            connect_timeout=str(validate_dsn(dsn).get("connect_timeout", "5")),
        )

        def creator() -> Any:
            return psycopg.connect(conninfo)

        self.engine: Engine = create_engine(
            "postgresql+psycopg://",
            creator=creator,
            pool_size=pool_size,
            max_overflow=max_overflow,
            pool_pre_ping=True,
            pool_timeout=10,
        )

    @property
    def dsn(self) -> str:
        return self._dsn

    # -- plumbing ---------------------------------------------------------------------------
    @contextmanager
    def begin(self) -> Iterator[Connection]:
        try:
            with self.engine.begin() as conn:
                yield conn
        except DBAPIError as exc:
            raise ConnectionFailed(f"store: {one_line(str(exc.orig))}") from None
        except SQLAlchemyError as exc:
            raise ConnectionFailed(f"store: {one_line(str(exc))}") from None

    def migrate(self) -> None:
        """Create the schema (idempotent; several processes may start at once)."""
        with self.begin() as conn:
            conn.execute(text("SELECT pg_advisory_xact_lock(hashtext('pgsage_web schema'))"))
            for statement in _DDL.split(";"):
                if statement.strip():
                    conn.execute(text(statement))
            conn.execute(
                text(
                    "INSERT INTO pgsage_web.meta VALUES ('schema_version', :v) "
                    "ON CONFLICT (key) DO UPDATE SET value = excluded.value"
                ),
                {"v": str(SCHEMA_VERSION)},
            )

    def ping(self) -> None:
        with self.begin() as conn:
            conn.execute(text("SELECT 1"))

    def dispose(self) -> None:
        self.engine.dispose()

    # -- users ------------------------------------------------------------------------------
    def count_users(self) -> int:
        with self.begin() as conn:
            return int(conn.execute(text("SELECT count(*) FROM pgsage_web.users")).scalar_one())

    def add_user(self, username: str, password_hash: str, role: str) -> bool:
        """False when the user exists already."""
        check_username(username)
        check_role(role)
        with self.begin() as conn:
            row = conn.execute(
                text(
                    "INSERT INTO pgsage_web.users (username, password_hash, role) "
                    "VALUES (:u, :h, :r) ON CONFLICT DO NOTHING RETURNING 1"
                ),
                {"u": username, "h": password_hash, "r": role},
            ).first()
        return row is not None

    def set_password(self, username: str, password_hash: str) -> bool:
        with self.begin() as conn:
            row = conn.execute(
                text(
                    "UPDATE pgsage_web.users SET password_hash = :h, updated_at = now() "
                    "WHERE username = :u RETURNING 1"
                ),
                {"u": username, "h": password_hash},
            ).first()
            # a new password ends every session of the user
            conn.execute(
                text("DELETE FROM pgsage_web.sessions WHERE username = :u"), {"u": username}
            )
        return row is not None

    def remove_user(self, username: str) -> bool:
        with self.begin() as conn:
            row = conn.execute(
                text("DELETE FROM pgsage_web.users WHERE username = :u RETURNING 1"),
                {"u": username},
            ).first()
        return row is not None

    def list_users(self) -> list[User]:
        with self.begin() as conn:
            rows = conn.execute(
                text("SELECT username, role, created_at FROM pgsage_web.users ORDER BY username")
            ).all()
        return [User(r.username, r.role, r.created_at) for r in rows]

    def password_hash(self, username: str) -> tuple[str, str] | None:
        """(hash, role) of a user, or None."""
        with self.begin() as conn:
            row = conn.execute(
                text("SELECT password_hash, role FROM pgsage_web.users WHERE username = :u"),
                {"u": username},
            ).first()
        return (row.password_hash, row.role) if row is not None else None

    # -- sessions ---------------------------------------------------------------------------
    def create_session(self, username: str, hours: float) -> tuple[str, str]:
        """A new session: (the cookie's token, its CSRF token). Only the token's hash is kept."""
        token = secrets.token_urlsafe(32)
        csrf = secrets.token_urlsafe(32)
        with self.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO pgsage_web.sessions (token_hash, username, csrf, expires_at) "
                    "VALUES (:t, :u, :c, now() + make_interval(secs => :s))"
                ),
                {"t": token_hash(token), "u": username, "c": csrf, "s": hours * 3600},
            )
        return token, csrf

    def session(self, token: str) -> Session | None:
        with self.begin() as conn:
            row = conn.execute(
                text(
                    "SELECT s.username, u.role, s.csrf FROM pgsage_web.sessions s "
                    "JOIN pgsage_web.users u USING (username) "
                    "WHERE s.token_hash = :t AND s.expires_at > now()"
                ),
                {"t": token_hash(token)},
            ).first()
        return Session(row.username, row.role, row.csrf) if row is not None else None

    def end_session(self, token: str) -> None:
        with self.begin() as conn:
            conn.execute(
                text("DELETE FROM pgsage_web.sessions WHERE token_hash = :t"),
                {"t": token_hash(token)},
            )

    # -- rate limits ------------------------------------------------------------------------
    def hit(self, key: str, period_s: int) -> Hit:
        """Count one hit of ``key`` in the current fixed window of ``period_s`` seconds (the
        store's clock, so every process agrees)."""
        with self.begin() as conn:
            row = conn.execute(
                text(
                    "WITH w AS (SELECT to_timestamp(floor(extract(epoch FROM now()) / :p) * :p) "
                    "AS start) "
                    "INSERT INTO pgsage_web.rate_limits AS r (key, window_start, hits) "
                    "SELECT :k, start, 1 FROM w "
                    "ON CONFLICT (key, window_start) DO UPDATE SET hits = r.hits + 1 "
                    "RETURNING hits, extract(epoch FROM r.window_start "
                    "+ make_interval(secs => :p) - now()) AS reset_in"
                ),
                {"k": key, "p": period_s},
            ).one()
        return Hit(int(row.hits), max(float(row.reset_in), 0.0))

    def hits(self, key: str, period_s: int) -> Hit:
        """The current window's count without counting."""
        return self.hits_many([(key, period_s)])[0]

    def hit_many(self, keys: list[tuple[str, int]]) -> None:
        """Count one hit of each (key, period) pair, in one statement."""
        with self.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO pgsage_web.rate_limits AS r (key, window_start, hits) "
                    "SELECT k.key, to_timestamp(floor(extract(epoch FROM now()) / k.p) * k.p), 1 "
                    "FROM unnest(CAST(:keys AS text[]), CAST(:periods AS int[])) AS k(key, p) "
                    "ON CONFLICT (key, window_start) DO UPDATE SET hits = r.hits + 1"
                ),
                {"keys": [k for k, _ in keys], "periods": [p for _, p in keys]},
            )

    def hits_many(self, keys: list[tuple[str, int]]) -> list[Hit]:
        """The current windows' counts of several (key, period) pairs, in one statement."""
        with self.begin() as conn:
            rows = conn.execute(
                text(
                    "SELECT k.i, r.hits, extract(epoch FROM r.window_start + "
                    "make_interval(secs => k.p) - now()) AS reset_in "
                    "FROM unnest(CAST(:keys AS text[]), CAST(:periods AS int[])) "
                    "WITH ORDINALITY AS k(key, p, i) "
                    "LEFT JOIN pgsage_web.rate_limits r ON r.key = k.key AND r.window_start = "
                    "to_timestamp(floor(extract(epoch FROM now()) / k.p) * k.p)"
                ),
                {"keys": [k for k, _ in keys], "periods": [p for _, p in keys]},
            ).all()
        found = {int(r.i): r for r in rows}
        result = []
        for i in range(1, len(keys) + 1):
            row = found.get(i)
            if row is None or row.hits is None:
                result.append(Hit(0, 0.0))
            else:
                result.append(Hit(int(row.hits), max(float(row.reset_in), 0.0)))
        return result

    # -- recorded actions -------------------------------------------------------------------
    def record_action(self, action: Action) -> None:
        with self.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO pgsage_web.actions (username, target, action, pid, query, ok, "
                    "detail) VALUES (:u, :t, :a, :p, :q, :ok, :d)"
                ),
                {
                    "u": action.username,
                    "t": action.target,
                    "a": action.action,
                    "p": action.pid,
                    "q": (action.query or "")[:2000],
                    "ok": action.ok,
                    "d": action.detail,
                },
            )

    def actions(self, limit: int = 50) -> list[dict[str, Any]]:
        with self.begin() as conn:
            rows = conn.execute(
                text(
                    "SELECT at, username, target, action, pid, ok, detail FROM pgsage_web.actions "
                    "ORDER BY id DESC LIMIT :n"
                ),
                {"n": limit},
            ).all()
        return [dict(r._mapping) for r in rows]

    # -- maintenance ------------------------------------------------------------------------
    def purge(self, query_days: int, space_days: int) -> dict[str, int]:
        """Retention: query stats, connections and findings after ``query_days``, sizes after
        ``space_days``; expired sessions and old rate-limit windows."""
        removed: dict[str, int] = {}
        with self.begin() as conn:
            for table, days in (
                ("statement_samples", query_days),
                ("finding_samples", query_days),
                ("db_samples", space_days),
                ("table_sizes", space_days),
                ("sequence_samples", space_days),
            ):
                result = conn.execute(
                    text(
                        f"DELETE FROM pgsage_web.{table} "  # noqa: S608 - fixed table names
                        "WHERE taken_at < now() - make_interval(days => :d)"
                    ),
                    {"d": days},
                )
                removed[table] = result.rowcount
            conn.execute(
                text(
                    "DELETE FROM pgsage_web.collect_runs r WHERE started_at < now() - "
                    "make_interval(days => :d) AND NOT EXISTS (SELECT 1 FROM "
                    "pgsage_web.table_sizes t WHERE t.run_id = r.id) AND NOT EXISTS (SELECT 1 "
                    "FROM pgsage_web.db_samples d WHERE d.run_id = r.id)"
                ),
                {"d": query_days},
            )
            conn.execute(text("DELETE FROM pgsage_web.sessions WHERE expires_at < now()"))
            conn.execute(
                text(
                    "DELETE FROM pgsage_web.rate_limits WHERE window_start < now() - interval '2 days'"
                )
            )
        return removed

    # -- history reads ----------------------------------------------------------------------
    def series(self, target: str, metric: str, days: float = 30) -> list[tuple[datetime, float]]:
        """A recorded series: ``size``, ``connections``, ``query_time`` (ms per run)."""
        queries = {
            "size": "SELECT taken_at, size_bytes::float8 FROM pgsage_web.db_samples WHERE "
            "target = :t AND taken_at > now() - make_interval(days => :d) AND size_bytes IS "
            "NOT NULL ORDER BY taken_at",
            "connections": "SELECT taken_at, connections::float8 FROM pgsage_web.db_samples "
            "WHERE target = :t AND taken_at > now() - make_interval(days => :d) AND "
            "connections IS NOT NULL ORDER BY taken_at",
            "query_time": "SELECT r.started_at, coalesce(sum(s.total_ms), 0) FROM "
            "pgsage_web.collect_runs r LEFT JOIN pgsage_web.statement_samples s ON s.run_id = "
            "r.id WHERE r.target = :t AND r.ok AND r.kinds LIKE '%statements%' AND "
            "r.started_at > now() - make_interval(days => :d) GROUP BY r.id, r.started_at "
            "ORDER BY r.started_at",
        }
        if metric not in queries:
            raise UsageError(f"unknown series {metric!r}")
        with self.begin() as conn:
            rows = conn.execute(text(queries[metric]), {"t": target, "d": days}).all()
        return [(r[0], float(r[1])) for r in rows]

    def query_history(
        self, target: str, key: str, days: float = 30
    ) -> list[tuple[datetime, float, int]]:
        with self.begin() as conn:
            rows = conn.execute(
                text(
                    "SELECT taken_at, total_ms, calls FROM pgsage_web.statement_samples WHERE "
                    "target = :t AND key = :k AND taken_at > now() - make_interval(days => :d) "
                    "ORDER BY taken_at"
                ),
                {"t": target, "k": key, "d": days},
            ).all()
        return [(r[0], float(r[1]), int(r[2])) for r in rows]

    def recorded_workload(
        self, target: str, days: float = 30, limit: int = 200
    ) -> list[tuple[str, int, float]]:
        """The statements recorded for ``target`` in the last ``days``, heaviest first:
        (latest text, calls, total ms), summed over the samples (pg_stat_statements deltas)."""
        with self.begin() as conn:
            rows = conn.execute(
                text(
                    "SELECT (array_agg(query ORDER BY taken_at DESC))[1], sum(calls), "
                    "sum(total_ms) FROM pgsage_web.statement_samples WHERE target = :t AND "
                    "taken_at > now() - make_interval(days => :d) GROUP BY key "
                    "ORDER BY 3 DESC, 1 LIMIT :n"
                ),
                {"t": target, "d": days, "n": limit},
            ).all()
        return [(str(r[0]), int(r[1]), float(r[2])) for r in rows]

    def query_text(self, target: str, key: str) -> str | None:
        """The latest recorded text of a statement (pg_stat_statements, ``$n`` placeholders)."""
        with self.begin() as conn:
            found = conn.execute(
                text(
                    "SELECT query FROM pgsage_web.statement_samples WHERE target = :t AND "
                    "key = :k ORDER BY taken_at DESC LIMIT 1"
                ),
                {"t": target, "k": key},
            ).scalar()
        return str(found) if found is not None else None

    def table_growth(self, target: str, limit: int = 20) -> list[dict[str, Any]]:
        """Per table: the first and last recorded size (for growth and a forecast)."""
        with self.begin() as conn:
            rows = conn.execute(
                text(
                    "SELECT schema_name, table_name, "
                    "(array_agg(total_bytes ORDER BY taken_at))[1] AS first_bytes, "
                    "(array_agg(total_bytes ORDER BY taken_at DESC))[1] AS last_bytes, "
                    "min(taken_at) AS first_at, max(taken_at) AS last_at "
                    "FROM pgsage_web.table_sizes WHERE target = :t "
                    "GROUP BY schema_name, table_name ORDER BY last_bytes DESC LIMIT :n"
                ),
                {"t": target, "n": limit},
            ).all()
        return [dict(r._mapping) for r in rows]

    def sequence_history(
        self, target: str, days: float = 30
    ) -> dict[tuple[str, str], list[tuple[datetime, float, float]]]:
        """Recorded values of the target's most used sequences: (taken_at, last, max)."""
        with self.begin() as conn:
            rows = conn.execute(
                text(
                    "SELECT schema_name, sequence_name, taken_at, last_value::float8, "
                    "max_value::float8 FROM pgsage_web.sequence_samples WHERE target = :t AND "
                    "taken_at > now() - make_interval(days => :d) ORDER BY taken_at"
                ),
                {"t": target, "d": days},
            ).all()
        found: dict[tuple[str, str], list[tuple[datetime, float, float]]] = {}
        for r in rows:
            found.setdefault((r[0], r[1]), []).append((r[2], float(r[3]), float(r[4])))
        return found

    def last_runs(self, target: str, limit: int = 10) -> list[dict[str, Any]]:
        with self.begin() as conn:
            rows = conn.execute(
                text(
                    "SELECT id, started_at, finished_at, ok, error, kinds FROM "
                    "pgsage_web.collect_runs WHERE target = :t ORDER BY id DESC LIMIT :n"
                ),
                {"t": target, "n": limit},
            ).all()
        return [dict(r._mapping) for r in rows]


_USERNAME_OK = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._@-")


def check_username(username: str) -> None:
    if not (1 <= len(username) <= 64) or not set(username) <= _USERNAME_OK:
        raise UsageError("a user name is 1-64 letters, digits, '.', '_', '@' or '-'")


def check_role(role: str) -> None:
    if role not in ROLES:
        raise UsageError(f"a role is one of {', '.join(ROLES)}, not {role!r}")


def check_password(password: str) -> None:
    if len(password) < 8:
        raise UsageError("a password has at least 8 characters")
    if len(password.encode()) > 72:
        raise UsageError("a password has at most 72 bytes (bcrypt's limit)")
