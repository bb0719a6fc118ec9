"""``pgsage migrations check|trace|squash`` as command functions: typed options in, results out.

``check`` returns a ``Report`` with one ``CheckResult`` per stage (graph, upgrade, drift,
roundtrip): ``ok``/``findings`` when the stage ran, ``skipped`` with the reason when it was
left out on purpose (``--no-server``) or an earlier stage's finding stops it, ``error`` with the
reason when it could not run (env.py or the models cannot be imported) — so ``Report.gate`` fails
a ``--fail-on`` run in which a stage did not run. ``trace`` returns its per-statement listing
beside the Report of its findings; ``squash`` the baseline it wrote and the Report of its
verification. The domain work is in ``pgsage.migrations``; nothing here prints or exits.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pgsage.errors import PgsageError, UsageError
from pgsage.model import CheckResult, Finding, Report, Severity, Status

# Alembic and SQLAlchemy come with pgsage.migrations: imported when a command runs, not when
# an adapter imports this module (they would add a fifth of a second to `pgsage audit`).
if TYPE_CHECKING:
    from sqlalchemy import MetaData

    from pgsage.migrations.graph import RevisionGraph
    from pgsage.migrations.project import AlembicProject
    from pgsage.migrations.scratch import ScratchServer
    from pgsage.migrations.trace import TraceResult

__all__ = [
    "CheckOptions",
    "SquashOptions",
    "SquashResult",
    "TraceOptions",
    "TraceRun",
    "check",
    "check_project",
    "squash",
    "squash_project",
    "stage_summary",
    "trace",
]

COMMAND = "migrations"
Progress = Callable[[str], None]


def _quiet(_message: str) -> None:
    pass


# -- check --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CheckOptions:
    config: Path | None = None  # alembic.ini; None with no directory = ./alembic.ini
    directory: Path | None = None  # the script directory, instead of config
    dsn: str | None = None  # server for scratch databases; None = the embedded one
    models: str | None = None  # module:attribute; None = env.py's target_metadata
    python: Path | None = None  # the project's interpreter to import --models with
    server: bool = True  # False: the graph only
    roundtrip: bool = True
    drift: bool = True
    require_backup: Path | None = None  # a backup directory: a fresh verified backup is required
    backup_max_age_hours: float = 24.0
    verbose: bool = False  # keep the project's own log lines (Alembic's INFO...)


class _Stages:
    """The stages' results in order, each timed from the end of the one before."""

    def __init__(self) -> None:
        self.results: list[CheckResult] = []
        self._mark = time.perf_counter()

    def _elapsed(self) -> float:
        now = time.perf_counter()
        elapsed, self._mark = (now - self._mark) * 1000, now
        return elapsed

    def ran(self, stage: str, found: Sequence[Finding]) -> None:
        status = Status.FINDINGS if found else Status.OK
        self.results.append(CheckResult(stage, status, tuple(found), None, self._elapsed()))

    def not_run(self, stages: Sequence[str], reason: str, status: Status = Status.SKIPPED) -> None:
        for stage in stages:
            self.results.append(CheckResult(stage, status, reason=reason))


def check(options: CheckOptions, progress: Progress | None = None) -> Report:
    """The revision graph, then (on a throwaway database) upgrade, drift and round-trip."""
    from pgsage.migrations.project import find_project

    report = check_project(find_project(options.config, options.directory), options, progress)
    if options.require_backup is None:
        return report
    from pgsage.commands.backup import backup_gate

    gate = backup_gate(options.require_backup, options.backup_max_age_hours)
    return replace(report, results=(*report.results, gate))


def check_project(
    project: AlembicProject, options: CheckOptions, progress: Progress | None = None
) -> Report:
    graph = _load(project, options.verbose)
    stages = _Stages()
    stages.ran("graph", graph.findings)
    later = (
        ["upgrade"]
        + (["drift"] if options.drift else [])
        + (["roundtrip"] if options.roundtrip else [])
    )
    if not options.server:
        stages.not_run(later, "--no-server")
    elif not graph.runnable:
        # The graph's error findings already fail the gate and say why.
        stages.not_run(
            later,
            "the revision graph has errors" if graph.revisions else "no loadable revisions",
        )
    else:
        _on_server(project, graph, options, stages, progress or _quiet)
    return Report(
        server=None,
        results=tuple(stages.results),
        command=COMMAND,
        stats={"revisions": len(graph.revisions)},
    )


def _on_server(
    project: AlembicProject,
    graph: RevisionGraph,
    options: CheckOptions,
    stages: _Stages,
    say: Progress,
) -> None:
    from pgsage.migrations.project import EnvOptions, read_env_options
    from pgsage.migrations.roundtrip import round_trip, upgrade_all

    # Bad --models or --python input is a usage error before any server work.
    given_models, interpreter = _models_source(project, options)
    env = read_env_options(project) if options.drift else EnvOptions()
    if options.verbose:  # reading env.py quieted Alembic's INFO lines; they were asked for
        logging.getLogger("alembic").setLevel(logging.INFO)
    server = _scratch_for(graph, options.dsn, say)
    later = (
        ["upgrade"]
        + (["drift"] if options.drift else [])
        + (["roundtrip"] if options.roundtrip else [])
    )
    if server.missing:
        # A server problem, not a revision's: said once, and the gate cannot pass.
        stages.not_run(later, server.missing_message(), Status.ERROR)
        return
    with server.database("check") as dsn, project.importable():
        say(f"upgrading {len(graph.revisions)} revisions on a scratch database")
        upgraded = upgrade_all(graph, dsn)
        lacking = _missing_extension(upgraded.findings)
        if lacking is not None:
            stages.not_run(
                later, replace(server, missing=(lacking,)).missing_message(), Status.ERROR
            )
            return
        stages.ran("upgrade", upgraded.findings)
        if not upgraded.complete:
            # The upgrade-fails finding fails the gate and says why.
            rest = (["drift"] if options.drift else []) + (
                ["roundtrip"] if options.roundtrip else []
            )
            stages.not_run(rest, "the upgrade to head failed")
            return
        if options.drift and interpreter is not None and options.models:
            from pgsage.migrations.drift import drift_findings
            from pgsage.migrations.interpreter import models_ddl

            say(f"importing the models with {interpreter}")
            ddl = models_ddl(interpreter, options.models, project.sys_paths, project.base)
            if isinstance(ddl, str):
                stages.not_run(["drift"], ddl, Status.ERROR)
            else:
                say("comparing the migrated schema with the models")
                stages.ran("drift", drift_findings(server, dsn, upgraded.head, ddl, env))
        elif options.drift:
            metadata = given_models if given_models is not None else env.target_metadata
            if metadata is not None:
                from pgsage.migrations.drift import drift_findings

                say("comparing the migrated schema with the models")
                stages.ran("drift", drift_findings(server, dsn, upgraded.head, metadata, env))
            elif env.error:
                # env.py (or the models it imports) does not import: drift could not run,
                # which a --fail-on gate must not take for "no drift".
                stages.not_run(
                    ["drift"],
                    f"no models (pass --models module:metadata{_with_project_python(project)}; "
                    f"{env.error})",
                    Status.ERROR,
                )
            else:
                stages.not_run(
                    ["drift"],
                    "no models (pass --models module:metadata, or --no-drift; "
                    "env.py sets no target_metadata)",
                )
        if options.roundtrip:
            say("round-trip: down and up again, revision by revision")
            stages.ran("roundtrip", round_trip(graph, upgraded))


def _models_source(
    project: AlembicProject, options: CheckOptions
) -> tuple[MetaData | None, str | None]:
    """``--models`` imported in pgsage's interpreter, or the project's interpreter to import it
    with: ``--python``, else the one found for the project when the import here fails."""
    from pgsage.migrations.interpreter import given_python, project_python
    from pgsage.migrations.project import load_models, models_spec

    if not options.drift:
        return None, None
    if options.models is None:
        if options.python is not None:
            raise UsageError("--python needs --models module:attribute")
        return None, None
    models_spec(options.models)
    if options.python is not None:
        return None, given_python(options.python)
    try:
        return load_models(options.models, project), None
    except UsageError:
        python = project_python(project.base)
        if python is None:
            raise
        return None, python


def _with_project_python(project: AlembicProject) -> str:
    from pgsage.migrations.interpreter import project_python

    python = project_python(project.base)
    return f" to import them with {python}" if python else ""


_NOT_AVAILABLE = re.compile(r'FeatureNotSupported: extension "([^"]+)" is not available')


def _missing_extension(found: Sequence[Finding]) -> str | None:
    """The extension an upgrade failed for because the server lacks it (not the revision's
    fault), when that is why it failed."""
    for finding in found:
        match = _NOT_AVAILABLE.search(finding.message) if finding.check == "upgrade-fails" else None
        if match:
            return match.group(1)
    return None


def _scratch_for(graph: RevisionGraph, dsn: str | None, say: Progress = _quiet) -> ScratchServer:
    """The scratch server for ``graph``: one that has the extensions its revisions create."""
    from pgsage.migrations.scratch import ScratchServer, extensions_created

    needs = extensions_created(r.path for r in graph.revisions.values())
    server = ScratchServer.choose(dsn, needs)
    if server.description:
        say(f"scratch server: {server.description}")
    return server


def stage_summary(report: Report) -> dict[str, str]:
    """``{stage: "ok" | "findings" | "not run: <reason>"}``: the ``stages`` key of the JSON
    that ``migrations check`` printed before the unified Report, kept for tools reading it."""
    return {
        r.check: r.status.value if r.status.ran else f"not run: {r.reason or r.status.value}"
        for r in report.results
    }


# -- trace --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TraceOptions:
    files: list[Path] = field(default_factory=list)
    config: Path | None = None
    directory: Path | None = None
    revisions: list[str] = field(default_factory=list)
    since: str | None = None
    setup: Path | None = None
    dsn: str | None = None
    verbose: bool = False  # keep the project's own log lines (Alembic's INFO...)


@dataclass(frozen=True)
class TraceRun:
    """The per-statement listing (locks, rewrites, scans) and the Report of its findings."""

    trace: TraceResult
    report: Report

    def to_json(self) -> dict[str, Any]:
        return {**self.report.to_json(), **self.trace.to_json()}


def trace(options: TraceOptions) -> TraceRun:
    """Measure per statement the locks, rewrites and scans of revisions or SQL files."""
    for path in [*options.files, *([options.setup] if options.setup else [])]:
        if not path.is_file():
            raise UsageError(f"SQL file not found: {path}")
    if options.setup is not None and not options.setup.read_bytes().strip():
        raise UsageError(f"--setup {options.setup} is empty: no schema to trace against")
    started = time.perf_counter()
    traced = _trace_files(options) if options.files else _trace_revisions(options)
    found = tuple(sorted(traced.findings, key=Finding.sort_key))
    result = CheckResult(
        "trace",
        Status.FINDINGS if found else Status.OK,
        found,
        duration_ms=(time.perf_counter() - started) * 1000,
    )
    stats = {"sources": len(traced.sources()), "statements": len(traced.statements)}
    return TraceRun(traced, Report(None, (result,), command=COMMAND, stats=stats))


def _load(project: AlembicProject, verbose: bool = False) -> RevisionGraph:
    """The revision graph; importing the revisions may import the project's package, which may
    set up logging: Alembic's INFO lines are quieted again unless ``verbose``."""
    from pgsage.migrations.graph import load_graph
    from pgsage.migrations.project import quiet_logging

    graph = load_graph(project)
    if not verbose:
        quiet_logging()
    return graph


def _runnable_graph(project: AlembicProject, what: str, verbose: bool = False) -> RevisionGraph:
    graph = _load(project, verbose)
    if not graph.runnable:
        problems = "; ".join(f.message for f in graph.findings if f.severity is Severity.ERROR)
        raise UsageError(f"{what}: {problems or 'no revisions'}")
    return graph


def _trace_revisions(options: TraceOptions) -> TraceResult:
    from pgsage.migrations.project import find_project
    from pgsage.migrations.trace import select_revisions, trace_revisions

    project = find_project(options.config, options.directory)
    graph = _runnable_graph(project, "the revision graph cannot be run", options.verbose)
    chosen = select_revisions(graph, options.revisions or None, options.since)
    server = _scratch_for(graph, options.dsn)
    if server.missing:
        raise PgsageError(server.missing_message())
    with server.database("trace") as dsn, project.importable():
        return trace_revisions(graph, dsn, chosen)


def _seed_project(options: TraceOptions) -> AlembicProject | None:
    """For SQL files the project is only the seed: used when named or when ./alembic.ini is
    there."""
    from pgsage.migrations.project import find_project

    if options.config or options.directory or Path("alembic.ini").is_file():
        return find_project(options.config, options.directory)
    return None


def _trace_files(options: TraceOptions) -> TraceResult:
    from pgsage.migrations.graph import load_graph
    from pgsage.migrations.roundtrip import upgrade_all
    from pgsage.migrations.scratch import ScratchServer
    from pgsage.migrations.trace import TraceResult, trace_sql_file

    project = None if options.setup else _seed_project(options)
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
    return result


# -- squash -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SquashOptions:
    out: Path = Path("squashed")  # the directory the baseline revision is written into
    config: Path | None = None
    directory: Path | None = None
    dsn: str | None = None
    revision_id: str | None = None  # None: a hash of the schema


@dataclass
class SquashResult:
    """The baseline: ``path`` is None when its verification failed (``findings`` say how) and
    nothing was written."""

    revision_id: str
    path: Path | None
    heads: list[str]
    squashed: int
    statements: int
    findings: list[Finding] = field(default_factory=list)
    instructions: str = ""
    data_tables: list[str] = field(default_factory=list)  # rows the migrations inserted

    @property
    def report(self) -> Report:
        found = tuple(sorted(self.findings, key=Finding.sort_key))
        status = Status.FINDINGS if found else Status.OK
        return Report(None, (CheckResult("verify", status, found),), command=COMMAND)

    def to_json(self) -> dict[str, object]:
        return {
            "revision": self.revision_id,
            "path": str(self.path) if self.path else None,
            "heads": self.heads,
            "squashed_revisions": self.squashed,
            "statements": self.statements,
            "data_tables": self.data_tables,
            "instructions": self.instructions,
            "findings": [f.to_json() for f in sorted(self.findings, key=Finding.sort_key)],
        }


def squash(options: SquashOptions) -> SquashResult:
    """Write one verified baseline revision equal to the head schema, with stamping steps."""
    from pgsage.migrations.project import find_project

    project = find_project(options.config, options.directory)
    return squash_project(project, options.out, options.dsn, options.revision_id)


def squash_project(
    project: AlembicProject, out: Path, dsn: str | None, revision_id: str | None = None
) -> SquashResult:
    from pgsage.migrations.roundtrip import upgrade_all
    from pgsage.migrations.squash import (
        baseline_revision,
        data_sql,
        drop_statements,
        render_revision,
        schema_sql,
        stamping_instructions,
        tables_with_rows,
        verify,
    )

    if revision_id is not None and not re.fullmatch(r"[A-Za-z0-9_]+", revision_id):
        raise UsageError(f"--rev-id must be letters, digits and underscores: {revision_id!r}")
    graph = _runnable_graph(project, "cannot squash: the revision graph has errors")
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out must be a directory: {out}")
    server = _scratch_for(graph, dsn)
    if server.missing:
        raise PgsageError(server.missing_message())
    with server.database("squash") as head_dsn, project.importable():
        upgraded = upgrade_all(graph, head_dsn)
        if not upgraded.complete:
            raise PgsageError("cannot squash: " + "; ".join(f.message for f in upgraded.findings))
        statements = schema_sql(head_dsn)
        filled = tables_with_rows(head_dsn)
        statements += data_sql(head_dsn, filled)
    heads = graph.heads
    drops = drop_statements(upgraded.head)
    rev = revision_id or hashlib.sha256("\n".join(statements).encode()).hexdigest()[:12]
    filename = f"{rev}_baseline.py"
    instructions = stamping_instructions(rev, heads, filename)
    source = render_revision(rev, heads, len(graph.revisions), statements, drops, instructions)
    result = SquashResult(
        rev,
        None,
        heads,
        len(graph.revisions),
        len(statements),
        instructions=instructions,
        data_tables=[f"{schema}.{name}" for schema, name in filled],
    )
    result.findings = verify(server, baseline_revision(source, rev, out / filename), upgraded.head)
    if any(f.severity is Severity.ERROR for f in result.findings):
        return result
    try:
        out.mkdir(parents=True, exist_ok=True)
        (out / filename).write_text(source, encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"cannot write {out / filename}: {exc.strerror}") from None
    result.path = out / filename
    return result
