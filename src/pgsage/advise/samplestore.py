"""The sampled copies a long-lived process keeps between advise calls: the speed box of
``pgsage.advise.sampled`` (whose ``cost_on_sample`` without a store is the plain reference path:
a scratch database made, filled and dropped per call).

``pgsage mcp`` advises the same database again and again; making the scratch database, its
extensions and the sampled copies is most of a call's time (hundreds of ms), and the tables
rarely change between two calls. A ``SampleStore`` keeps, per (scratch server, audited
database):

- **the scratch database**, with the audited database's extensions, created on first use and
  dropped by ``close()`` (the MCP server closes it when it stops; a finalizer does at interpreter
  exit; a process killed outright leaves it marked, and the scratch server's next sweep drops it
  once its lifetime is over: ``pgsage.db.scratchmark``). A different extension list makes a new
  one (the old one dropped).
- **each sampled table**, under its fingerprint: the relfilenode, reltuples and relpages of the
  table (of each leaf partition for a partitioned one), its columns as the copy declares them,
  and the sample size. TRUNCATE, VACUUM FULL, CLUSTER and rewriting ALTERs change the
  relfilenode; ANALYZE, VACUUM and autovacuum (which runs once about a tenth of the rows changed)
  change reltuples/relpages; a column added, dropped, renamed or retyped changes the columns.
  A changed fingerprint copies the table again. Writes that autovacuum has not yet noticed do
  not: the planner behind the HypoPG costing does not see them either.
- **the outcome** (``SampleOutcome``) of the last calls, keyed by everything it is made of: the
  fingerprints, the sample size, the search_path and extensions, the statements (text, sample
  values and the search_path each is planned under) and the candidates with their index names.
  The sample is drawn with ``REPEATABLE`` and ANALYZE of a copy this small reads every row, so
  an unchanged key gives the outcome a fresh copy would;
  the tests compare the two paths on a real server.

A failure on the kept database drops it (the next call makes a new one) and is reported as the
plain path reports it. Calls are serialised on one lock (the MCP SDK runs tools on threads).
"""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

import psycopg
from psycopg import sql
from psycopg.rows import TupleRow

from pgsage.advise.model import Candidate, RelName
from pgsage.advise.sampled import (
    COLUMN_TYPE,
    SampleContext,
    SampleOutcome,
    copy_table,
    make_extensions,
    measure,
    open_scratch,
    start_session,
)
from pgsage.advise.whatif import PlannedQuery
from pgsage.errors import PgsageError

if TYPE_CHECKING:
    from pgsage.migrations.scratch import ScratchServer

MAX_OUTCOMES = 64

_SOURCE = """/* pgsage */
SELECT d.oid::bigint, pg_catalog.current_setting('search_path'),
       array(SELECT e.extname::text FROM pg_catalog.pg_extension e
             WHERE e.extname <> 'plpgsql' ORDER BY e.extname),
       array(SELECT n.nspname::text FROM pg_catalog.pg_extension e
             JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace
             WHERE e.extname <> 'plpgsql' ORDER BY e.extname)
FROM pg_catalog.pg_database d WHERE d.datname = pg_catalog.current_database()
"""
# Per table: what its copy depends on (see the module docstring), and its columns as the copy
# declares them (sampled.COLUMN_TYPE).
_TABLES = sql.SQL("""/* pgsage */
SELECT r.n, c.oid::bigint, c.relkind::text,
       array(SELECT l.oid::text || ':' || l.relfilenode::text || ':' || l.reltuples::text
                    || ':' || l.relpages::text
             FROM pg_catalog.pg_class l
             WHERE l.oid = c.oid AND c.relkind <> 'p'
                OR c.relkind = 'p' AND l.oid IN (
                    SELECT t.relid FROM pg_catalog.pg_partition_tree(c.oid) t WHERE t.isleaf)
             ORDER BY l.oid),
       array(SELECT a.attname::text FROM pg_catalog.pg_attribute a
             WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum),
       array(SELECT {column_type} FROM pg_catalog.pg_attribute a
             JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
             WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum)
FROM pg_catalog.unnest(%s::pg_catalog.text[]) WITH ORDINALITY AS r(name, n)
LEFT JOIN pg_catalog.pg_class c ON c.oid = pg_catalog.to_regclass(r.name)
ORDER BY r.n
""").format(column_type=sql.SQL(COLUMN_TYPE))


@dataclass(frozen=True)
class Fingerprint:
    """What a table's sampled copy depends on (the module docstring says what changes it)."""

    oid: int
    kind: str
    storage: tuple[str, ...]  # oid:relfilenode:reltuples:relpages of the table or each leaf
    columns: tuple[tuple[str, str], ...]
    rows: int  # the sample size asked for


@dataclass(frozen=True)
class _Source:
    identity: tuple[str, str, str, int]  # host, port, database name, database oid
    search_path: str
    extensions: tuple[tuple[str, str], ...]  # (name, schema)


@dataclass
class _Kept:
    """One scratch database kept for one audited database."""

    server: ScratchServer
    name: str
    dsn: str
    extensions: tuple[tuple[str, str], ...]
    # table -> (fingerprint, rows copied; None: the copy failed, as it will again)
    tables: dict[RelName, tuple[Fingerprint, int | None]] = field(default_factory=dict)


@dataclass(frozen=True)
class _OutcomeKey:
    scratch: str | None
    source: tuple[str, str, str, int]
    search_path: str
    extensions: tuple[tuple[str, str], ...]
    tables: tuple[tuple[RelName, Fingerprint | None], ...]
    # (text, sample values, the search_path it is planned under), in the order planned
    statements: tuple[tuple[str, tuple[str | None, ...], str | None], ...]
    candidates: tuple[tuple[Candidate, str], ...]


class SampleStore:
    """Scratch databases, sampled copies and outcomes kept between advise calls (module
    docstring). ``close()`` drops every database it made."""

    def __init__(self, max_outcomes: int = MAX_OUTCOMES) -> None:
        self._lock = threading.Lock()
        self._servers: dict[str | None, ScratchServer] = {}
        self._kept: dict[tuple[str | None, tuple[str, str, str, int]], _Kept] = {}
        self._outcomes: OrderedDict[_OutcomeKey, SampleOutcome] = OrderedDict()
        self._max_outcomes = max_outcomes
        self.hits = 0  # outcomes served from the store (tests and the bench read it)
        self._closed = False  # a call still running when the process stops makes nothing
        self._finalizer = weakref.finalize(self, _drop_all, self._kept)

    def __enter__(self) -> SampleStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def databases(self) -> list[str]:
        """The scratch databases kept now."""
        with self._lock:
            return sorted(kept.name for kept in self._kept.values())

    def close(self) -> None:
        """Drop every kept database (quietly: a server gone meanwhile has nothing to drop)."""
        with self._lock:
            self._closed = True
            _drop_all(self._kept)
            self._outcomes.clear()

    def cost(
        self,
        context: SampleContext,
        relevant: list[PlannedQuery],
        pending: list[Candidate],
        scratch_dsn: str | None,
        progress: Callable[[str], None],
    ) -> SampleOutcome:
        """``sampled.cost_on_sample``'s work on the kept copies; raises as the plain path
        does (psycopg.Error, PgsageError, OSError), having dropped a kept database that
        failed."""
        with self._lock:
            tables = sorted({t for q in relevant for t in q.shape.tables})
            # a savepoint: a failure (a locked partition tree) must not end the advisor's
            # transaction
            with context.source.transaction():
                source = _read_source(context.source)
                prints = _fingerprints(context.source, tables, context.rows)
            key = _OutcomeKey(
                scratch=scratch_dsn,
                source=source.identity,
                search_path=source.search_path,
                extensions=source.extensions,
                tables=tuple((t, prints.get(t)) for t in tables),
                statements=tuple((q.query.text, q.query.params, q.search_path) for q in relevant),
                candidates=tuple((c, context.names[c]) for c in pending),
            )
            known = self._outcomes.get(key)
            if known is not None:
                self._outcomes.move_to_end(key)
                self.hits += 1
                progress(f"{len(pending)} candidate(s) costed on the kept sampled copy before")
                return _renumbered(known, {n: q.index for n, q in enumerate(relevant)})
            progress(
                f"costing {len(pending)} candidate(s) HypoPG cannot simulate on a sampled copy "
                f"(at most {context.rows:,} rows a table; kept between calls)"
            )
            kept, scratch = self._connect(scratch_dsn, source)
            try:
                with scratch:
                    start_session(scratch, source.search_path)
                    copied = _refresh(context, scratch, kept, prints)
                    outcome = measure(context, scratch, relevant, pending, copied)
            except (psycopg.Error, PgsageError, OSError):
                self._forget(scratch_dsn, source)
                raise
            # stored by position among the relevant statements, served with the call's indexes
            self._outcomes[key] = _renumbered(outcome, {q.index: n for n, q in enumerate(relevant)})
            while len(self._outcomes) > self._max_outcomes:
                self._outcomes.popitem(last=False)
            return outcome

    def _connect(
        self, scratch_dsn: str | None, source: _Source
    ) -> tuple[_Kept, psycopg.Connection[TupleRow]]:
        """The kept database and a session on it; one gone since the last call (a restarted
        server, another host's sweep) is made anew."""
        kept = self._database(scratch_dsn, source)
        try:
            return kept, open_scratch(kept.dsn)
        except psycopg.OperationalError:
            self._forget(scratch_dsn, source)
        kept = self._database(scratch_dsn, source)
        try:
            return kept, open_scratch(kept.dsn)
        except psycopg.OperationalError:
            self._forget(scratch_dsn, source)
            raise

    def _database(self, scratch_dsn: str | None, source: _Source) -> _Kept:
        if self._closed:
            raise PgsageError("the server is stopping")
        slot = (scratch_dsn, source.identity)
        kept = self._kept.get(slot)
        if kept is not None and kept.extensions == source.extensions:
            return kept
        if kept is not None:
            self._forget(scratch_dsn, source)
        server = self._servers.get(scratch_dsn)
        if server is None:
            from pgsage.migrations.scratch import ScratchServer  # starts a server: when needed

            server = self._servers[scratch_dsn] = ScratchServer.choose(scratch_dsn)
        from pgsage.migrations.scratch import new_name

        name = new_name("cost")
        dsn = server.create_database(name)
        kept = _Kept(server, name, dsn, source.extensions)
        self._kept[slot] = kept
        try:
            with open_scratch(dsn) as scratch:
                make_extensions(scratch, source.extensions)
        except BaseException:
            self._forget(scratch_dsn, source)
            raise
        return kept

    def _forget(self, scratch_dsn: str | None, source: _Source) -> None:
        kept = self._kept.pop((scratch_dsn, source.identity), None)
        if kept is not None:
            kept.server.drop_database(kept.name, quiet=True)


def _refresh(
    context: SampleContext,
    scratch: psycopg.Connection[TupleRow],
    kept: _Kept,
    prints: dict[RelName, Fingerprint],
) -> dict[RelName, int]:
    """Copy again the tables whose fingerprint changed (ANALYZE them); the rows of each
    table of ``prints`` with a copy."""
    refreshed = []
    for table, fingerprint in sorted(prints.items()):
        held = kept.tables.get(table)
        if held is not None and held[0] == fingerprint:
            continue
        kept.tables.pop(table, None)
        ident = sql.Identifier(table.schema, table.name)
        scratch.execute(sql.SQL("DROP TABLE IF EXISTS {} CASCADE").format(ident))
        try:
            rows: int | None = copy_table(context, scratch, table, fingerprint.columns)
            refreshed.append(ident)
        except psycopg.Error:
            rows = None  # as the plain path: its statements do not plan on the copy
        kept.tables[table] = (fingerprint, rows)
    if refreshed:
        scratch.execute(sql.SQL("ANALYZE {}").format(sql.SQL(", ").join(refreshed)))
    return {t: held[1] for t in prints if (held := kept.tables.get(t)) and held[1] is not None}


def _drop_all(kept: dict[tuple[str | None, tuple[str, str, str, int]], _Kept]) -> None:
    for slot in list(kept):
        database = kept.pop(slot)
        database.server.drop_database(database.name, quiet=True)


def _read_source(conn: psycopg.Connection[TupleRow]) -> _Source:
    row = conn.execute(_SOURCE).fetchone()
    if row is None:
        raise PgsageError("the audited database is not in pg_database")
    info = conn.info
    return _Source(
        identity=(str(info.host), str(info.port), str(info.dbname), int(row[0])),
        search_path=str(row[1]),
        extensions=tuple(zip(row[2] or (), row[3] or (), strict=True)),
    )


def _fingerprints(
    conn: psycopg.Connection[TupleRow], tables: list[RelName], rows: int
) -> dict[RelName, Fingerprint]:
    names = [sql.Identifier(t.schema, t.name).as_string(conn) for t in tables]
    found: dict[RelName, Fingerprint] = {}
    for n, oid, kind, storage, columns, types in conn.execute(_TABLES, (names,)).fetchall():
        if oid is None:
            continue
        found[tables[int(n) - 1]] = Fingerprint(
            oid=int(oid),
            kind=str(kind),
            storage=tuple(str(s) for s in storage or ()),
            columns=tuple((str(c), str(t)) for c, t in zip(columns, types, strict=True)),
            rows=rows,
        )
    return found


def _renumbered(outcome: SampleOutcome, mapping: dict[int, int]) -> SampleOutcome:
    """The outcome with its statement numbers (``PlannedQuery.index``) mapped."""
    costed = {
        candidate: replace(
            found,
            ratios={mapping[i]: r for i, r in found.ratios.items() if i in mapping},
            nodes={mapping[i]: v for i, v in found.nodes.items() if i in mapping},
        )
        for candidate, found in outcome.costed.items()
    }
    return SampleOutcome(costed, dict(outcome.failed))


__all__ = ["Fingerprint", "SampleStore"]
