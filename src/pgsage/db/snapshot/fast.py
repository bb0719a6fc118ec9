"""The fast collector: every trick the snapshot's speed needs, kept in this module.

- Rows are built from the server's tuples positionally, without ``__init__``
  (``build_rows``); the big sections are sorted in Python rather than on the server.
- A plain index's definition is written in Python (indexdef.py) before its row is built.
- The biggest sections (indexes, columns) and a few more are read on a second session that
  imports the first one's exported snapshot (``SET TRANSACTION SNAPSHOT``), so both see the
  same moment and the server works on two cores; that session is opened on a worker while the
  first reads on, and its sections' rows are built on workers. When it cannot be had (a
  connection limit, a pooler, a standby that refuses), everything is read on the first.
- Sections are sent in pipelines (pipelined.py): the first session's in one round trip; the
  second's indexes first, then the rest in one more (a small schema) or one each (a big one:
  a section's rows are built while the server reads the next).

The plain collector (plain.py) reads the same snapshot without any of this; the tests run the
same assertions on both. Figures: bench/README.md.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, wait
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from operator import itemgetter
from typing import Any, Generic

import psycopg
from psycopg import sql
from psycopg.rows import TupleRow

from pgsage.db.connect import one_line
from pgsage.db.rows import (
    ColumnValues,
    Constraint,
    Index,
    KeyMaximum,
    Statement,
    StatementsInfo,
    ValueShape,
)
from pgsage.db.serverinfo import ServerInfo
from pgsage.db.snapshot.indexdef import PlainDefinitions, Quoting
from pgsage.db.snapshot.model import Snapshot
from pgsage.db.snapshot.pipelined import read_pipelined, with_begin
from pgsage.db.snapshot.run import SessionOpener, SnapshotRun
from pgsage.db.snapshot.sections import (
    BIG_SECTIONS,
    SECTIONS,
    SORTED_BY,
    STATEMENTS_LAYOUT,
    Row,
    SessionReader,
    StatementsHook,
    assemble,
    begin,
    call_hook,
    end,
    key_maxima_of,
    section_sql,
    statements_failed,
    statements_info,
    statements_queries,
    statements_unread,
    with_index_sizes,
)
from pgsage.errors import PgsageError

logger = logging.getLogger(__name__)

# Settings for the second session's transaction (the first one reads pg_settings, which must
# show the server's values, not ours). Its queries hash and materialize tens of thousands of
# wide rows on a big schema (25,000 indexes: about 6 MB), which spills to disk with the default
# 4 MB. Parallel workers only add start-up costs: the snapshot already keeps two sessions busy.
# Its queries' joins are planned in the order they are written (the collapse limits): their
# join search was most of their planning time (indexes.sql: 1.8 ms of planning, 0.7 without),
# and their plans do as well in that order, on the demo and on 10,000 tables (bench/README.md).
SNAPSHOT_SETTINGS = {
    "work_mem": "64MB",
    "max_parallel_workers_per_gather": "0",
    "join_collapse_limit": "1",
    "from_collapse_limit": "1",
}
_SET_LOCAL = sql.SQL("SELECT {}").format(
    sql.SQL(", ").join(
        sql.SQL("pg_catalog.set_config({}, {}, true)").format(sql.Literal(name), sql.Literal(value))
        for name, value in SNAPSHOT_SETTINGS.items()
    )
)


def build_rows(row_type: type[Row], names: list[str], tuples: list[tuple[Any, ...]]) -> list[Row]:
    """Typed rows from plain tuples: positional when the columns are the fields in order
    (the SQL files are written so), which is several times faster than keyword rows on the
    hundreds of thousands of columns of a big schema."""
    fields = [f.name for f in dataclasses.fields(row_type)]  # type: ignore[arg-type]
    if names == fields:
        # Every field given, in order: the new instance's dict filled directly, which is its
        # construction (nothing is written into a row after this). A frozen dataclass's
        # __init__ sets each field through object.__setattr__, twice as slow on 25,000
        # indexes of 33 fields; the row classes have no __post_init__ or __slots__ that this
        # would skip (tests/test_snapshot_catalog.py checks).
        new = object.__new__
        rows = []
        for values in tuples:
            row = new(row_type)
            row.__dict__.update(zip(fields, values, strict=True))
            rows.append(row)
        return rows
    return [row_type(**dict(zip(names, values, strict=True))) for values in tuples]


@dataclass
class Fetched(Generic[Row]):
    """A section's rows as the server sent them; ``build`` needs no connection."""

    name: str
    row_type: type[Row]
    names: list[str]
    tuples: list[tuple[Any, ...]]
    quoting: Quoting | None  # the server's identifier quoting, for index definitions

    def build(self) -> list[Row]:
        order = SORTED_BY.get(self.name)
        if order is not None:
            self.tuples.sort(key=itemgetter(*(self.names.index(column) for column in order)))
        if self.quoting is not None:
            complete = PlainDefinitions(self.names, self.quoting).complete
            self.tuples = [complete(values) for values in self.tuples]
        return build_rows(self.row_type, self.names, self.tuples)


# Read on the second session: the biggest sections, and enough of the others that both
# sessions take about as long (on the demo; the first also reads pg_stat_statements and the
# server facts, and starts earlier). The first reads the rest, settings among them: they must
# be the server's, not the second session's (SNAPSHOT_SETTINGS).
SECOND_SESSION: tuple[tuple[str, type[Any]], ...] = (
    *BIG_SECTIONS,
    ("constraints", Constraint),
    ("column_values", ColumnValues),
    ("value_shapes", ValueShape),
)
# Last, the sections only a superuser may read: where they fail, nothing after them is sent
# again (pipelined.py).
_SUPERUSER_ONLY = ("role_passwords", "hba_rules")
# Fewer indexes than this: the second session reads its other sections in one round trip.
SMALL_SCHEMA_INDEXES = 2_000
FIRST_SESSION: tuple[tuple[str, type[Any]], ...] = (
    *(
        (name, row_type)
        for name, row_type in SECTIONS
        if name not in dict(SECOND_SESSION) and name not in _SUPERUSER_ONLY
    ),
    ("key_maxima", KeyMaximum),  # its keys: the probes follow (sections.key_maxima_of)
    *((name, row_type) for name, row_type in SECTIONS if name in _SUPERUSER_ONLY),
)
_QUOTING = "index definitions' quoting"  # the pipelined read of indexdef.Quoting's SQL


def fetch_all(
    reader: SessionReader, sections: Sequence[tuple[str, type[Any]]], prelude: Sequence[bytes] = ()
) -> dict[str, Fetched[Any]]:
    """The sections' rows as the server sent them, in one round trip (pipelined.py, which
    says what ``prelude`` is); the ones that could not be read are left out (their errors are
    in ``reader.errors``)."""
    queries = [(name, section_sql(name, reader.info).encode()) for name, _ in sections]
    types = dict(sections)
    if "indexes" in types:  # the server's identifier quoting, for the index definitions
        queries.append((_QUOTING, Quoting.SQL.encode()))
    raw = read_pipelined(reader, queries, prelude)
    quoting = None
    if "indexes" in types:
        if _QUOTING in raw:
            quoting = Quoting.from_row(raw.pop(_QUOTING)[1][0])
        elif "indexes" in raw:  # cannot be written without it: the section failed
            del raw["indexes"]
            reader.errors["indexes"] = reader.errors.pop(_QUOTING)
    return {
        name: Fetched(name, types[name], names, tuples, quoting if types[name] is Index else None)
        for name, (names, tuples) in raw.items()
    }


_TOTALS = "statements' totals"  # the pipelined read of statements_queries' second query


def read_statements_pipelined(reader: SessionReader) -> tuple[list[Statement], StatementsInfo]:
    """sections.read_statements in two round trips (the layout, then the rows with the
    totals) instead of five: the same section, its errors handled the same way."""
    unread = statements_unread(reader.info)
    if unread is not None:
        return unread
    raw = read_pipelined(reader, [("statements", STATEMENTS_LAYOUT.encode())])
    if "statements" in raw:
        rows, totals = _statements_sql(reader.conn, raw["statements"][1][0])
        raw = read_pipelined(reader, [("statements", rows), (_TOTALS, totals)])
        if _TOTALS in reader.errors:  # one section: what failed in it fails all of it
            reader.errors.setdefault("statements", reader.errors.pop(_TOTALS))
    if "statements" in reader.errors:
        return statements_failed(reader)
    names, tuples = raw["statements"]
    return build_rows(Statement, names, tuples), statements_info(reader.info, raw[_TOTALS][1][0])


# statements_queries' two queries as sent, per layout and client encoding: a long-running
# process reads the same layout on every audit, and composing them costs more than reading.
_STATEMENTS_SQL: dict[tuple[Any, ...], tuple[bytes, bytes]] = {}


def _statements_sql(
    conn: psycopg.Connection[TupleRow], layout: tuple[Any, ...]
) -> tuple[bytes, bytes]:
    key = (str(layout[0]), tuple(map(str, layout[1])), bool(layout[2]), conn.info.encoding)
    found = _STATEMENTS_SQL.get(key)
    if found is None:
        rows, totals = statements_queries(layout)
        found = (rows.as_bytes(conn), totals.as_bytes(conn))
        if len(_STATEMENTS_SQL) >= 16:
            _STATEMENTS_SQL.clear()
        _STATEMENTS_SQL[key] = found
    return found


@dataclass
class _SecondRead:
    """What the second session read: its sections' rows being built, and their errors."""

    pid: int
    building: dict[str, Future[list[Any]]]
    errors: dict[str, str]


class _SecondSession:
    """A second session in the first session's exported snapshot."""

    def __init__(self, opener: SessionOpener, snapshot_id: str) -> None:
        self._lease = opener()
        self.conn = self._lease.__enter__()
        self.pid = self.conn.info.backend_pid
        try:
            self.conn.autocommit = False
            self.conn.read_only = True
            self.conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
            # The transaction's first statements: the first session's snapshot, then this
            # session's settings (sent with the sections, in the same round trip).
            self._prelude = (
                sql.SQL("SET TRANSACTION SNAPSHOT {}")
                .format(sql.Literal(snapshot_id))
                .as_bytes(self.conn),
                _SET_LOCAL.as_bytes(self.conn),
            )
        except BaseException:
            self.close()
            raise

    def read(self, info: ServerInfo, run: SnapshotRun) -> _SecondRead:
        """Its sections' rows, each being built on a worker of its own while the server
        reads the next; returns without waiting for the builds, the session closed (or handed
        back). The indexes come first, in a pipeline of their own. On a big schema each
        section after them has a pipeline of its own too (on 10,000 tables, building the
        indexes' and columns' rows takes about as long as the server reading the next
        sections); below SMALL_SCHEMA_INDEXES indexes there is little to build, and the
        rest goes in one pipeline (a round trip each cost more than the builds save)."""
        try:
            reader = SessionReader(self.conn, info)
            building: dict[str, Future[list[Any]]] = {}
            first, rest = SECOND_SESSION[:1], SECOND_SESSION[1:]
            fetched = fetch_all(reader, first, self._prelude)
            indexes = fetched.get(first[0][0])
            small = indexes is not None and len(indexes.tuples) < SMALL_SCHEMA_INDEXES
            groups = [rest] if small else [(section,) for section in rest]
            for group in groups:
                for name, rows in fetched.items():
                    building[name] = run.submit(rows.build)
                fetched = fetch_all(reader, group)
            for name, rows in fetched.items():
                # the last reads: nothing left to overlap their builds with on a small schema
                building[name] = _built(rows) if small else run.submit(rows.build)
            return _SecondRead(self.pid, building, reader.errors)
        finally:
            self.close()

    def close(self) -> None:
        # Its transaction is not ended here: the session is closed or handed back to a pool,
        # whose reset rolls back (pool.py), off this snapshot's path.
        if self.conn.info.transaction_status not in _USABLE:
            self.conn.close()  # a broken session is never handed back
        self._lease.__exit__(None, None, None)


_USABLE = (psycopg.pq.TransactionStatus.IDLE, psycopg.pq.TransactionStatus.INTRANS)


def _built(rows: Fetched[Any]) -> Future[list[Any]]:
    """``rows`` built here, as a done future (a worker's hand-off costs more than the build)."""
    done: Future[list[Any]] = Future()
    try:
        done.set_result(rows.build())
    except Exception as exc:  # raised where the result is read, as a worker's would be
        done.set_exception(exc)
    return done


def _like(main: psycopg.Connection[TupleRow]) -> SessionOpener:
    """Opens a new session with the first one's conninfo (password included, not the masked
    dsn) and its timeouts, application name and read-only default (read now, on the first)."""
    settings = main.execute(
        "SELECT pg_catalog.current_setting('statement_timeout'), "
        "pg_catalog.current_setting('lock_timeout'), "
        "pg_catalog.current_setting('application_name')"
    ).fetchone()
    assert settings is not None
    params = {
        o.keyword.decode(): o.val.decode()
        for o in main.pgconn.info
        if o.val is not None and o.val != b""
    }

    @contextmanager
    def open_like() -> Iterator[psycopg.Connection[TupleRow]]:
        conn = psycopg.connect(**params, autocommit=True)  # type: ignore[arg-type]
        try:
            for name, value in zip(
                ("statement_timeout", "lock_timeout", "application_name"), settings, strict=True
            ):
                conn.execute("SELECT pg_catalog.set_config(%s, %s, false)", [name, value])
            conn.execute("SET default_transaction_read_only = on")
            yield conn
        finally:
            conn.close()

    return open_like


def _start_second_session(
    conn: psycopg.Connection[TupleRow], reader: SessionReader, run: SnapshotRun
) -> tuple[datetime | None, Future[_SecondRead | None] | None]:
    """Export the snapshot as the first statement of the transaction — it cannot be exported
    from a savepoint — and open the second session on it on a worker, while this one reads
    on. Returns the transaction's start (read with the export) and the second session's
    reads (their None: the session could not be had); (None, None) when the export is
    refused (rolled back: the next statement starts a fresh transaction)."""
    try:
        exported = with_begin(conn, _EXPORT)
        assert exported is not None
        snapshot_id, at = str(exported[0]), exported[1]
        opener = run.second_session or _like(conn)
    except (psycopg.Error, OSError, PgsageError) as exc:
        logger.debug("snapshot: reading on one session (%s)", one_line(str(exc)))
        conn.rollback()
        return None, None
    return at, run.submit(_read_on_second, opener, snapshot_id, reader.info, run)


_EXPORT = b"SELECT pg_catalog.pg_export_snapshot(), pg_catalog.now()"
_NOW = b"SELECT pg_catalog.now()"


def _read_on_second(
    opener: SessionOpener, snapshot_id: str, info: ServerInfo, run: SnapshotRun
) -> _SecondRead | None:
    try:
        second = _SecondSession(opener, snapshot_id)
    except (psycopg.Error, OSError, PgsageError) as exc:  # a connection limit, a pooler...
        logger.debug("snapshot: reading on one session (%s)", one_line(str(exc)))
        return None
    return second.read(info, run)


def collect_fast(
    conn: psycopg.Connection[TupleRow],
    run: SnapshotRun,
    *,
    parallel: bool = True,
    on_statements: StatementsHook | None = None,
) -> Snapshot:
    """Collect a snapshot with the fast path, on the run's workers (see the module's doc)."""
    begun = begin(conn)
    reader = SessionReader(conn, begun.info)
    hooked: Future[None] | None = None
    at, reading = _start_second_session(conn, reader, run) if parallel else (None, None)
    try:
        if at is None:  # no export: the transaction starts here
            started = with_begin(conn, _NOW)
            assert started is not None
            at = started[0]
        # Every read below is in this one transaction, under savepoints (pipelined.py).
        statements = read_statements_pipelined(reader)
        if on_statements is not None and statements[0]:
            hooked = run.submit(call_hook, on_statements, statements[0])
        here = FIRST_SESSION if reading is not None else (*SECOND_SESSION, *FIRST_SESSION)
        fetched = fetch_all(reader, here)
        keys = fetched.pop("key_maxima", None)
        tables = fetched.pop("tables", None)  # built once the index sizes are known
        rows: dict[str, list[Any]] = {name: [] for name, _ in (*SECTIONS, *BIG_SECTIONS)}
        rows.update((name, section.build()) for name, section in fetched.items())
        rows["key_maxima"] = key_maxima_of(reader, keys.tuples) if keys is not None else []
        second, reading = _second_sections(reader, reading), None
        rows.update(second[0])
    finally:
        if reading is not None and not reading.cancel():
            wait([reading])  # the second session closes itself when its reads end
        if not run.session_discarded_after:
            end(conn)
        elif conn.broken or conn.closed:
            end(conn)  # says the connection was lost, in one line
    if tables is not None:
        with_index_sizes(tables.tuples, tables.names, rows["indexes"])
        rows["tables"] = tables.build()
    if hooked is not None:
        hooked.result()  # what the hook prepares is ready when the snapshot is
    return assemble(begun, at, rows, statements, reader.errors, second[1])


def _second_sections(
    reader: SessionReader, reading: Future[_SecondRead | None] | None
) -> tuple[dict[str, list[Any]], set[int]]:
    """The second session's sections, waited for here (and its pid); read on this session
    when there is none or it failed."""
    found: dict[str, list[Any]] = {}
    own_pids: set[int] = set()
    if reading is not None:
        try:
            second = reading.result()
        except (psycopg.Error, OSError, PgsageError) as exc:  # read them here instead
            logger.debug("snapshot: second session failed (%s)", one_line(str(exc)))
            second = None
        if second is not None:
            own_pids.add(second.pid)
            found = {name: rows.result() for name, rows in second.building.items()}
            found.update({name: [] for name in second.errors})
            reader.errors.update(second.errors)
    missing = [(name, row_type) for name, row_type in SECOND_SESSION if name not in found]
    if missing:
        fetched = fetch_all(reader, missing)
        found.update({name: [] for name, _ in missing})
        found.update((name, section.build()) for name, section in fetched.items())
    return found, own_pids
