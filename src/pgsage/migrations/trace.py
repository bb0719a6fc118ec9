"""``migrations trace``: run revisions (or SQL files) on a scratch database seeded with the
schema before them, and record per statement which locks it took and what it rewrote.

Every statement is measured (see :mod:`locks`) inside its transaction, before the commit, from
the backend's own ``pg_locks``. A transaction that already holds a lock does not list it again
when a later statement asks for the same lock, so the trace commits after each measured
statement: each one starts holding nothing and shows everything it asks for. (In the real
migration the revision's transaction keeps all of them until its end; the report adds that
union per revision.) Revisions run through :mod:`runner` with Alembic's own operations.
Statements in an ``autocommit_block()`` (CREATE INDEX CONCURRENTLY...) run outside any
transaction, so their locks are gone when they end: they are sampled while they wait for an
older snapshot (:class:`locks.WaitSampler`), else listed as not measured rather than as
lock-free; an SQL-file statement that cannot run in a transaction block is run the same way.
Tables are empty: what is measured is which locks and rewrites PostgreSQL chooses, not how long
they would last.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pglast
import psycopg
from sqlalchemy import Engine, event

from pgsage.errors import UsageError
from pgsage.migrations.findings import migration_finding
from pgsage.migrations.graph import Revision, RevisionGraph
from pgsage.migrations.locks import (
    BLOCKING_MODES,
    LOCK_STRENGTH,
    Effects,
    LockTaken,
    State,
    WaitSampler,
    effects,
    read_state,
)
from pgsage.migrations.runner import StepFailed, engine_for, run_step
from pgsage.model import Finding, Severity


@dataclass(frozen=True)
class StatementTrace:
    source: str  # revision id or file path
    number: int  # 1-based position in its source
    sql: str
    transactional: bool
    line: int | None = None
    effects: Effects | None = None
    error: str | None = None
    duration_ms: float = 0.0
    from_file: bool = False  # an SQL file rather than a revision

    def to_json(self) -> dict[str, Any]:
        fx = self.effects
        return {
            "source": self.source,
            "source_kind": "file" if self.from_file else "revision",
            "number": self.number,
            "line": self.line,
            "sql": self.sql,
            "transactional": self.transactional,
            "measured": fx is not None,
            "locks": [t.to_json() for t in fx.locks] if fx else [],
            "rewritten": list(fx.rewritten) if fx else [],
            "scanned": list(fx.scanned) if fx else [],
            "created": list(fx.created) if fx else [],
            "dropped": list(fx.dropped) if fx else [],
            "error": self.error,
        }


@dataclass
class TraceResult:
    statements: list[StatementTrace] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)

    def sources(self) -> list[str]:
        return list(dict.fromkeys(s.source for s in self.statements))

    def held_until_commit(self, source: str) -> list[LockTaken]:
        """The strongest lock per relation over a source's measured statements: what its one
        transaction holds at the end (the relations that existed before it)."""
        taken = [
            lock
            for s in self.statements
            if s.source == source and s.effects and s.transactional
            for lock in s.effects.locks
            if lock.preexisting
        ]
        return _strongest_per_relation(taken)

    def to_json(self) -> dict[str, Any]:
        """The per-statement listing; the findings are the command's Report."""
        return {
            "sources": [
                {
                    "source": source,
                    "held_until_commit": [
                        lock.to_json() for lock in self.held_until_commit(source)
                    ],
                }
                for source in self.sources()
            ],
            "statements": [s.to_json() for s in self.statements],
        }


def statement_findings(trace: StatementTrace, revision_file: str | None = None) -> list[Finding]:
    """Warnings for what would hurt a live table: a failing statement, a rewrite of a table that
    existed before the step (blocking locks are grouped per table: :func:`blocking_findings`).
    ``revision_file`` is the file of the revision a statement came from."""
    short = " ".join(trace.sql.split())[:120]

    def finding(check: str, severity: Severity, message: str) -> Finding:
        from_file = trace.from_file
        return migration_finding(
            check,
            severity,
            f"statement {trace.number} {message}",
            revision=None if from_file else trace.source,
            file=trace.source if from_file else revision_file,
            line=trace.line,
            details=(short,),
        )

    found: list[Finding] = []
    if trace.error:
        found.append(finding("statement-fails", Severity.ERROR, f"fails: {trace.error}"))
    fx = trace.effects
    if fx is None:
        return found
    for table in fx.rewritten:
        if table.endswith("(table)") or table.endswith("(materialized view)"):
            found.append(
                finding("table-rewrite", Severity.WARNING, f"rewrites {table.rsplit(' ', 1)[0]}")
            )
    return found


def _blocking(trace: StatementTrace) -> list[LockTaken]:
    fx = trace.effects
    if fx is None:
        return []
    return _strongest_per_relation(
        [
            t
            for t in fx.locks
            if t.preexisting
            and t.mode in BLOCKING_MODES
            and t.kind in {"table", "partitioned table", "materialized view"}
        ]
    )


def blocking_findings(
    traces: list[StatementTrace], revision_file: str | None = None
) -> list[Finding]:
    """One warning per table and source (revision or file) that some statement locks against
    writes: the strongest mode, the statements that take it (a revision that alters one table
    34 times is one finding, not 34)."""
    per_table: dict[tuple[str, str], list[tuple[StatementTrace, LockTaken]]] = {}
    for trace in traces:
        for lock in _blocking(trace):
            per_table.setdefault((trace.source, lock.relation), []).append((trace, lock))
    found: list[Finding] = []
    for (source, relation), hits in per_table.items():
        strongest = max(hits, key=lambda hit: LOCK_STRENGTH[hit[1].mode])[1]
        first = hits[0][0]
        numbers = sorted({trace.number for trace, _ in hits})
        blocks = "reads and writes" if strongest.mode == "ACCESS EXCLUSIVE" else "writes"
        which = (
            f"statement {numbers[0]} takes"
            if len(numbers) == 1
            else f"statements {', '.join(map(str, numbers))} take"
        )
        found.append(
            migration_finding(
                "blocking-lock",
                Severity.WARNING,
                f"{which} {strongest.mode} on {relation} (blocks {blocks})",
                revision=None if first.from_file else source,
                file=source if first.from_file else revision_file,
                line=first.line,
                details=tuple(
                    f"statement {trace.number}: {lock.mode}: {' '.join(trace.sql.split())[:100]}"
                    for trace, lock in hits
                ),
            )
        )
    return found


def _strongest_per_relation(locks: list[LockTaken]) -> list[LockTaken]:
    best: dict[str, LockTaken] = {}
    for lock in locks:
        current = best.get(lock.relation)
        if current is None or LOCK_STRENGTH[lock.mode] > LOCK_STRENGTH[current.mode]:
            best[lock.relation] = lock
    return [best[k] for k in sorted(best)]


class _Recorder:
    """SQLAlchemy cursor events on the scratch engine: measure around every statement."""

    def __init__(self, dsn: str) -> None:
        self.dsn = dsn
        self.source: str | None = None
        self.filenames: frozenset[str] = frozenset()  # the revision file, as its frames name it
        self.baseline: dict[int, Any] = {}
        self.traces: list[StatementTrace] = []
        self._before: State | None = None
        self._sampler: WaitSampler | None = None
        self._started = 0.0

    def before(
        self,
        conn: Any,
        cursor: Any,
        statement: str,
        parameters: Any,
        context: Any,
        executemany: bool,
    ) -> None:
        if self.source is None:
            return
        dbapi = cursor.connection
        if dbapi.autocommit:  # an autocommit_block(): sample while it waits (see WaitSampler)
            self._before = None
            self._sampler = WaitSampler(self.dsn, dbapi.info.backend_pid)
        else:
            self._before = read_state(dbapi)
        self._started = time.perf_counter()

    def failed(self, context: Any) -> None:
        """SQLAlchemy's handle_error: a failing statement still releases its sampler."""
        if self._sampler is not None:
            self._sampler.finish(self.baseline)
            self._sampler = None

    def after(
        self,
        conn: Any,
        cursor: Any,
        statement: str,
        parameters: Any,
        context: Any,
        executemany: bool,
    ) -> None:
        if self.source is None:
            return
        elapsed = (time.perf_counter() - self._started) * 1000
        dbapi = cursor.connection
        measured = None
        if self._sampler is not None:
            measured = self._sampler.finish(self.baseline)
            self._sampler = None
            self.traces.append(
                StatementTrace(
                    source=self.source,
                    number=self._next_number(),
                    sql=statement.strip(),
                    transactional=False,
                    line=self._revision_line(),
                    effects=measured,
                    duration_ms=elapsed,
                )
            )
            return
        if self._before is not None and not dbapi.autocommit:
            measured = effects(self._before, read_state(dbapi), self.baseline)
            # Commit now, so that the next statement starts holding nothing: a lock this one
            # took would otherwise hide the same request by the next (see the module doc).
            dbapi.commit()
        self.traces.append(
            StatementTrace(
                source=self.source,
                number=self._next_number(),
                sql=statement.strip(),
                transactional=measured is not None,
                line=self._revision_line(),
                effects=measured,
                duration_ms=elapsed,
            )
        )

    def _revision_line(self) -> int | None:
        """The line of the revision file whose op.* call is running the statement."""
        frame = sys._getframe(1)
        while frame is not None:
            if frame.f_code.co_filename in self.filenames:
                return frame.f_lineno
            frame = frame.f_back  # type: ignore[assignment]
        return None

    def _next_number(self) -> int:
        return sum(1 for t in self.traces if t.source == self.source) + 1


@contextmanager
def _recording(engine: Engine, dsn: str) -> Iterator[_Recorder]:
    recorder = _Recorder(dsn)
    event.listen(engine, "before_cursor_execute", recorder.before)
    event.listen(engine, "after_cursor_execute", recorder.after)
    event.listen(engine, "handle_error", recorder.failed)
    try:
        yield recorder
    finally:
        event.remove(engine, "before_cursor_execute", recorder.before)
        event.remove(engine, "after_cursor_execute", recorder.after)
        event.remove(engine, "handle_error", recorder.failed)


def select_revisions(
    graph: RevisionGraph, revisions: list[str] | None, since: str | None
) -> set[str]:
    order = [r.id for r in graph.order()]
    chosen = set(order)
    if revisions:
        unknown = sorted(set(revisions) - set(order))
        if unknown:
            raise UsageError(f"unknown revision(s): {', '.join(unknown)}")
        chosen = set(revisions)
    if since:
        if since not in order:
            raise UsageError(f"unknown revision for --since: {since}")
        chosen &= set(order[order.index(since) + 1 :])
    return chosen


def trace_revisions(graph: RevisionGraph, dsn: str, chosen: set[str]) -> TraceResult:
    """Upgrade every revision in order on ``dsn``; the chosen ones are measured."""
    result = TraceResult()
    engine = engine_for(dsn)
    try:
        with _recording(engine, dsn) as recorder:
            for revision in graph.order():
                if not _upgrade(
                    engine, recorder, revision, revision.id in chosen, dsn, result, graph
                ):
                    break
            result.statements = recorder.traces
    finally:
        engine.dispose()
    files = {r.id: graph.display_path(r.path) for r in graph.revisions.values()}
    for trace in result.statements:
        result.findings.extend(statement_findings(trace, files.get(trace.source)))
    for source in result.sources():
        traces = [t for t in result.statements if t.source == source]
        result.findings.extend(blocking_findings(traces, files.get(source)))
    return result


def _upgrade(
    engine: Engine,
    recorder: _Recorder,
    revision: Revision,
    measured: bool,
    dsn: str,
    result: TraceResult,
    graph: RevisionGraph,
) -> bool:
    if measured:
        with psycopg.connect(dsn) as probe:
            recorder.baseline = read_state(probe).relations
    recorder.source = revision.id if measured else None
    recorder.filenames = frozenset({str(revision.path), str(revision.path.resolve())})
    try:
        with engine.connect() as conn:
            run_step(conn, revision, "upgrade")
    except StepFailed as exc:
        result.findings.append(
            migration_finding(
                "upgrade-fails",
                Severity.ERROR,
                f"upgrade of {revision.id} fails: {exc.reason}",
                revision=revision.id,
                file=graph.display_path(revision.path),
            )
        )
        return False
    finally:
        recorder.source = None
    return True


def split_sql(text: str) -> list[tuple[int, str]]:
    """(line, statement) pairs; a file pglast cannot parse is a usage error."""
    try:
        slices = list(pglast.split(text, only_slices=True))
    except pglast.parser.ParseError as exc:
        raise UsageError(f"cannot parse SQL: {exc}") from None
    return [(text.count("\n", 0, s.start) + 1, text[s]) for s in slices]


def trace_sql_file(path: Path, dsn: str, shown: str) -> TraceResult:
    """Run a file's statements in one transaction on ``dsn``, measuring each; committed."""
    try:
        statements = split_sql(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror}") from None
    except UnicodeDecodeError as exc:
        raise UsageError(f"{path} is not UTF-8 text (byte {exc.start})") from None
    result = TraceResult()
    with psycopg.connect(dsn, application_name="pgsage-migrations") as conn:
        baseline = read_state(conn).relations
        conn.commit()
        for number, (line, statement) in enumerate(statements, start=1):
            result.statements.append(
                _traced_statement(conn, dsn, shown, number, line, statement, baseline)
            )
    for trace in result.statements:
        result.findings.extend(statement_findings(trace))
    result.findings.extend(blocking_findings(result.statements))
    return result


def _traced_statement(
    conn: psycopg.Connection[Any],
    dsn: str,
    shown: str,
    number: int,
    line: int,
    statement: str,
    baseline: dict[int, Any],
) -> StatementTrace:
    """One statement in a transaction of its own, measured before its commit."""
    before = read_state(conn)
    started = time.perf_counter()
    try:
        conn.execute(statement.encode())
    except psycopg.errors.ActiveSqlTransaction:
        # CONCURRENTLY, VACUUM and friends: run it on its own, outside a transaction block.
        conn.rollback()
        conn.autocommit = True
        sampler = WaitSampler(dsn, conn.info.backend_pid)
        error = None
        try:
            conn.execute(statement.encode())
        except psycopg.Error as exc:
            error = _one_line(exc)
        finally:
            conn.autocommit = False
            sampled = sampler.finish(baseline)
        return StatementTrace(
            shown,
            number,
            statement,
            transactional=False,
            line=line,
            error=error,
            effects=None if error else sampled,
            duration_ms=(time.perf_counter() - started) * 1000,
            from_file=True,
        )
    except psycopg.Error as exc:
        conn.rollback()
        return StatementTrace(
            shown,
            number,
            statement,
            transactional=True,
            line=line,
            error=_one_line(exc),
            from_file=True,
        )
    elapsed = (time.perf_counter() - started) * 1000
    measured = effects(before, read_state(conn), baseline)
    conn.commit()
    return StatementTrace(
        shown,
        number,
        statement,
        transactional=True,
        line=line,
        effects=measured,
        duration_ms=elapsed,
        from_file=True,
    )


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text.splitlines()[0] if text else ''}"
