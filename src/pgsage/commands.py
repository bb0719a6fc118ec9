"""The public command functions. Adapters (CLI, web, MCP) call these and render the results.

Nothing here prints, exits or reads the environment beyond the Settings it is given.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from pgsage.background import Background
from pgsage.db.connect import SessionOptions, connect
from pgsage.db.embedded import EmbeddedServer
from pgsage.db.rows import Statement
from pgsage.db.snapshot import Snapshot, StatementsHook, collect_snapshot
from pgsage.gcpause import gc_paused
from pgsage.model import Report
from pgsage.settings import Settings


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
) -> Snapshot:
    """A snapshot from a file (offline) or collected from the server."""
    if snapshot_file is not None:
        return Snapshot.load(snapshot_file)
    with connect(resolve_dsn(settings), session_options(settings)) as conn:
        return collect_snapshot(conn, on_statements=on_statements)


def snapshot(settings: Settings, out: Path) -> Snapshot:
    taken = take_snapshot(settings)
    taken.save(out)
    return taken


def audit(settings: Settings, snapshot_file: Path | None = None) -> Report:
    with gc_paused():  # see gcpause: the snapshot's rows and the findings are cycle-free
        # The snapshot is collected on its own thread, which mostly waits for the server,
        # while this one imports the checks (0.1 s of a CLI audit that is not spent twice);
        # the workload's statement texts are parsed while the server reads the catalogs.
        pending = Background(take_snapshot, settings, snapshot_file, _parse_statements)
        from pgsage.checks.runner import run_checks, select_checks

        checks = select_checks(settings.select, settings.ignore)  # a UsageError leaves at once
        return run_checks(pending.result(), checks, settings.checks)


def _parse_statements(statements: list[Statement]) -> None:
    from pgsage.sqlparse import analyze  # cached: the query checks find the texts parsed

    for statement in statements:
        analyze(statement.query)


# -- the embedded server ------------------------------------------------------------------
def server_start() -> EmbeddedServer:
    server = EmbeddedServer()
    server.start()
    return server


def server_stop() -> bool:
    return EmbeddedServer().stop()


def server_status() -> dict[str, str | int | bool | None]:
    return EmbeddedServer().status()


def server_dsn(database: str | None = None) -> str:
    server = server_start()
    return server.ensure_database(database) if database else server.dsn()


# -- the demo -----------------------------------------------------------------------------
DEMO_DATABASE = "pgsage_demo"


@dataclass(frozen=True)
class DemoResult:
    dsn: str
    report: Report
    files: list[Path]
    stats: object


def demo(
    settings: Settings,
    out_dir: Path,
    *,
    scale: float = 1.0,
    progress: Callable[[str], None] = lambda _msg: None,
) -> DemoResult:
    """Build the demo database, run its workload, audit it and write the reports to out_dir."""
    from pgsage.demo import build_demo
    from pgsage.reports import RENDERERS

    if settings.dsn:
        dsn = settings.dsn
    else:
        server = server_start()
        progress(f"embedded server: {server.binaries.source}, data in {server.cluster.datadir}")
        dsn = server.ensure_database(DEMO_DATABASE)
    stats = build_demo(dsn, scale=scale, progress=progress)
    progress("auditing the demo database")
    report = audit(settings.model_copy(update={"dsn": dsn}))
    out_dir.mkdir(parents=True, exist_ok=True)
    files = []
    for fmt, suffix in (("markdown", "md"), ("json", "json"), ("text", "txt")):
        path = out_dir / f"audit.{suffix}"
        path.write_text(RENDERERS[fmt](report))
        files.append(path)
    return DemoResult(dsn=dsn, report=report, files=files, stats=stats)
