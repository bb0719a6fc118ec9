"""Audit and snapshot: collect the catalogs (or load a saved snapshot) and run the checks.

Nothing here prints, exits or reads the environment beyond the Settings it is given.
"""

from __future__ import annotations

import functools
from pathlib import Path

from pgsage.db.connect import SessionOptions, connect
from pgsage.db.embedded import EmbeddedServer
from pgsage.db.rows import Statement
from pgsage.db.snapshot import Snapshot, SnapshotRun, StatementsHook, collect_snapshot
from pgsage.model import Report
from pgsage.settings import Settings
from pgsage.sql.analysis import StatementInfo, StatementParser


def session_options(settings: Settings) -> SessionOptions:
    return SessionOptions(
        statement_timeout_ms=settings.statement_timeout_ms,
        lock_timeout_ms=settings.lock_timeout_ms,
        application_name=settings.application_name,
    )


def resolve_dsn(settings: Settings) -> str:
    """The DSN to work on: the configured one, or the embedded default server (started)."""
    if settings.dsn:
        return settings.dsn
    server = EmbeddedServer()
    server.start()
    return server.dsn()


def take_snapshot(
    settings: Settings,
    snapshot_file: Path | None = None,
    on_statements: StatementsHook | None = None,
    run: SnapshotRun | None = None,
) -> Snapshot:
    """A snapshot from a file (offline) or collected from the server (on ``run``'s workers)."""
    if snapshot_file is not None:
        return Snapshot.load(snapshot_file)
    dsn, options = resolve_dsn(settings), session_options(settings)
    opener = functools.partial(connect, dsn, options)
    with connect(dsn, options) as conn:
        if run is None:
            with SnapshotRun(second_session=opener) as own:
                own.session_discarded_after = True
                return collect_snapshot(conn, run=own, on_statements=on_statements)
        run.second_session = opener
        run.session_discarded_after = True  # closed, or handed back to the pool, below
        return collect_snapshot(conn, run=run, on_statements=on_statements)


def snapshot(settings: Settings, out: Path) -> Snapshot:
    taken = take_snapshot(settings)
    taken.save(out)
    return taken


class _Parsed:
    """What the last audit of this process read in its workload's statement texts: a process
    that audits again and again (``pgsage mcp``, the web app) mostly sees the same
    pg_stat_statements texts, and what a text says depends on the text alone (nothing to
    invalidate). Only the last audit's texts are kept (at most STATEMENTS_LIMIT)."""

    last: dict[str, StatementInfo | None] = {}


def audit(settings: Settings, snapshot_file: Path | None = None) -> Report:
    # The run's parses, handed to the checks' AuditContext.
    parser = StatementParser(_Parsed.last)

    def parse(statements: list[Statement]) -> None:
        _Parsed.last = parser.known(statement.query for statement in statements)

    with SnapshotRun() as run:  # its workers and its GC policy, for the checks too
        # The snapshot is collected on a worker, which mostly waits for the server, while
        # this thread imports the checks (0.1 s of a CLI audit that is not spent twice); the
        # workload's statement texts are parsed while the server reads the catalogs.
        pending = run.submit(take_snapshot, settings, snapshot_file, parse, run)
        run.start_workers()  # the collection's other workers, ready when it needs them
        from pgsage.checks.runner import run_checks, select_checks

        checks = select_checks(settings.select, settings.ignore)  # a UsageError leaves at once
        return run_checks(pending.result(), checks, settings.checks, parser=parser)
