"""The trace command function: which project or files, which scratch database, which seed."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from pgsage.errors import UsageError
from pgsage.migrations.findings import MigrationFinding
from pgsage.migrations.graph import load_graph
from pgsage.migrations.project import AlembicProject, find_project
from pgsage.migrations.roundtrip import upgrade_all
from pgsage.migrations.scratch import ScratchServer
from pgsage.migrations.trace import TraceResult, select_revisions, trace_revisions, trace_sql_file
from pgsage.model import Severity


@dataclass(frozen=True)
class TraceOptions:
    files: list[Path] = field(default_factory=list)
    config: Path | None = None
    directory: Path | None = None
    revisions: list[str] = field(default_factory=list)
    since: str | None = None
    setup: Path | None = None
    dsn: str | None = None


def _optional_project(options: TraceOptions) -> AlembicProject | None:
    """For SQL files the project is only the seed: used when named or when ./alembic.ini is
    there."""
    if options.config or options.directory or Path("alembic.ini").is_file():
        return find_project(options.config, options.directory)
    return None


def run_trace(options: TraceOptions) -> TraceResult:
    for path in [*options.files, *([options.setup] if options.setup else [])]:
        if not path.is_file():
            raise UsageError(f"SQL file not found: {path}")
    if options.files:
        return _trace_files(options)
    project = find_project(options.config, options.directory)
    graph = load_graph(project)
    if not graph.runnable:
        problems = "; ".join(f.message for f in graph.findings if f.severity is Severity.ERROR)
        raise UsageError(f"the revision graph cannot be run: {problems or 'no revisions'}")
    chosen = select_revisions(graph, options.revisions or None, options.since)
    server = ScratchServer.choose(options.dsn)
    with server.database("trace") as dsn, project.importable():
        return trace_revisions(graph, dsn, chosen)


def _trace_files(options: TraceOptions) -> TraceResult:
    project = None if options.setup else _optional_project(options)
    server = ScratchServer.choose(options.dsn)
    result = TraceResult()
    with server.database("trace") as dsn:
        if options.setup is not None:
            seeded = trace_sql_file(options.setup, dsn, str(options.setup))
            failed = [s for s in seeded.statements if s.error]
            if failed:
                raise UsageError(f"--setup statement {failed[0].number} fails: {failed[0].error}")
        elif project is not None:
            graph = load_graph(project)
            if not graph.runnable:
                raise UsageError(
                    "the Alembic project used as the seed has graph errors; "
                    "run `pgsage migrations check` or pass --setup"
                )
            with project.importable():
                upgraded = upgrade_all(graph, dsn)
            if not upgraded.complete:
                result.findings.extend(upgraded.findings)
                return result
        for path in options.files:
            shown = os.path.relpath(path) if not path.is_absolute() else str(path)
            traced = trace_sql_file(path, dsn, shown)
            result.statements.extend(traced.statements)
            result.findings.extend(traced.findings)
    result.findings.sort(key=MigrationFinding.sort_key)
    return result
