"""One pass over the catalogs into a typed, JSON-serialisable Snapshot.

Everything runs in a single read-only REPEATABLE READ transaction, so all sections see the same
moment. Each section runs under a savepoint: a section that fails (a missing privilege, a lock
timeout on a size function) is recorded in ``errors`` and the rest of the snapshot survives.

The biggest sections (indexes, columns, constraints) are read on a second session that imports
the first one's exported snapshot (``SET TRANSACTION SNAPSHOT``), so both halves see the same
moment and the server works on them on two cores. When that session cannot be had (a
connection limit, a pooler, a standby that refuses), everything is read on the first.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, fields, replace
from datetime import datetime
from functools import cache, cached_property
from itertools import groupby
from operator import attrgetter, itemgetter
from pathlib import Path
from typing import Any, Generic, TypeVar

import psycopg
from psycopg import sql
from psycopg.rows import TupleRow
from pydantic import TypeAdapter, ValidationError

from pgsage import __version__
from pgsage.background import Background
from pgsage.db.connect import one_line, translate
from pgsage.db.indexdef import Quoting, complete_definitions
from pgsage.db.lost import end_transaction
from pgsage.db.rows import (
    VECTOR_TYPES,
    Checkpointer,
    Column,
    ColumnValues,
    Constraint,
    DatabaseStats,
    Extension,
    HbaRule,
    Index,
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
    VectorColumn,
    VectorSetting,
    WalStats,
)
from pgsage.db.serverinfo import ServerInfo, fetch_server_info
from pgsage.db.sqlfiles import load_sql
from pgsage.errors import SnapshotError
from pgsage.gcpause import gc_paused

logger = logging.getLogger(__name__)

FORMAT_VERSION = 1
STATEMENTS_LIMIT = 5000
# Settings for the second session's transaction (the first one reads pg_settings, which must
# show the server's values, not ours). Its queries hash and materialize tens of thousands of
# wide rows on a big schema (25,000 indexes: about 6 MB), which spills to disk with the default
# 4 MB. Parallel workers only add start-up costs: the snapshot already keeps two sessions busy.
SNAPSHOT_SETTINGS = {"work_mem": "64MB", "max_parallel_workers_per_gather": "0"}
_SET_LOCAL = sql.SQL("SELECT {}").format(
    sql.SQL(", ").join(
        sql.SQL("set_config({}, {}, true)").format(sql.Literal(name), sql.Literal(value))
        for name, value in SNAPSHOT_SETTINGS.items()
    )
)

Row = TypeVar("Row")


@dataclass(frozen=True)
class Snapshot:
    format_version: int
    pgsage_version: str
    collected_at: datetime
    duration_ms: float
    server: ServerInfo
    database: DatabaseStats | None
    settings: list[Setting] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    columns: list[Column] = field(default_factory=list)
    indexes: list[Index] = field(default_factory=list)
    constraints: list[Constraint] = field(default_factory=list)
    sequences: list[Sequence] = field(default_factory=list)
    statements: list[Statement] = field(default_factory=list)
    statements_info: StatementsInfo = field(default_factory=lambda: StatementsInfo("not-installed"))
    activity: list[Session] = field(default_factory=list)
    replication: list[Replica] = field(default_factory=list)
    slots: list[ReplicationSlot] = field(default_factory=list)
    extensions: list[Extension] = field(default_factory=list)
    locked: list[LockedRelation] = field(default_factory=list)
    roles: list[Role] = field(default_factory=list)
    role_passwords: list[RolePassword] = field(default_factory=list)
    hba_rules: list[HbaRule] = field(default_factory=list)
    schemas: list[Schema] = field(default_factory=list)
    vector_settings: list[VectorSetting] = field(default_factory=list)
    column_values: list[ColumnValues] = field(default_factory=list)
    checkpointer: Checkpointer | None = None
    wal: WalStats | None = None
    errors: dict[str, str] = field(default_factory=dict)

    # -- look-ups for checks -----------------------------------------------------------
    @cached_property
    def _settings_by_name(self) -> dict[str, Setting]:
        return {s.name: s for s in self.settings}

    def setting(self, name: str) -> str | None:
        found = self._settings_by_name.get(name)
        return found.setting if found else None

    @cached_property
    def tables_by_name(self) -> dict[tuple[str, str], Table]:
        return {(t.schema, t.name): t for t in self.tables}

    def table(self, schema: str, name: str) -> Table | None:
        return self.tables_by_name.get((schema, name))

    @cached_property
    def indexes_by_table(self) -> dict[tuple[str, str], list[Index]]:
        return _by_table(self.indexes)

    @cached_property
    def columns_by_table(self) -> dict[tuple[str, str], list[Column]]:
        return _by_table(self.columns)

    @property
    def vector_columns(self) -> list[VectorColumn]:
        found = []
        for column in self.columns:
            if column.type_name not in VECTOR_TYPES:
                continue
            indexes = [
                ix.name
                for ix in self.indexes_by_table.get((column.schema, column.table), [])
                if column.name in ix.key_columns[: ix.key_count]
            ]
            dims = column.typmod if column.typmod > 0 else None
            found.append(
                VectorColumn(column.schema, column.table, column.name, column.type, dims, indexes)
            )
        return found

    def missing(self, section: str) -> str | None:
        """Why a section is unavailable (its collection error), or None when it was collected."""
        return self.errors.get(section)

    # -- persistence -------------------------------------------------------------------
    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = _adapter().dump_python(self, mode="json")
        return data

    def save(self, path: Path) -> None:
        # pydantic's Rust serializer: json.dumps over dump_python took seconds and hundreds of
        # MB on 10,000 tables. Field order is the dataclasses', so the output is deterministic.
        path.write_bytes(_adapter().dump_json(self, indent=1) + b"\n")

    @classmethod
    def load(cls, path: Path) -> Snapshot:
        try:
            data = json.loads(path.read_bytes())
        except FileNotFoundError:
            raise SnapshotError(f"snapshot file not found: {path}") from None
        except (OSError, json.JSONDecodeError) as exc:
            raise SnapshotError(f"cannot read snapshot {path}: {exc}") from None
        if not isinstance(data, dict) or data.get("format_version") != FORMAT_VERSION:
            raise SnapshotError(f"{path} is not a pgsage snapshot of format {FORMAT_VERSION}")
        try:
            return _adapter().validate_python(data)
        except ValidationError as exc:
            raise SnapshotError(
                f"{path} is not a valid snapshot: {exc.errors()[0]['msg']} "
                f"at {exc.errors()[0]['loc']}"
            ) from None


TableRow = TypeVar("TableRow", Index, Column)
_SCHEMA_TABLE = attrgetter("schema", "table")


def _by_table(rows: list[TableRow]) -> dict[tuple[str, str], list[TableRow]]:
    """Rows per (schema, table), in their order. The snapshot sorts them by table, so runs of
    one table are taken whole (itertools.groupby); a run seen again (a file written unsorted)
    is added to its table's list."""
    grouped: dict[tuple[str, str], list[TableRow]] = {}
    for key, run in groupby(rows, _SCHEMA_TABLE):
        found = grouped.get(key)
        if found is None:
            grouped[key] = list(run)
        else:
            found.extend(run)
    return grouped


@cache
def _adapter() -> TypeAdapter[Snapshot]:
    # Built on first use (about 20 ms of schema building): an audit never serialises the
    # snapshot it collects.
    return TypeAdapter(Snapshot)


# The big sections come unsorted and are sorted here, by these columns: the server sorting
# tens of thousands of wide rows cost a quarter of the catalog queries' time (0.27 s on 10,000
# tables), Python's sort a fraction of it. The order is the same: the names are of type name,
# compared bytewise (collation "C"), and Python compares str by code point, which for UTF-8
# is the same order.
SORTED_HERE: dict[str, tuple[str, ...]] = {
    "tables": ("schema", "name"),
    "columns": ("schema", "table", "attnum"),
    "indexes": ("schema", "table", "name"),
    "constraints": ("schema", "table", "name"),
    "sequences": ("schema", "name"),
}


class _Collector:
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

    def rows(self, name: str, row_type: type[Row]) -> list[Row]:
        fetched = self.fetch(name, row_type)
        return fetched.build() if fetched is not None else []

    def fetch(self, name: str, row_type: type[Row]) -> Fetched[Row] | None:
        """A section's rows as the server sent them (None when it could not be read): turning
        them into objects is left to ``Fetched.build``, which needs no connection."""
        query = load_sql(name, self.info.major)

        def run() -> Fetched[Row]:
            with self.conn.cursor() as cur:
                cur.execute(query.encode())
                names = [column.name for column in cur.description or ()]
                tuples = cur.fetchall()
            quoting = Quoting.of(self.conn) if row_type is Index else None
            return Fetched(name, row_type, names, tuples, quoting)

        return self.section(name, run, None)


@dataclass
class Fetched(Generic[Row]):
    name: str
    row_type: type[Row]
    names: list[str]
    tuples: list[tuple[Any, ...]]
    quoting: Quoting | None  # the server's identifier quoting, for index definitions
    # Index and column rows per table, grouped by the thread that builds them, off the
    # snapshot's critical path; the snapshot takes it as its indexes_by_table/columns_by_table.
    by_table: dict[tuple[str, str], list[Any]] | None = None

    def build(self) -> list[Row]:
        order = SORTED_HERE.get(self.name)
        if order is not None:
            self.tuples.sort(key=itemgetter(*(self.names.index(column) for column in order)))
        rows = build_rows(self.row_type, self.names, self.tuples)
        if self.quoting is not None:
            complete_definitions(rows, self.quoting)  # type: ignore[arg-type]
        if self.row_type is Index or self.row_type is Column:
            self.by_table = _by_table(rows)
        return rows


def build_rows(row_type: type[Row], names: list[str], tuples: list[tuple[Any, ...]]) -> list[Row]:
    """Typed rows from plain tuples: positional when the columns are the fields in order
    (the SQL files are written so), which is several times faster than keyword rows on the
    hundreds of thousands of columns of a big schema."""
    fields = [f.name for f in dataclasses.fields(row_type)]  # type: ignore[arg-type]
    if names == fields:
        # Every field given, in order: the instance dict filled directly. A frozen dataclass's
        # __init__ sets each field through object.__setattr__, twice as slow on 25,000 indexes
        # of 33 fields; the row classes have no __post_init__ or __slots__ that this would skip.
        new = object.__new__
        rows = []
        for values in tuples:
            row = new(row_type)
            row.__dict__.update(zip(fields, values, strict=True))
            rows.append(row)
        return rows
    return [row_type(**dict(zip(names, values, strict=True))) for values in tuples]


# Read on the second session: together about as long as the rest (tables.sql above all).
PARALLEL_SECTIONS: dict[str, type[Any]] = {"indexes": Index, "columns": Column}


class _Companion:
    """A second session reading some sections in a thread, in the first session's snapshot."""

    def __init__(self, main: psycopg.Connection[TupleRow], info: ServerInfo) -> None:
        self.info = info
        self.results: dict[str, list[Any]] = {}
        self.by_table: dict[str, dict[tuple[str, str], list[Any]]] = {}
        self.errors: dict[str, str] = {}
        self.failure: BaseException | None = None
        snapshot_id = main.execute("SELECT pg_export_snapshot()").fetchone()[0]  # type: ignore[index]
        settings = main.execute(
            "SELECT current_setting('statement_timeout'), current_setting('lock_timeout'), "
            "current_setting('application_name')"
        ).fetchone()
        assert settings is not None
        # The conninfo as the first session used it, password included (not the masked dsn).
        params = {
            o.keyword.decode(): o.val.decode()
            for o in main.pgconn.info
            if o.val is not None and o.val != b""
        }
        self.conn = psycopg.connect(**params, autocommit=True)  # type: ignore[arg-type]
        try:
            for name, value in zip(
                ("statement_timeout", "lock_timeout", "application_name"), settings, strict=True
            ):
                self.conn.execute("SELECT set_config(%s, %s, false)", [name, value])
            self.conn.execute("SET default_transaction_read_only = on")
            self.conn.autocommit = False
            self.conn.read_only = True
            self.conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
            self.conn.execute(
                sql.SQL("SET TRANSACTION SNAPSHOT {}").format(sql.Literal(snapshot_id))
            )
            self.conn.execute(_SET_LOCAL)
        except BaseException:
            self.conn.close()
            raise
        self.thread = threading.Thread(target=self._run, name="pgsage-snapshot", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        # Each section's rows become objects on a thread of their own while this one waits for
        # the server's next section: the second session is the snapshot's longest path, and
        # a third of it was Python building rows while the server had nothing to do.
        building: list[tuple[Fetched[Any], Background[list[Any]]]] = []
        try:
            collector = _Collector(self.conn, self.info)
            for name, row_type in PARALLEL_SECTIONS.items():
                fetched = collector.fetch(name, row_type)
                if fetched is None:
                    self.results[name] = []
                else:
                    building.append((fetched, Background(fetched.build)))
            for fetched, built in building:
                self.results[fetched.name] = built.result()
                if fetched.by_table is not None:
                    self.by_table[fetched.name] = fetched.by_table
            self.errors = collector.errors
        except BaseException as exc:  # reported to the main thread, which reads the rest
            self.failure = exc

    def finish(self) -> tuple[dict[str, list[Any]], dict[str, str]]:
        self.thread.join()
        try:
            self.conn.rollback()
        finally:
            self.conn.close()
        if self.failure is not None:
            raise self.failure
        return self.results, self.errors


def _start_companion(conn: psycopg.Connection[TupleRow], info: ServerInfo) -> _Companion | None:
    """Export the snapshot as the first statement of the (implicit) transaction — it cannot be
    exported from a savepoint — and start the second session on it; None when refused."""
    try:
        return _Companion(conn, info)
    except (psycopg.Error, OSError) as exc:
        logger.debug("snapshot: reading on one session (%s)", one_line(str(exc)))
        conn.rollback()  # the next statement starts a fresh transaction
        return None


StatementsHook = Callable[[list[Statement]], object]


def collect_snapshot(
    conn: psycopg.Connection[TupleRow],
    *,
    parallel: bool = True,
    on_statements: StatementsHook | None = None,
) -> Snapshot:
    """Collect a snapshot over an open pgsage session (see ``connect``).

    ``on_statements`` is called on a thread of its own with the workload's statements as soon
    as they are read (the first section), while the server reads the catalogs: the audit
    parses their texts there. Whatever it raises is left out of the snapshot.
    """
    with gc_paused():
        return _collect(conn, parallel, on_statements)


def _run_hook(hook: StatementsHook, statements: list[Statement]) -> None:
    try:
        hook(statements)
    except Exception as exc:  # a preparation, never a reason to lose the snapshot
        logger.debug("snapshot: on_statements failed (%s)", exc)


def _collect(
    conn: psycopg.Connection[TupleRow], parallel: bool, on_statements: StatementsHook | None
) -> Snapshot:
    started = time.perf_counter()
    try:
        info = fetch_server_info(conn)
    except psycopg.Error as exc:
        raise translate(exc) from None
    conn.autocommit = False
    conn.read_only = True
    conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
    try:
        companion = _start_companion(conn, info) if parallel else None
        # The second session is ours, like the first: the activity checks must not see it.
        own_pids = {companion.conn.info.backend_pid} if companion is not None else set()
        # Inside the transaction the companion's export began, this block is a savepoint.
        with conn.transaction():
            collected_at = conn.execute("SELECT now()").fetchone()[0]  # type: ignore[index]
            c = _Collector(conn, info)
            parallel_rows: dict[str, list[Any]] = {}
            grouped: dict[str, dict[tuple[str, str], list[Any]]] = {}

            def read(name: str, row_type: type[Row]) -> list[Row]:
                # Called for the companion's sections last, when the rest has been read here.
                nonlocal companion
                if companion is not None:
                    try:
                        rows_by_name, errors = companion.finish()
                        parallel_rows.update(rows_by_name)
                        grouped.update(companion.by_table)
                        c.errors.update(errors)
                    except psycopg.Error as exc:  # read them here instead
                        logger.debug("snapshot: second session failed (%s)", one_line(str(exc)))
                    companion = None
                if name in parallel_rows:
                    rows: list[Row] = parallel_rows[name]
                    return rows
                return c.rows(name, row_type)

            database_rows = c.rows("database", DatabaseStats)
            statements, statements_info = _statements(c)
            if on_statements is not None and statements:
                threading.Thread(
                    target=_run_hook,
                    args=(on_statements, statements),
                    name="pgsage-statements",
                    daemon=True,
                ).start()
            snapshot = Snapshot(
                format_version=FORMAT_VERSION,
                pgsage_version=__version__,
                collected_at=collected_at,
                duration_ms=0.0,
                server=info,
                database=database_rows[0] if database_rows else None,
                settings=c.rows("settings", Setting),
                tables=c.rows("tables", Table),
                sequences=c.rows("sequences", Sequence),
                statements=statements,
                statements_info=statements_info,
                activity=[s for s in c.rows("activity", Session) if s.pid not in own_pids],
                replication=c.rows("replication", Replica),
                slots=c.rows("slots", ReplicationSlot),
                extensions=c.rows("extensions", Extension),
                locked=c.rows("locked", LockedRelation),
                roles=c.rows("roles", Role),
                role_passwords=c.rows("role_passwords", RolePassword),
                hba_rules=c.rows("hba_rules", HbaRule),
                schemas=c.rows("schemas", Schema),
                vector_settings=c.rows("vector_settings", VectorSetting),
                column_values=c.rows("column_values", ColumnValues),
                checkpointer=_first(c.rows("checkpointer", Checkpointer)),
                wal=_first(c.rows("wal", WalStats)),
                constraints=c.rows("constraints", Constraint),
                # keyword arguments are evaluated in order: these wait for the companion
                columns=read("columns", Column),
                indexes=read("indexes", Index),
                errors=c.errors,
            )
    finally:
        end_transaction(conn)  # a lost connection: one line, not an internal error
    snapshot = replace(snapshot, tables=_with_index_sizes(snapshot.tables, snapshot.indexes))
    elapsed = (time.perf_counter() - started) * 1000
    snapshot = _with_duration(snapshot, elapsed)
    for name, by_table in grouped.items():  # what indexes_by_table/columns_by_table would build
        snapshot.__dict__[f"{name}_by_table"] = by_table
    return snapshot


def _with_index_sizes(tables: list[Table], indexes: list[Index]) -> list[Table]:
    """tables.sql leaves index_bytes to the indexes section (see the comment there)."""
    per_table: dict[int, int] = {}
    for index in indexes:
        per_table[index.table_oid] = per_table.get(index.table_oid, 0) + index.size_bytes
    for table in tables:
        size = per_table.get(table.oid)
        if size is not None:
            # Rows this collection built (build_rows) and has not handed out yet: completed
            # in place. dataclasses.replace, a new 45-field row per table, took 0.1 s on
            # 10,000 tables.
            table.__dict__["index_bytes"] = size
            table.__dict__["total_bytes"] = table.total_bytes + size
    return tables


def _first(rows: list[Row]) -> Row | None:
    return rows[0] if rows else None


def _with_duration(snapshot: Snapshot, duration_ms: float) -> Snapshot:
    return replace(snapshot, duration_ms=round(duration_ms, 1))


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


def _statements(c: _Collector) -> tuple[list[Statement], StatementsInfo]:
    version = c.info.installed_extensions.get("pg_stat_statements")
    if version is None:
        status = "not-available"
        if c.info.extension_available("pg_stat_statements"):
            status = "not-installed"
        return [], StatementsInfo(status=status)
    if c.info.preloaded("pg_stat_statements") is False:
        return [], StatementsInfo(status="not-preloaded", extension_version=version)

    def run() -> tuple[list[Statement], StatementsInfo]:
        schema_row = c.conn.execute(
            "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace "
            "WHERE e.extname = 'pg_stat_statements'"
        ).fetchone()
        assert schema_row is not None
        schema = str(schema_row[0])
        view = sql.Identifier(schema, "pg_stat_statements")
        present = {
            str(r[0])
            for r in c.conn.execute(
                "SELECT attname FROM pg_attribute WHERE attrelid = %s::regclass AND attnum > 0",
                [f'"{schema}".pg_stat_statements'],
            ).fetchall()
        }
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
            "SELECT {fields} FROM {view} s LEFT JOIN pg_roles r ON r.oid = s.userid "
            "WHERE s.dbid = (SELECT oid FROM pg_database WHERE datname = current_database()) "
            "ORDER BY s.{order} DESC, s.queryid, s.userid LIMIT {limit}"
        ).format(
            fields=sql.SQL(", ").join(fields),
            view=view,
            order=sql.Identifier(order_col),
            limit=STATEMENTS_LIMIT,
        )
        ordered = sql.SQL(
            "SELECT {fields} FROM ({inner}) s ORDER BY s.total_exec_time DESC, "
            "s.queryid, s.username"
        ).format(
            fields=sql.SQL(", ").join(sql.Identifier(f) for f in _statement_field_names()),
            inner=query,
        )
        with c.conn.cursor() as cur:
            cur.execute(ordered)
            rows = build_rows(
                Statement, [col.name for col in cur.description or ()], cur.fetchall()
            )
        total = c.conn.execute(
            sql.SQL(
                "SELECT count(*) FROM {} WHERE dbid = "
                "(SELECT oid FROM pg_database WHERE datname = "
                "current_database())"
            ).format(view)
        ).fetchone()
        dealloc = reset = None
        if c.conn.execute(
            "SELECT to_regclass(%s)", [f'"{schema}".pg_stat_statements_info']
        ).fetchone() != (None,):
            info_row = c.conn.execute(
                sql.SQL("SELECT dealloc, stats_reset FROM {}").format(
                    sql.Identifier(schema, "pg_stat_statements_info")
                )
            ).fetchone()
            if info_row:
                dealloc, reset = info_row
        count = int(total[0]) if total else 0
        return rows, StatementsInfo(
            status="ok",
            extension_version=version,
            dealloc=dealloc,
            stats_reset=reset,
            total_statements=count,
        )

    fallback: tuple[list[Statement], StatementsInfo] = ([], StatementsInfo(status="error"))
    result = c.section("statements", run, fallback)
    if "statements" in c.errors:
        detail = c.errors.pop("statements")
        status = "not-preloaded" if "shared_preload_libraries" in detail else "error"
        if status == "error":
            c.errors["statements"] = detail
        return [], StatementsInfo(status=status, detail=detail, extension_version=version)
    return result


def _statement_field_names() -> list[str]:
    return [f.name for f in fields(Statement)]
