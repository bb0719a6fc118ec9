"""The MCP server's one seam to the rest of pgsage: one function per capability.

Each function calls a command function (``pgsage.commands.*``) and returns its typed result
(a ``pgsage.model.Report`` for audit, lint and migrations); the tools never import anything else
of pgsage's features. Nothing in this module re-implements a check, a lint rule or the advisor.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pgsage.errors import UsageError

if TYPE_CHECKING:
    from prometheus_client.metrics_core import Metric

    from pgsage.advise.model import Advice
    from pgsage.advise.samplestore import SampleStore
    from pgsage.db.rows import Statement, StatementsInfo
    from pgsage.db.snapshot import Snapshot
    from pgsage.instrument.findings import CapturedEvents
    from pgsage.model import CheckResult, Report
    from pgsage.monitoring.definitions import Alert
    from pgsage.settings import Settings


def audit(settings: Settings) -> Report:
    """The health checks (``settings`` carries the DSN, select/ignore and thresholds)."""
    from pgsage.commands.audit import audit as audit_command

    return audit_command(settings, None)


def snapshot(settings: Settings) -> Snapshot:
    """One read-only pass over the catalogs and statistics (describe_table, top_queries)."""
    from pgsage.commands.audit import take_snapshot

    return take_snapshot(settings, None)


def statements(settings: Settings) -> tuple[list[Statement], StatementsInfo]:
    """pg_stat_statements' rows alone (top_queries): one read, not a whole snapshot."""
    from pgsage.commands.audit import resolve_dsn, session_options
    from pgsage.db.connect import connect
    from pgsage.db.snapshot.fast import read_statements_pipelined
    from pgsage.db.snapshot.sections import SessionReader, begin

    with connect(resolve_dsn(settings), session_options(settings)) as conn:
        # Read as the snapshot reads them (two round trips after the server facts), in a
        # read-only transaction left to the session's close or the pool's reset.
        begun = begin(conn)
        return read_statements_pipelined(SessionReader(conn, begun.info))


def embedded_dsn(settings: Settings) -> str:
    """The embedded default server's DSN (started if needed)."""
    from pgsage.commands.audit import resolve_dsn

    return resolve_dsn(settings)


@dataclass(frozen=True)
class AdviseRequest:
    queries: tuple[str, ...] = ()  # given statements; empty: pg_stat_statements
    top: int = 20
    min_calls: int = 1
    min_mean_ms: float = 0.0
    max_indexes: int | None = None
    max_per_table: int | None = None
    scratch_dsn: str | None = None  # where sampled copies are made (pgsage mcp --scratch-dsn)


def advise(
    dsn: str, settings: Settings, request: AdviseRequest, samples: SampleStore | None = None
) -> Advice:
    """The index advisor on HypoPG, read-only, never with real indexes; ``samples``: the
    server's sampled copies kept between calls (pgsage.advise.samplestore), made on
    ``request.scratch_dsn`` (None: PGSAGE_SCRATCH_DSN, else the embedded server)."""
    from pgsage.advise.search import Budget
    from pgsage.advise.workload import StatementFilter
    from pgsage.commands.advise import AdviseOptions
    from pgsage.commands.advise import advise as advise_command
    from pgsage.commands.audit import session_options

    budget = Budget(max_per_table=request.max_per_table, max_indexes=request.max_indexes)
    filters = StatementFilter(
        min_calls=request.min_calls, min_mean_ms=request.min_mean_ms, top=request.top
    )
    with tempfile.TemporaryDirectory(prefix="pgsage-mcp-") as folder:
        queries_file = None
        if request.queries:
            queries_file = Path(folder) / "queries.sql"
            queries_file.write_text(
                "".join(q.strip().rstrip(";") + ";\n" for q in request.queries), encoding="utf-8"
            )
        options = AdviseOptions(
            queries_file=queries_file,
            filters=filters,
            budget=budget,
            allow_real_indexes=False,
            scratch_dsn=request.scratch_dsn,
            sample_store=samples,
        )
        return advise_command(dsn, options, session_options(settings))


def advice_json(advice: Advice) -> dict[str, Any]:
    from pgsage.advise.render import to_json

    return to_json(advice)


def advice_totals(advice: Advice) -> list[str]:
    """What the advice saves, as the advisor's own summary lines say it."""
    from pgsage.advise.totals import totals

    return totals(advice).lines()


def advice_alembic(advice: Advice) -> str | None:
    """The Alembic revision text ``pgsage advise --alembic`` would write (down_revision left
    for the project's head)."""
    if not advice.recommendations:
        return None
    import hashlib

    from pgsage.advise.alembic import revision_text

    statements = [rec.fix.to_sql() for rec in advice.recommendations]
    revision = hashlib.sha1("\n".join(statements).encode()).hexdigest()[:12]
    return revision_text(advice, revision, None)


def lint_paths(paths: list[Path], pg_version: int | None, settings: Settings) -> Report:
    from pgsage.commands.lint import LintRequest, lint

    project = settings.lint
    return lint(
        LintRequest(
            paths=paths,
            pg_version=pg_version or project.pg_version,
            assume_in_transaction=project.assume_in_transaction,
            select=project.select,
            ignore=project.ignore,
            extend_select=project.extend_select,
            downgrade=project.downgrade,
        )
    )


def lint_sql(text: str, pg_version: int | None, settings: Settings) -> Report:
    """Lint migration SQL given as text (written to a temporary ``migration.sql``, the name its
    findings carry)."""
    from dataclasses import replace

    with tempfile.TemporaryDirectory(prefix="pgsage-mcp-") as folder:
        path = Path(folder) / "migration.sql"
        path.write_text(text, encoding="utf-8")
        report = lint_paths([path], pg_version, settings)

    def renamed(result: CheckResult) -> CheckResult:
        findings = tuple(
            replace(f, location=replace(f.location, file="migration.sql")) if f.location else f
            for f in result.findings
        )
        return replace(
            result,
            findings=findings,
            reason=(result.reason or "").replace(str(path), "migration.sql") or None,
        )

    return replace(report, results=tuple(renamed(r) for r in report.results))


def check_migrations(project_path: Path, scratch_dsn: str | None, server: bool) -> Report:
    """``pgsage migrations check`` of an Alembic project (its alembic.ini, or its script
    directory); the round-trip runs on a scratch database, never on a served target."""
    from pgsage.commands.migrations import CheckOptions, check_project
    from pgsage.migrations.project import find_project

    if project_path.is_file():
        project = find_project(project_path, None)
    elif (project_path / "alembic.ini").is_file():
        project = find_project(project_path / "alembic.ini", None)
    else:
        project = find_project(None, project_path)
    return check_project(project, CheckOptions(dsn=scratch_dsn, server=server))


def nplusone_events(path: Path) -> CapturedEvents:
    from pgsage.mcp.nplusone import load_events

    return load_events(path)


def nplusone_markdown(events: CapturedEvents) -> str:
    from pgsage.instrument.report import render_markdown

    return render_markdown(events)


def scrape(dsn: str) -> Sequence[Metric]:
    """One exporter scrape of the database (read-only, under the exporter's time budget)."""
    from pgsage.exporter.collector import DatabaseCollector

    return DatabaseCollector(dsn).scrape()


def alerts() -> tuple[Alert, ...]:
    from pgsage.monitoring.definitions import ALERTS

    return tuple(ALERTS)


def check_pages() -> dict[str, str]:
    """The checks' reference pages (docs/checks/*.md), generated from their metadata."""
    from pgsage.checks.docs import check_pages as pages

    return pages()


def checks_index() -> str:
    from pgsage.checks.docs import checks_reference

    return checks_reference()


def read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror}") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise UsageError(f"{path} is not a JSON document: {exc}") from None
