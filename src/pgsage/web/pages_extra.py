"""The query page (history, plan, "what if" indexes), the advisor page and the migrations
page: page models built from the store, pgsage.web.explain and pgsage.web.advisor."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from fastapi import HTTPException

from pgsage.commands.collect import statement_key
from pgsage.model import Finding
from pgsage.web import advisor, explain, views
from pgsage.web.state import WebState
from pgsage.web.views import FindingView, PageBase


@dataclass(frozen=True)
class HistoryPoint:
    at: datetime
    total_ms: float
    calls: int
    mean_ms: float | None


@dataclass(frozen=True)
class QueryStats:
    calls: int
    total_ms: float
    mean_ms: float
    rows: int


@dataclass(frozen=True)
class PlanView:
    analyze: bool
    method: str
    text: str | None
    error: str | None
    values: list[str]


@dataclass(frozen=True)
class QueryPage(PageBase):
    key: str
    query: str
    stats: QueryStats | None
    history: list[HistoryPoint]
    plan: PlanView
    whatif: list[FindingView]
    whatif_error: str | None
    whatif_notes: list[str]


@dataclass(frozen=True)
class ReportPage(PageBase):
    """The advisor's or the linter's findings (fix SQL, Alembic revision), notes, errors."""

    title: str
    findings: list[FindingView]
    notes: list[str]
    error: str | None
    seconds: float
    stats: dict[str, Any]


def _base(state: WebState, target: str) -> dict[str, Any]:
    return {
        "target": target,
        "targets": state.targets.names,
        "taken_at": datetime.now(UTC),
        "problems": [],
        "refreshing": False,
    }


def _statement(state: WebState, target: str, key: str) -> tuple[str, QueryStats | None]:
    snap = state.targets.view(target).snapshot
    for s in snap.statements if snap else []:
        if statement_key(s.queryid, s.username, s.toplevel, s.query) == key:
            stats = QueryStats(s.calls, s.total_exec_time, s.mean_exec_time, s.rows)
            return s.query, stats
    recorded = state.store.query_text(target, key)
    if recorded is None:
        raise HTTPException(404, "no such query (neither in pg_stat_statements nor recorded)")
    return recorded, None


def _budgeted(
    cache: advisor.TtlCache[advisor.AdvisorRun],
    key: str,
    compute: Callable[[], advisor.AdvisorRun],
    budget_s: float,
) -> advisor.AdvisorRun:
    """The cached run, or a fresh one when it finishes within the page's budget."""
    found = cache.get(key, compute, budget_s)
    return found if found is not None else advisor.AdvisorRun(None, advisor.STILL_RUNNING)


def _findings(run: advisor.AdvisorRun) -> list[FindingView]:
    return [FindingView.of(f) for f in run.report.findings] if run.report else []


def query_page(state: WebState, target: str, key: str, analyze: bool) -> QueryPage:
    query, stats = _statement(state, target, key)
    config = state.config
    dsn = config.targets[target]
    budget_ms = int(config.page_budget_s * 1000)
    timeouts = (min(config.target_statement_timeout_ms, budget_ms), config.target_lock_timeout_ms)
    plan = explain.plan(dsn, query, analyze=analyze, timeouts=timeouts)
    whatif = (
        _budgeted(
            state.whatif,
            f"{target}\0{key}",
            lambda: advisor.query_advice(config, dsn, query, state.samples),
            config.compute_wait_s,
        )
        if explain.explainable(query)
        else advisor.AdvisorRun(None, explain.NOT_EXPLAINABLE)
    )
    history = [
        HistoryPoint(at, total, calls, total / calls if calls else None)
        for at, total, calls in state.store.query_history(target, key)
    ]
    return QueryPage(
        **_base(state, target),
        key=key,
        query=query,
        stats=stats,
        history=history,
        plan=PlanView(plan.analyze, plan.method, plan.text, plan.error, list(plan.values)),
        whatif=_findings(whatif),
        whatif_error=whatif.error,
        whatif_notes=list(whatif.notes),
    )


def _report_page(state: WebState, target: str, title: str, run: advisor.AdvisorRun) -> ReportPage:
    return ReportPage(
        **_base(state, target),
        title=title,
        findings=_findings(run),
        notes=list(run.notes),
        error=run.error,
        seconds=round(run.seconds, 2),
        stats=dict(run.report.stats) if run.report else {},
    )


def advisor_run(state: WebState, target: str) -> advisor.AdvisorRun:
    dsn = state.config.targets[target]

    def compute() -> advisor.AdvisorRun:
        recorded = state.store.recorded_workload(target, advisor.RECORDED_DAYS)
        return advisor.workload_advice(state.config, dsn, recorded, state.samples)

    return _budgeted(state.advice, target, compute, state.config.compute_wait_s)


def migrations_run(state: WebState) -> advisor.AdvisorRun:
    return _budgeted(
        state.lints,
        "migrations",
        lambda: advisor.migrations_lint(state.config),
        state.config.compute_wait_s,
    )


def advisor_page(state: WebState, target: str) -> ReportPage:
    title = "Advisor: indexes for the recorded workload"
    return _report_page(state, target, title, advisor_run(state, target))


def migrations_page(state: WebState, target: str) -> ReportPage:
    path = state.config.migrations
    title = f"Migrations: lint of {path}" if path else "Migrations"
    return _report_page(state, target, title, migrations_run(state))


def advised_finding(state: WebState, target: str, key: str) -> Finding:
    """A finding of the target's last advisor run or what-if (for its fix downloads)."""
    runs = [state.advice.peek(target)]
    runs += [state.whatif.peek(k) for k in state.whatif.keys(f"{target}\0")]
    for run in runs:
        found = run.finding(key, views.finding_key) if run else None
        if found is not None and found.fix is not None:
            return found
    raise HTTPException(404, "no such recommendation (open the advisor page again)")
