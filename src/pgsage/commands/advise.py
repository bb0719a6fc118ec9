"""``advise``: recommend indexes for a workload, and on request verify, apply and write them.

``advise`` is the analysis alone (one read-only session — read-write only when real indexes
are allowed —, one transaction rolled back at the end, so the database is left exactly as it
was); ``run_advise`` is the whole `pgsage advise` flow: advise → verify (on ``--verify-dsn``,
the embedded server, or a sampled copy on it) → apply → Alembic revision. Nothing here prints
or exits: progress goes through a callback, the outcome is an ``AdviseResult`` whose
``report()`` is the one result model.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

import psycopg
from psycopg.rows import TupleRow

from pgsage.advise.alembic import check_versions, write_revision
from pgsage.advise.apply import apply
from pgsage.advise.model import Advice, RelName, WorkloadQuery
from pgsage.advise.pipeline import AdviseOptions, recommend
from pgsage.advise.report import advice_report
from pgsage.advise.searchpath import parse_search_path, with_search_path
from pgsage.advise.verify import Verification, VerifyJob, confirm, verify
from pgsage.advise.workload import from_file, from_log, from_statements
from pgsage.commands.audit import resolve_dsn, session_options
from pgsage.db.connect import SessionOptions, connect, translate, validate_dsn
from pgsage.errors import UsageError
from pgsage.model import Report
from pgsage.settings import Settings

__all__ = [
    "AdviseOptions",
    "AdviseResult",
    "AdviseRun",
    "Progress",
    "advise",
    "run_advise",
    "workload_of",
]

Progress = Callable[[str], None]


def _silent(message: str) -> None:
    del message


@dataclass(frozen=True)
class AdviseRun:
    """One `pgsage advise` run: what to analyse (``options``) and what to do with the advice.
    ``verify_dsn`` names the copy ``verify`` measures on; without it, the embedded server's
    database itself when that is the one advised, else a sampled copy made on it."""

    options: AdviseOptions = field(default_factory=AdviseOptions)
    verify: bool = False
    verify_dsn: str | None = None
    apply: bool = False
    alembic: Path | None = None  # a versions directory to write a revision into


@dataclass(frozen=True)
class AdviseResult:
    advice: Advice
    revision: Path | None = None  # the Alembic revision written (None: not asked, or no index)

    def report(self) -> Report:
        return advice_report(self.advice)


def workload_of(conn: psycopg.Connection[TupleRow], options: AdviseOptions) -> list[WorkloadQuery]:
    workload = _workload(conn, options)
    if options.search_path is None:
        return workload
    return with_search_path(workload, options.search_path, str(conn.info.user))


def _workload(conn: psycopg.Connection[TupleRow], options: AdviseOptions) -> list[WorkloadQuery]:
    if options.queries_file is not None and options.log_file is not None:
        raise UsageError("give the workload with either --queries or --log, not both")
    if options.workload is not None:
        return list(options.workload)
    if options.queries_file is not None:
        return from_file(options.queries_file, strict=options.strict)
    if options.log_file is not None:
        return from_log(options.log_file)
    return from_statements(conn, options.filters)


def advise(
    dsn: str,
    options: AdviseOptions,
    session: SessionOptions | None = None,
    progress: Progress = _silent,
) -> Advice:
    opts = replace(session or SessionOptions(), read_only=not options.allow_real_indexes)
    started = time.perf_counter()
    with connect(dsn, opts) as conn:
        # Our PREPAREd statements live next to psycopg's automatic ones; keep psycopg's off.
        conn.prepare_threshold = None
        try:
            workload = workload_of(conn, options)
            conn.autocommit = False
            try:
                advice = recommend(conn, workload, options, progress)
            finally:
                conn.rollback()
                conn.autocommit = True
        except psycopg.Error as exc:
            raise translate(exc) from None
    return replace(advice, seconds=round(time.perf_counter() - started, 3))


def run_advise(settings: Settings, run: AdviseRun, progress: Progress = _silent) -> AdviseResult:
    """The whole flow. Usage errors (a bad ``--verify-dsn``, a versions directory with several
    heads) come before the analysis; the embedded server (no DSN configured) is advised with
    real indexes allowed — it is a local development database."""
    if run.verify_dsn:
        validate_dsn(run.verify_dsn)
    if run.options.scratch_dsn:
        validate_dsn(run.options.scratch_dsn)
    if run.options.search_path is not None and not parse_search_path(run.options.search_path):
        raise UsageError(f"--search-path {run.options.search_path!r} names no schema")
    if run.alembic is not None:
        check_versions(run.alembic)
    embedded = not settings.dsn
    target = resolve_dsn(settings)
    options = replace(run.options, allow_real_indexes=run.options.allow_real_indexes or embedded)
    advice = advise(target, options, session_options(settings), progress)
    if run.verify:
        job = VerifyJob.of(advice)
        if run.verify_dsn or embedded:
            verification = verify(run.verify_dsn or target, job, progress)
        else:
            verification = verify_on_sampled_copy(target, advice.tables, job, progress)
        advice = confirm(advice, verification)
    if run.apply and advice.recommendations:
        advice = replace(advice, applied=apply(target, advice.recommendations, progress=progress))
    revision = None
    if run.alembic is not None and advice.recommendations:
        revision = write_revision(advice, run.alembic)
    return AdviseResult(advice, revision)


def verify_on_sampled_copy(
    source: str,
    tables: tuple[RelName, ...],
    job: VerifyJob,
    progress: Progress = _silent,
) -> Verification:
    """--verify without --verify-dsn on a remote database: a schema + sampled-data copy on the
    embedded server, measured there and dropped."""
    from pgsage.advise.sample import drop_copy, make_sampled_copy
    from pgsage.db.embedded import EmbeddedServer

    server = EmbeddedServer()
    server.start()
    name = f"pgsage_verify_{os.getpid()}"
    admin = server.dsn("postgres")
    progress(f"making a sampled copy on the embedded server ({name})")
    copy = make_sampled_copy(
        source,
        admin,
        server.dsn,
        server.binaries.bindir / "pg_dump",
        name,
        list(tables),
        progress=progress,
    )
    try:
        return verify(copy.dsn, job, progress, scratch=True)
    finally:
        drop_copy(admin, name)
