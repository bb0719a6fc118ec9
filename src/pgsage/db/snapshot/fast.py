"""The fast collector: every trick the snapshot's speed needs, kept in this module.

- Rows are built from the server's tuples positionally, without ``__init__``
  (``build_rows``); the big sections are sorted in Python rather than on the server.
- A plain index's definition is written in Python (indexdef.py) before its row is built.
- The biggest sections (indexes, columns) are read on a second session that imports the first
  one's exported snapshot (``SET TRANSACTION SNAPSHOT``), so both see the same moment and the
  server works on two cores; each section's rows are built on a worker while that session
  waits for the next. When the second session cannot be had (a connection limit, a pooler, a
  standby that refuses), everything is read on the first.

The plain collector (plain.py) reads the same snapshot without any of this; the tests run the
same assertions on both. Figures: bench/README.md.
"""

from __future__ import annotations

import dataclasses
import logging
from concurrent.futures import Future, wait
from contextlib import AbstractContextManager
from dataclasses import dataclass
from operator import itemgetter
from typing import Any, Generic

import psycopg
from psycopg import sql
from psycopg.rows import TupleRow

from pgsage.db.connect import one_line
from pgsage.db.rows import Index, Table
from pgsage.db.snapshot.indexdef import PlainDefinitions, Quoting
from pgsage.db.snapshot.model import Snapshot
from pgsage.db.snapshot.run import SessionOpener, SnapshotRun
from pgsage.db.snapshot.sections import (
    BIG_SECTIONS,
    SECTIONS,
    SORTED_BY,
    Query,
    Row,
    SessionReader,
    StatementsHook,
    assemble,
    begin,
    call_hook,
    collected_at,
    end,
    read_key_maxima,
    read_statements,
    with_index_sizes,
)
from pgsage.db.sqlfiles import load_sql
from pgsage.errors import PgsageError

logger = logging.getLogger(__name__)

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


def fetch_rows(conn: psycopg.Connection[TupleRow], query: Query, row_type: type[Row]) -> list[Row]:
    with conn.cursor() as cur:
        cur.execute(query)
        return build_rows(row_type, [c.name for c in cur.description or ()], cur.fetchall())


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


def fetch(reader: SessionReader, name: str, row_type: type[Row]) -> Fetched[Row] | None:
    """A section's rows as the server sent them (None when it could not be read)."""
    query = load_sql(name, reader.info.major).encode()

    def run() -> Fetched[Row]:
        with reader.conn.cursor() as cur:
            cur.execute(query)
            names = [column.name for column in cur.description or ()]
            tuples = cur.fetchall()
        quoting = Quoting.of(reader.conn) if row_type is Index else None
        return Fetched(name, row_type, names, tuples, quoting)

    return reader.section(name, run, None)


def read_rows(reader: SessionReader, name: str, row_type: type[Row]) -> list[Row]:
    fetched = fetch(reader, name, row_type)
    return fetched.build() if fetched is not None else []


class _SecondSession:
    """A second session in the first session's snapshot, reading the big sections."""

    def __init__(
        self,
        main: psycopg.Connection[TupleRow],
        reader: SessionReader,
        opener: SessionOpener | None = None,
    ) -> None:
        self.info = reader.info
        snapshot_id = main.execute("SELECT pg_catalog.pg_export_snapshot()").fetchone()[0]  # type: ignore[index]
        self._lease: AbstractContextManager[psycopg.Connection[TupleRow]] | None = None
        if opener is not None:
            # A session with the first one's settings from where the first came from (a
            # long-running process lends one it keeps).
            self._lease = opener()
            self.conn = self._lease.__enter__()
        else:
            self.conn = _like(main)
        self.pid = self.conn.info.backend_pid
        try:
            self.conn.autocommit = False
            self.conn.read_only = True
            self.conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
            self.conn.execute(
                sql.SQL("SET TRANSACTION SNAPSHOT {}").format(sql.Literal(snapshot_id))
            )
            self.conn.execute(_SET_LOCAL)
        except BaseException:
            self.close()
            raise

    def read(self, run: SnapshotRun) -> tuple[dict[str, Future[list[Any]]], dict[str, str]]:
        """The big sections' rows, each being built on a worker of its own while this one
        waits for the server's next section (a third of this session's path was Python
        building rows while the server had nothing to do); and the sections' errors.
        Returns without waiting for the builds."""
        try:
            reader = SessionReader(self.conn, self.info)
            building: dict[str, Future[list[Any]]] = {}
            for name, row_type in BIG_SECTIONS:
                fetched = fetch(reader, name, row_type)
                if fetched is not None:
                    building[name] = run.submit(fetched.build)
            return building, reader.errors
        finally:
            self.close()

    def close(self) -> None:
        lease, self._lease = self._lease, None
        try:
            if self.conn.info.transaction_status in _USABLE:
                self.conn.rollback()
        finally:
            if lease is None or self.conn.info.transaction_status not in _USABLE:
                self.conn.close()  # a broken session is never handed back
            if lease is not None:
                lease.__exit__(None, None, None)


_USABLE = (psycopg.pq.TransactionStatus.IDLE, psycopg.pq.TransactionStatus.INTRANS)


def _like(main: psycopg.Connection[TupleRow]) -> psycopg.Connection[TupleRow]:
    """A new session with the first one's conninfo (password included, not the masked dsn)
    and its timeouts, application name and read-only default."""
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
    conn = psycopg.connect(**params, autocommit=True)  # type: ignore[arg-type]
    try:
        for name, value in zip(
            ("statement_timeout", "lock_timeout", "application_name"), settings, strict=True
        ):
            conn.execute("SELECT pg_catalog.set_config(%s, %s, false)", [name, value])
        conn.execute("SET default_transaction_read_only = on")
    except BaseException:
        conn.close()
        raise
    return conn


def _second_session(
    conn: psycopg.Connection[TupleRow], reader: SessionReader, opener: SessionOpener | None
) -> _SecondSession | None:
    """Export the snapshot as the first statement of the (implicit) transaction — it cannot be
    exported from a savepoint — and open the second session on it; None when refused."""
    try:
        return _SecondSession(conn, reader, opener)
    except (psycopg.Error, OSError, PgsageError) as exc:
        logger.debug("snapshot: reading on one session (%s)", one_line(str(exc)))
        conn.rollback()  # the next statement starts a fresh transaction
        return None


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
    second: _SecondSession | None = None
    reading: Future[tuple[dict[str, Future[list[Any]]], dict[str, str]]] | None = None
    hooked: Future[None] | None = None
    try:
        second = _second_session(conn, reader, run.second_session) if parallel else None
        reading = run.submit(second.read, run) if second is not None else None
        # Inside the transaction the second session's export began, this block is a savepoint.
        with conn.transaction():
            at = collected_at(conn)
            rows: dict[str, list[Any]] = {"database": read_rows(reader, "database", SECTIONS[0][1])}
            statements = read_statements(reader, fetch_rows)
            if on_statements is not None and statements[0]:
                hooked = run.submit(call_hook, on_statements, statements[0])
            tables = fetch(reader, "tables", Table)  # built once the index sizes are known
            for name, row_type in SECTIONS[1:]:
                if name != "tables":
                    rows[name] = read_rows(reader, name, row_type)
            rows["key_maxima"] = read_key_maxima(reader)
            rows.update(_big_sections(reader, reading))
            reading = None
    finally:
        if reading is not None and second is not None:
            if reading.cancel():
                second.close()  # its reads never started, so they will not close it
            else:
                wait([reading])  # the second session closes itself when its reads end
        end(conn)
    rows["tables"] = []
    if tables is not None:
        with_index_sizes(tables.tuples, tables.names, rows["indexes"])
        rows["tables"] = tables.build()
    if hooked is not None:
        hooked.result()  # what the hook prepares is ready when the snapshot is
    own_pids = {second.pid} if second is not None else set()
    return assemble(begun, at, rows, statements, reader.errors, own_pids)


def _big_sections(
    reader: SessionReader,
    reading: Future[tuple[dict[str, Future[list[Any]]], dict[str, str]]] | None,
) -> dict[str, list[Any]]:
    """The second session's sections, waited for here; read on this session when there is
    none or it failed."""
    found: dict[str, list[Any]] = {}
    if reading is not None:
        try:
            building, errors = reading.result()
            found = {name: rows.result() for name, rows in building.items()}
            found.update({name: [] for name in errors})
            reader.errors.update(errors)
        except psycopg.Error as exc:  # read them here instead
            logger.debug("snapshot: second session failed (%s)", one_line(str(exc)))
    for name, row_type in BIG_SECTIONS:
        if name not in found:
            found[name] = read_rows(reader, name, row_type)
    return found
