"""``pgsage report``: one run that audits, advises, checks the migrations and reads an
instrumentation capture, and hands the Reports to the artifact renderer (seed 002's docs/db/ set
and scripts/db_optimization.sql). Nothing here prints or exits; what could not be examined is
recorded with its reason in ``ArtifactInputs.missing``."""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from pgsage.errors import MissingExtension, PgsageError, UsageError
from pgsage.model import (
    CheckResult,
    Finding,
    Location,
    ObjectRef,
    Report,
    Severity,
    Status,
)
from pgsage.reports.artifacts.inputs import (
    ADVISE,
    ALEMBIC,
    CAPTURE,
    DATABASE,
    SQUASH,
    VECTOR,
    VECTOR_TUNE,
    WORKLOAD,
    ArtifactInputs,
)
from pgsage.settings import Settings

if TYPE_CHECKING:
    from pgsage.db.snapshot import Snapshot
    from pgsage.instrument.findings import CapturedEvents
    from pgsage.migrations.project import AlembicProject
    from pgsage.vector.model import TuneResult

__all__ = ["ReportRequest", "alembic_project", "capture_report", "run_report", "workload_report"]

Progress = Callable[[str], None]
TOP_STATEMENTS = 10
# The recall measurement of `pgsage report`: a small held-out sample, a bounded time.
VECTOR_SAMPLE = 50
VECTOR_BUDGET_S = 30.0
SHORT_STATEMENT = 160


def _quiet(_message: str) -> None:
    pass


@dataclass(frozen=True)
class ReportRequest:
    alembic: Path | None = None  # an Alembic project: a directory with alembic.ini, or alembic.ini
    nplusone: Path | None = None  # an instrumentation capture (pgsage.instrument.capture)
    queries: Path | None = None  # a workload file for the advisor, instead of pg_stat_statements
    scratch_dsn: str | None = None  # server for the migrations' scratch databases
    advise: bool = True
    squash: bool = True


@dataclass
class _Parts:
    missing: dict[str, str] = field(default_factory=dict)
    audit: Report | None = None
    workload: Report | None = None
    advise: Report | None = None
    migrations: Report | None = None
    lint: Report | None = None
    squash: Report | None = None
    nplusone: Report | None = None
    vector: Report | None = None
    heads: tuple[str, ...] = ()


def _check_inputs(request: ReportRequest) -> None:
    for label, path in (("--nplusone", request.nplusone), ("--queries", request.queries)):
        if path is not None and not path.is_file():
            raise UsageError(f"{label}: no such file: {path}")
    if request.alembic is not None and not request.alembic.exists():
        raise UsageError(f"--alembic: no such file or directory: {request.alembic}")


def run_report(
    settings: Settings, request: ReportRequest, progress: Progress = _quiet
) -> ArtifactInputs:
    """Every part that was given, then the script's phases from their fixes."""
    from pgsage.commands.monitoring import plan as monitoring_plan

    _check_inputs(request)
    parts = _Parts()
    if settings.dsn:
        _database(settings, request, parts, progress)
    else:
        parts.missing[DATABASE] = "no database given (--dsn or DATABASE_URL)"
    if request.alembic is not None:
        _migrations(request, parts, progress)
    else:
        parts.missing[ALEMBIC] = "no Alembic project given (--alembic)"
    if request.nplusone is not None:
        from pgsage.instrument.capture import load_capture

        parts.nplusone = capture_report(load_capture(request.nplusone))
    else:
        parts.missing[CAPTURE] = (
            "no instrumentation capture given (--nplusone CAPTURE.json, saved with "
            "pgsage.instrument.capture.save_capture)"
        )
    return ArtifactInputs(
        script=script_report([parts.audit, parts.advise]),
        audit=parts.audit,
        workload=parts.workload,
        advise=parts.advise,
        migrations=parts.migrations,
        lint=parts.lint,
        squash=parts.squash,
        nplusone=parts.nplusone,
        vector=parts.vector,
        monitoring_plan=monitoring_plan("markdown"),
        alembic_heads=parts.heads,
        missing=parts.missing,
        commands={"audit": 'pgsage audit --dsn "$DATABASE_URL"'},
    )


# -- the database -------------------------------------------------------------------------------


def _database(
    settings: Settings, request: ReportRequest, parts: _Parts, progress: Progress
) -> None:
    from pgsage.checks.runner import run_checks, select_checks
    from pgsage.commands.audit import take_snapshot

    progress("auditing the database")
    snapshot = take_snapshot(settings)
    checks = select_checks(settings.select, settings.ignore)
    parts.audit = run_checks(snapshot, checks, settings.checks)  # with the checks' rules
    parts.workload = workload_report(snapshot)
    info = snapshot.statements_info
    if info.status != "ok":
        parts.missing[WORKLOAD] = f"pg_stat_statements is {info.status}" + (
            f" ({info.detail})" if info.detail else ""
        )
    if "vector" not in snapshot.server.installed_extensions:
        parts.missing[VECTOR] = "the pgvector extension is not installed in this database"
    elif not any(i.method in ("hnsw", "ivfflat") for i in snapshot.indexes):
        parts.missing[VECTOR_TUNE] = "no HNSW or IVFFlat index to measure"
    else:
        _vector(settings, parts, progress)
    if request.advise:
        _advise(settings, request, parts, progress)
    else:
        parts.missing[ADVISE] = "the advisor was not asked for (--no-advise)"


def _vector(settings: Settings, parts: _Parts, progress: Progress) -> None:
    from pgsage.commands.vector import TuneOptions, tune

    progress("measuring the recall of the vector indexes")
    try:
        result = tune(settings, TuneOptions(sample=VECTOR_SAMPLE, time_budget_s=VECTOR_BUDGET_S))
    except PgsageError as exc:
        parts.missing[VECTOR_TUNE] = f"the recall could not be measured: {exc}"
        return
    parts.vector = vector_report(result)


def vector_report(result: TuneResult) -> Report:
    """Each ANN index's measured recall per setting as an info finding (a warning when no
    setting reaches the target); latencies are left out: they differ run to run."""
    findings = []
    for tuned in result.indexes:
        rec = tuned.recommendation
        sweep = [f"{p.setting} = {p.value}: recall {p.recall:.3f}" for p in tuned.sweep]
        message = (
            f"recall@{tuned.k} reaches {tuned.target:.2f} at {rec.setting} = {rec.value}"
            if rec is not None
            else f"no {tuned.setting} reaches recall@{tuned.k} {tuned.target:.2f}"
        )
        findings.append(
            Finding(
                check="vector-recall",
                category="vector",
                severity=Severity.INFO if rec is not None else Severity.WARNING,
                object=ObjectRef("index", tuned.schema, tuned.index, tuned.table),
                message=f"{message} ({tuned.queries} queries, {tuned.query_source})",
                evidence={"sweep": sweep, "recommended_sql": rec.sql if rec else None},
                recommendation=rec.set_local
                if rec is not None
                else (tuned.rebuild.reason if tuned.rebuild is not None else ""),
                fix=tuned.rebuild.fix if tuned.rebuild is not None else None,
            )
        )
    status = Status.FINDINGS if findings else Status.OK
    result_ = CheckResult("vector-recall", status, tuple(findings))
    return Report(server=None, results=(result_,), command="vector")


def _advise(settings: Settings, request: ReportRequest, parts: _Parts, progress: Progress) -> None:
    from pgsage.advise.pipeline import AdviseOptions
    from pgsage.commands.advise import AdviseRun, run_advise

    progress("advising indexes")
    try:
        result = run_advise(settings, AdviseRun(AdviseOptions(queries_file=request.queries)))
    except MissingExtension as exc:
        parts.missing[ADVISE] = f"the index advisor did not run: {exc}"
        return
    parts.advise = result.report()


def workload_report(snapshot: Snapshot, top: int = TOP_STATEMENTS) -> Report:
    """The application's statements that cost the most time (pg_stat_statements folded per
    queryid, catalog-only and utility statements — monitoring tools, pgsage's own snapshot —
    left out, as the query checks see them), as info findings: the evidence of the slow
    queries report even when no statement crosses a threshold."""
    from pgsage.checks.context import AuditContext
    from pgsage.checks.queries.folded import workload

    findings = []
    for q in workload(AuditContext(snapshot))[:top]:
        blocks = q.shared_blocks
        hit = round(100.0 * q.shared_blks_hit / blocks, 1) if blocks else None
        findings.append(
            Finding(
                check="workload-statement",
                category="queries",
                severity=Severity.INFO,
                object=None,
                message=f"{q.calls} calls, {q.total_ms:.1f} ms in total",
                evidence={
                    "calls": q.calls,
                    "total_ms": round(q.total_ms, 1),
                    "mean_ms": round(q.mean_ms, 2),
                    "max_ms": round(q.max_ms, 1),
                    "rows": q.rows,
                    "hit_percent": hit,
                    "statement": " ".join(q.query.split())[:SHORT_STATEMENT],
                },
            )
        )
    status = Status.FINDINGS if findings else Status.OK
    result = CheckResult("workload-statement", status, tuple(findings))
    return Report(None, (result,), command="workload")


# -- migrations ---------------------------------------------------------------------------------


def alembic_project(path: Path) -> AlembicProject:
    """A project from a directory holding alembic.ini (or its script directory), or the ini."""
    from pgsage.migrations.project import find_project

    if path.is_file():
        return find_project(path, None)
    if (path / "alembic.ini").is_file():
        return find_project(path / "alembic.ini", None)
    return find_project(None, path)


def _migrations(request: ReportRequest, parts: _Parts, progress: Progress) -> None:
    from pgsage.commands.lint import LintRequest, lint
    from pgsage.commands.migrations import CheckOptions, check_project
    from pgsage.migrations.graph import load_graph

    assert request.alembic is not None
    project = alembic_project(request.alembic)
    progress("checking the migrations (graph, upgrade, drift, round-trip)")
    base = project.script_location.parent
    checked = check_project(project, CheckOptions(dsn=request.scratch_dsn), progress)
    parts.migrations = relative_locations(checked, base)
    parts.heads = tuple(sorted(load_graph(project).heads))
    progress("linting the revisions")
    linted = lint(LintRequest(paths=list(project.version_locations)))
    parts.lint = relative_locations(linted, base)
    if request.squash:
        _squash(project, request, parts, progress)
    else:
        parts.missing[SQUASH] = "the squash dry-run was not asked for (--no-squash)"


def relative_locations(report: Report, base: Path) -> Report:
    """The report with its findings' files relative to ``base`` (the documents stay the same
    wherever the project is checked out)."""

    def moved(finding: Finding) -> Finding:
        loc = finding.location
        if loc is None or not Path(loc.file).is_absolute():
            return finding
        try:
            relative = Path(loc.file).resolve().relative_to(base.resolve())
        except ValueError:
            return finding
        return replace(finding, location=replace(loc, file=relative.as_posix()))

    results = tuple(
        replace(r, findings=tuple(moved(f) for f in r.findings)) for r in report.results
    )
    return replace(report, results=results)


def _squash(
    project: AlembicProject, request: ReportRequest, parts: _Parts, progress: Progress
) -> None:
    from pgsage.commands.migrations import squash_project

    progress("squash dry-run")
    with tempfile.TemporaryDirectory(prefix="pgsage-squash-") as scratch:
        try:
            result = squash_project(project, Path(scratch), request.scratch_dsn)
        except PgsageError as exc:
            parts.missing[SQUASH] = f"the squash dry-run could not run: {exc}"
            return
    report = result.report
    parts.squash = Report(
        None,
        report.results,
        command="squash",
        stats={"revisions": result.squashed, "statements": result.statements},
        notes=tuple(result.instructions.splitlines()),
    )


# -- the instrumentation capture --------------------------------------------------------------


def _location(call_site: str) -> Location:
    file, _, line = call_site.rpartition(":")
    return Location(file, int(line)) if file and line.isdigit() else Location(call_site)


def capture_report(events: CapturedEvents) -> Report:
    """The capture's N+1 patterns (and slow ORM statements) as findings."""
    nplusone = []
    for summary in events.nplusone:
        f = summary.finding
        nplusone.append(
            Finding(
                check="n-plus-one",
                category="orm",
                severity=Severity.WARNING,
                object=None,
                message=f.title,
                evidence={
                    "kind": str(f.kind),
                    "relationship": f.relationship,
                    "statement": f.statement,
                    "count": summary.max_count,
                    "occurrences": summary.occurrences,
                    "total_ms": round(summary.total_ms, 1),
                    "call_site": f.call_site,
                    "unit": f.unit,
                    "parent_query": f.parent_query,
                    "loader_option": f.fix.loader_option,
                    "fix_code": f.fix.code,
                    "sql": f.sql,
                },
                recommendation=f.fix.summary,
                location=_location(f.call_site),
            )
        )
    slow = [
        Finding(
            check="slow-orm-query",
            category="queries",
            severity=Severity.WARNING,
            object=None,
            message=f"{s.statement}: {s.count} slow execution(s), up to {s.max_ms:.1f} ms",
            evidence={
                "count": s.count,
                "max_ms": round(s.max_ms, 1),
                "mean_ms": round(s.mean_ms, 1),
                "call_site": s.last_call_site,
                "plan": s.plan_summary,
                "sql": s.sql,
            },
            location=_location(s.last_call_site),
        )
        for s in events.slow
    ]
    results = (
        CheckResult("n-plus-one", Status.FINDINGS if nplusone else Status.OK, tuple(nplusone)),
        CheckResult("slow-orm-query", Status.FINDINGS if slow else Status.OK, tuple(slow)),
    )
    return Report(None, results, command="capture", stats={"problem_units": events.problem_units})


def script_report(reports: Sequence[Report | None]) -> Report:
    from pgsage.commands.script import phases

    findings = [f for r in reports if r is not None for f in r.findings if f.fix is not None]
    return phases(findings)
