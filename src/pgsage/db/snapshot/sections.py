"""What both collectors share: the sections in their order, one session's reads under
savepoints, pg_stat_statements, and the Snapshot assembled from the sections' rows.

Everything runs in a single read-only REPEATABLE READ transaction, so all sections see the same
moment. Sections run under savepoints (one per pipeline, pipelined.py): a section that fails
(a missing privilege, a lock timeout on a size function) is recorded in ``errors`` and the rest
of the snapshot survives.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any, TypeVar

import psycopg
from psycopg import sql
from psycopg.rows import TupleRow

from pgsage import __version__
from pgsage.db.connect import one_line, translate
from pgsage.db.lost import end_transaction
from pgsage.db.rows import (
    ArchiverStats,
    Checkpointer,
    Column,
    ColumnValues,
    Constraint,
    DatabaseStats,
    Extension,
    HbaRule,
    Index,
    KeyMaximum,
    LockedRelation,
    Replica,
    ReplicationSlot,
    Role,
    RolePassword,
    Schema,
    Sequence,
    Session,
    Setting,
    Statement,
    StatementsInfo,
    Table,
    ValueShape,
    VectorSetting,
    WalStats,
)
from pgsage.db.serverinfo import ServerInfo, fetch_server_info
from pgsage.db.snapshot.model import FORMAT_VERSION, Snapshot
from pgsage.db.sqlfiles import load_sql

Row = TypeVar("Row")
logger = logging.getLogger(__name__)

STATEMENTS_LIMIT = 5000

# The sections read on the first session, in this order (pg_stat_statements right after
# ``database``): each a SQL file in db/sql and a row type.
SECTIONS: tuple[tuple[str, type[Any]], ...] = (
    ("database", DatabaseStats),
    ("settings", Setting),
    ("tables", Table),
    ("sequences", Sequence),
    ("activity", Session),
    ("replication", Replica),
    ("slots", ReplicationSlot),
    ("extensions", Extension),
    ("locked", LockedRelation),
    ("roles", Role),
    ("role_passwords", RolePassword),
    ("hba_rules", HbaRule),
    ("schemas", Schema),
    ("vector_settings", VectorSetting),
    ("column_values", ColumnValues),
    ("checkpointer", Checkpointer),
    ("wal", WalStats),
    ("archiver", ArchiverStats),
    ("constraints", Constraint),
    ("value_shapes", ValueShape),
)
# The biggest sections, read last; the fast collector reads them on a second session.
BIG_SECTIONS: tuple[tuple[str, type[Any]], ...] = (("indexes", Index), ("columns", Column))
SECTION_ORDER = tuple(name for name, _ in (*SECTIONS, *BIG_SECTIONS))

# The order of the big sections' rows (their SQL leaves them unsorted: the fast collector sorts
# them in Python, the plain one on the server). Names are of type name, compared bytewise
# (collation "C"), and Python compares str by code point, which for UTF-8 is the same order.
SORTED_BY: dict[str, tuple[str, ...]] = {
    "tables": ("schema", "name"),
    "columns": ("schema", "table", "attnum"),
    "indexes": ("schema", "table", "name"),
    "constraints": ("schema", "table", "name"),
    "sequences": ("schema", "name"),
}

# How a collector turns a query into rows: (session, query, row type) -> rows in its order.
Query = sql.SQL | sql.Composed
Fetch = Callable[[psycopg.Connection[TupleRow], Query, type[Row]], list[Row]]


StatementsHook = Callable[[list[Statement]], object]


def section_sql(name: str, info: ServerInfo) -> str:
    """A section's SQL for this server and session: a superuser's reads the statistics from
    pg_statistic, where pg_stats shows it the same rows (sqlfiles.py, columns.sql)."""
    return load_sql(name, info.major, superuser=info.is_superuser)


def call_hook(hook: StatementsHook, statements: list[Statement]) -> None:
    try:
        hook(statements)
    except Exception as exc:  # a preparation, never a reason to lose the snapshot
        logger.debug("snapshot: on_statements failed (%s)", exc)


class SessionReader:
    """Sections read on one session, each under a savepoint; failures go to ``errors``."""

    def __init__(self, conn: psycopg.Connection[TupleRow], info: ServerInfo) -> None:
        self.conn = conn
        self.info = info
        self.errors: dict[str, str] = {}

    def section(self, name: str, run: Callable[[], Row], default: Row) -> Row:
        # Relations under an ACCESS EXCLUSIVE lock are left out by the SQL itself; a lock taken
        # between that look and our read still times out, so a lock timeout gets one retry.
        for attempt in (1, 2):
            try:
                with self.conn.transaction():
                    return run()
            except psycopg.errors.LockNotAvailable as exc:
                if attempt == 2:
                    self.errors[name] = one_line(str(exc))
            except psycopg.Error as exc:
                self.errors[name] = one_line(str(exc))
                break
        return default


@dataclass(frozen=True)
class Begun:
    """A collection's start: when, on which server."""

    started: float  # perf_counter
    info: ServerInfo


def begin(conn: psycopg.Connection[TupleRow]) -> Begun:
    """Server facts read, then the session set for the snapshot's one transaction (which the
    next statement starts)."""
    started = time.perf_counter()
    try:
        info = fetch_server_info(conn)
    except psycopg.Error as exc:
        raise translate(exc) from None
    conn.autocommit = False
    conn.read_only = True
    conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
    return Begun(started, info)


def end(conn: psycopg.Connection[TupleRow]) -> None:
    end_transaction(conn)  # a lost connection: one line, not an internal error


def collected_at(conn: psycopg.Connection[TupleRow]) -> datetime:
    row = conn.execute("SELECT pg_catalog.now()").fetchone()
    assert row is not None
    value: datetime = row[0]
    return value


def with_index_sizes(tables: list[tuple[Any, ...]], names: list[str], indexes: list[Index]) -> None:
    """tables.sql leaves index_bytes to the indexes section (see the comment there): added to
    the tables' values (in place, in the list), before their rows are built."""
    per_table: dict[int, int] = {}
    for index in indexes:
        per_table[index.table_oid] = per_table.get(index.table_oid, 0) + index.size_bytes
    oid, index_bytes, total_bytes = (names.index(n) for n in ("oid", "index_bytes", "total_bytes"))
    assert index_bytes + 1 == total_bytes, "tables.sql: total_bytes follows index_bytes"
    for number, values in enumerate(tables):
        size = per_table.get(values[oid])
        if size is not None:
            total = values[total_bytes] + size
            tables[number] = (*values[:index_bytes], size, total, *values[total_bytes + 1 :])


def assemble(
    begun: Begun,
    at: datetime,
    rows: Mapping[str, list[Any]],
    statements: tuple[list[Statement], StatementsInfo],
    errors: dict[str, str],
    own_pids: set[int],
) -> Snapshot:
    """The Snapshot of every section's rows (complete: nothing is filled in afterwards)."""

    def first(name: str) -> Any:
        found = rows[name]
        return found[0] if found else None

    elapsed = (time.perf_counter() - begun.started) * 1000
    return Snapshot(
        format_version=FORMAT_VERSION,
        pgsage_version=__version__,
        collected_at=at,
        duration_ms=round(elapsed, 1),
        server=begun.info,
        database=first("database"),
        settings=rows["settings"],
        tables=rows["tables"],
        columns=rows["columns"],
        indexes=rows["indexes"],
        constraints=rows["constraints"],
        sequences=rows["sequences"],
        statements=statements[0],
        statements_info=statements[1],
        # The second session is ours, like the first: the activity checks must not see it.
        activity=[s for s in rows["activity"] if s.pid not in own_pids],
        replication=rows["replication"],
        slots=rows["slots"],
        extensions=rows["extensions"],
        locked=rows["locked"],
        roles=rows["roles"],
        role_passwords=rows["role_passwords"],
        hba_rules=rows["hba_rules"],
        schemas=rows["schemas"],
        vector_settings=rows["vector_settings"],
        column_values=rows["column_values"],
        value_shapes=rows["value_shapes"],
        key_maxima=rows["key_maxima"],
        checkpointer=first("checkpointer"),
        wal=first("wal"),
        archiver=first("archiver"),
        errors=errors,
    )


# pg_stat_statements renamed columns across extension versions; the view is introspected so
# that any version the server has can be read (1.8 on PG 13 through 1.12 on PG 18).
_STATEMENT_COLUMNS: dict[str, tuple[str, ...]] = {
    "total_exec_time": ("total_exec_time", "total_time"),
    "mean_exec_time": ("mean_exec_time", "mean_time"),
    "min_exec_time": ("min_exec_time", "min_time"),
    "max_exec_time": ("max_exec_time", "max_time"),
    "stddev_exec_time": ("stddev_exec_time", "stddev_time"),
    "blk_read_time": ("shared_blk_read_time", "blk_read_time"),
    "blk_write_time": ("shared_blk_write_time", "blk_write_time"),
}
_STATEMENT_PLAIN = (
    "calls",
    "rows",
    "shared_blks_hit",
    "shared_blks_read",
    "shared_blks_dirtied",
    "shared_blks_written",
    "temp_blks_read",
    "temp_blks_written",
)


def read_statements(
    c: SessionReader, fetch: Fetch[Statement]
) -> tuple[list[Statement], StatementsInfo]:
    """pg_stat_statements' rows of this database (the heaviest first) and its bookkeeping."""
    unread = statements_unread(c.info)
    if unread is not None:
        return unread

    def run() -> tuple[list[Statement], StatementsInfo]:
        layout = c.conn.execute(STATEMENTS_LAYOUT).fetchone()
        assert layout is not None
        rows_query, totals_query = statements_queries(layout)
        rows = fetch(c.conn, rows_query, Statement)
        return rows, statements_info(c.info, c.conn.execute(totals_query).fetchone())

    fallback: tuple[list[Statement], StatementsInfo] = ([], StatementsInfo(status="error"))
    result = c.section("statements", run, fallback)
    if "statements" in c.errors:
        return statements_failed(c)
    return result


def statements_unread(info: ServerInfo) -> tuple[list[Statement], StatementsInfo] | None:
    """What the statements section is when pg_stat_statements cannot be read at all (not
    available, not installed, not preloaded); None when it can."""
    version = info.installed_extensions.get("pg_stat_statements")
    if version is None:
        status = "not-available"
        if info.extension_available("pg_stat_statements"):
            status = "not-installed"
        return [], StatementsInfo(status=status)
    if info.preloaded("pg_stat_statements") is False:
        return [], StatementsInfo(status="not-preloaded", extension_version=version)
    return None


# Where the extension lives, the view's columns and whether its bookkeeping view exists (1.9+).
STATEMENTS_LAYOUT = """
SELECT n.nspname,
       ARRAY(SELECT a.attname FROM pg_catalog.pg_class v
             JOIN pg_catalog.pg_attribute a ON a.attrelid = v.oid
             WHERE v.relnamespace = n.oid AND v.relname = 'pg_stat_statements'
               AND a.attnum > 0 AND NOT a.attisdropped),
       EXISTS (SELECT FROM pg_catalog.pg_class v
               WHERE v.relnamespace = n.oid AND v.relname = 'pg_stat_statements_info')
FROM pg_catalog.pg_extension e JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace
WHERE e.extname = 'pg_stat_statements'
"""


def statements_queries(layout: tuple[Any, ...]) -> tuple[Query, Query]:
    """For STATEMENTS_LAYOUT's row: the query of this database's statements (the heaviest
    first, the fields of Statement in order), and the one of how many it holds with the
    bookkeeping (statements_info reads its row)."""
    schema, present, has_info = str(layout[0]), {str(col) for col in layout[1]}, layout[2]
    view = sql.Identifier(schema, "pg_stat_statements")
    fields: list[sql.Composable] = [
        sql.SQL("s.queryid"),
        sql.SQL("r.rolname AS username"),
        sql.SQL("s.toplevel") if "toplevel" in present else sql.SQL("NULL::bool AS toplevel"),
        sql.SQL("coalesce(s.query, '') AS query"),
    ]
    for target, candidates in _STATEMENT_COLUMNS.items():
        source = next((col for col in candidates if col in present), None)
        fields.append(
            sql.SQL("s.{}::float8 AS {}").format(sql.Identifier(source), sql.Identifier(target))
            if source
            else sql.SQL("0::float8 AS {}").format(sql.Identifier(target))
        )
    fields += [sql.SQL("s.{}::bigint").format(sql.Identifier(col)) for col in _STATEMENT_PLAIN]
    fields.append(
        sql.SQL("s.wal_bytes::bigint")
        if "wal_bytes" in present
        else sql.SQL("NULL::bigint AS wal_bytes")
    )
    order_col = next(col for col in _STATEMENT_COLUMNS["total_exec_time"] if col in present)
    query = sql.SQL(
        "SELECT {fields} FROM {view} s LEFT JOIN pg_catalog.pg_roles r ON r.oid = s.userid "
        "WHERE s.dbid = (SELECT oid FROM pg_catalog.pg_database "
        "WHERE datname = pg_catalog.current_database()) "
        "ORDER BY s.{order} DESC, s.queryid, s.userid LIMIT {limit}"
    ).format(
        fields=sql.SQL(", ").join(fields),
        view=view,
        order=sql.Identifier(order_col),
        limit=STATEMENTS_LIMIT,
    )
    ordered = sql.SQL(
        "SELECT {fields} FROM ({inner}) s ORDER BY s.total_exec_time DESC, s.queryid, s.username"
    ).format(
        fields=sql.SQL(", ").join(sql.Identifier(f) for f in _statement_field_names()),
        inner=query,
    )
    bookkeeping = (
        sql.SQL("LEFT JOIN {} i ON true").format(sql.Identifier(schema, "pg_stat_statements_info"))
        if has_info
        else sql.SQL(
            "LEFT JOIN (SELECT NULL::bigint, NULL::timestamptz) i(dealloc, stats_reset) ON true"
        )
    )
    # Counted from the function without the texts (the view reads every statement's text
    # from the server's query file, megabytes on a busy server, to count rows).
    totals = sql.SQL(
        "SELECT (SELECT pg_catalog.count(*) FROM {counted}(false) WHERE dbid = "
        "(SELECT oid FROM pg_catalog.pg_database "
        "WHERE datname = pg_catalog.current_database())), i.dealloc, i.stats_reset "
        "FROM (SELECT) AS one {bookkeeping}"
    ).format(counted=view, bookkeeping=bookkeeping)
    return ordered, totals


def statements_info(info: ServerInfo, totals: tuple[Any, ...] | None) -> StatementsInfo:
    """The bookkeeping of a section read: the totals query's row (statements_queries)."""
    return StatementsInfo(
        status="ok",
        extension_version=info.installed_extensions.get("pg_stat_statements"),
        dealloc=totals[1] if totals else None,
        stats_reset=totals[2] if totals else None,
        total_statements=int(totals[0]) if totals else 0,
    )


def statements_failed(c: SessionReader) -> tuple[list[Statement], StatementsInfo]:
    """The statements section when it failed (its error in ``c.errors``): not preloaded after
    all (the message says so; then it is not an error of the snapshot), or an error."""
    detail = c.errors.pop("statements")
    status = "not-preloaded" if "shared_preload_libraries" in detail else "error"
    if status == "error":
        c.errors["statements"] = detail
    version = c.info.installed_extensions.get("pg_stat_statements")
    return [], StatementsInfo(status=status, detail=detail, extension_version=version)


def read_key_maxima(c: SessionReader) -> list[KeyMaximum]:
    """The integer keys no sequence fills (key_maxima.sql finds them, with the largest value
    pg_stats saw) and, for those that may be near their limit, ``max(key)``: one index probe
    each, in the snapshot's transaction, in the same section."""

    def run() -> list[KeyMaximum]:
        keys = c.conn.execute(section_sql("key_maxima", c.info).encode()).fetchall()
        return _probed(c.conn, keys)

    return c.section("key_maxima", run, [])


def key_maxima_of(c: SessionReader, keys: list[tuple[Any, ...]]) -> list[KeyMaximum]:
    """``read_key_maxima`` for the keys key_maxima.sql returned (read already): the probes,
    when there are any, in a section of their own (a failed one leaves the section empty)."""
    if not any(key[5] for key in keys):
        return _probed(c.conn, keys)  # nothing to ask the server
    return c.section("key_maxima", lambda: _probed(c.conn, keys), [])


def _probed(conn: psycopg.Connection[TupleRow], keys: list[tuple[Any, ...]]) -> list[KeyMaximum]:
    found = []
    for schema, table, column, type_name, stats_max, probe in keys:
        value = None
        if probe:
            row = conn.execute(
                sql.SQL("SELECT pg_catalog.max({}) FROM {}").format(
                    sql.Identifier(column), sql.Identifier(schema, table)
                )
            ).fetchone()
            value = row[0] if row is not None else None
        found.append(
            KeyMaximum(
                schema,
                table,
                column,
                type_name,
                None if stats_max is None else int(stats_max),
                None if value is None else int(value),
                bool(probe),
            )
        )
    return found


def _statement_field_names() -> list[str]:
    return [f.name for f in fields(Statement)]
