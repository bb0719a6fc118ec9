"""What each page shows, built from the audit's Report and Snapshot (never a check of its
own): typed page models that the templates render and the API returns as JSON."""

from __future__ import annotations

import dataclasses
import hashlib
import math
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from enum import Enum
from typing import Any

from pgsage.commands.collect import statement_key
from pgsage.db.rows import Session
from pgsage.model import Finding, Report, Severity
from pgsage.web.forecast import SequenceForecast, SizeForecast
from pgsage.web.targets import LiveActivity, LockRow, TargetView

WRAPAROUND_LIMIT = 2**31
ROWS = 50  # rows per list on a page: a 10,000-table database shows its top 50, then pages


def finding_key(finding: Finding) -> str:
    """A stable key for one finding (the same across refreshes while it stands)."""
    return hashlib.sha1(
        f"{finding.check}\0{finding.subject()}\0{finding.message}".encode()
    ).hexdigest()[:16]


@dataclass(frozen=True)
class FindingView:
    key: str
    check: str
    category: str
    severity: str
    subject: str
    message: str
    recommendation: str
    evidence: dict[str, Any]
    fix_sql: str | None
    has_alembic: bool
    docs: str

    @staticmethod
    def of(finding: Finding) -> FindingView:
        return FindingView(
            key=finding_key(finding),
            check=finding.check,
            category=finding.category,
            severity=finding.severity.value,
            subject=finding.subject(),
            message=finding.message,
            recommendation=finding.recommendation,
            evidence=dict(finding.evidence),
            fix_sql=finding.fix_sql,
            has_alembic=finding.fix is not None,
            docs=f"/docs/checks/{finding.check}",
        )


@dataclass(frozen=True)
class Paging:
    """Which slice of the page's lists is shown: ``page`` of ``pages`` (``per_page`` rows
    of each list; ``total``: the rows of its longest list)."""

    page: int = 1
    per_page: int = ROWS
    total: int = 0
    pages: int = 1

    @staticmethod
    def of(page: int, *totals: int) -> Paging:
        total = max(totals, default=0)
        return Paging(page, ROWS, total, max(1, -(-total // ROWS)))


def cut(items: list[Any], page: int) -> list[Any]:
    """The ``page``th slice of ROWS items (1-based)."""
    start = (max(page, 1) - 1) * ROWS
    return items[start : start + ROWS]


@dataclass(frozen=True)
class PageBase:
    target: str
    targets: list[str]
    taken_at: datetime | None
    problems: list[str]
    refreshing: bool


@dataclass(frozen=True)
class NotRun:
    check: str
    status: str
    reason: str | None


@dataclass(frozen=True)
class Overview(PageBase):
    counts: dict[str, int]
    version: str | None
    database: str | None
    size_bytes: int | None
    connections: int | None
    max_connections: int | None
    cache_hit: float | None
    wraparound_pct: float | None
    replicas: int
    slots: int
    tables: int
    indexes: int
    statements_status: str | None
    not_run: list[NotRun]
    top_findings: list[FindingView]


@dataclass(frozen=True)
class FindingsPage(PageBase):
    title: str
    categories: list[str]
    findings: list[FindingView]
    paging: Paging = field(default_factory=Paging)


@dataclass(frozen=True)
class TableRow:
    schema: str
    name: str
    total_bytes: int
    table_bytes: int
    index_bytes: int
    live_rows: int | None
    dead_rows: int | None
    dead_pct: float | None
    last_vacuum: datetime | None
    last_analyze: datetime | None
    xid_age: int | None
    size_estimated: bool


@dataclass(frozen=True)
class MaintenancePage(PageBase):
    tables: list[TableRow]
    findings: list[FindingView]
    database_xid_age: int | None
    sequence_forecasts: list[SequenceForecast] = field(default_factory=list)
    paging: Paging = field(default_factory=Paging)


@dataclass(frozen=True)
class SpacePage(PageBase):
    size_bytes: int | None
    tables: list[TableRow]
    growth: list[dict[str, Any]] = field(default_factory=list)
    database_forecast: SizeForecast | None = None
    table_forecasts: list[SizeForecast] = field(default_factory=list)
    paging: Paging = field(default_factory=Paging)


@dataclass(frozen=True)
class QueryRow:
    key: str
    queryid: int | None
    query: str
    calls: int
    total_ms: float
    mean_ms: float
    rows: int
    pct: float
    cache_hit: float | None


@dataclass(frozen=True)
class QueriesPage(PageBase):
    status: str | None
    detail: str | None
    queries: list[QueryRow]
    findings: list[FindingView]
    paging: Paging = field(default_factory=Paging)


@dataclass(frozen=True)
class SessionRow:
    pid: int
    username: str | None
    application: str | None
    client: str | None
    state: str | None
    wait: str | None
    xact_age_s: float | None
    query_age_s: float | None
    blocked_by: list[int]
    query: str | None


@dataclass(frozen=True)
class ActivityPage(PageBase):
    sessions: list[SessionRow]
    locks: list[LockRow]
    chains: list[list[int]]
    actions: list[dict[str, Any]]


def _base(view: TargetView, targets: list[str]) -> dict[str, Any]:
    return {
        "target": view.name,
        "targets": targets,
        "taken_at": view.taken_at,
        "problems": list(view.problems),
        "refreshing": view.refreshing,
    }


def _selected(report: Report | None, categories: set[str] | None = None) -> list[Finding]:
    if report is None:
        return []
    return [f for f in report.findings if categories is None or f.category in categories]


def _findings(found: list[Finding], page: int) -> list[FindingView]:
    """The page's slice, converted (a 10,000-table report has thousands of findings)."""
    return [FindingView.of(f) for f in cut(found, page)]


def overview(view: TargetView, targets: list[str]) -> Overview:
    snap, report = view.snapshot, view.report
    counts = {s.value: 0 for s in Severity}
    if report is not None:
        for f in report.findings:
            counts[f.severity.value] += 1
    db = snap.database if snap else None
    hit = None
    if db is not None and db.blks_hit is not None and db.blks_read is not None:
        total = db.blks_hit + db.blks_read
        hit = db.blks_hit / total if total else None
    sessions = (
        [s for s in snap.activity if s.backend_type in (None, "client backend")] if snap else []
    )
    return Overview(
        **_base(view, targets),
        counts=counts,
        version=snap.server.version if snap else None,
        database=db.name if db else None,
        size_bytes=db.size_bytes if db else None,
        connections=(len(sessions) if snap and snap.activity else (db.numbackends if db else None)),
        max_connections=db.max_connections if db else None,
        cache_hit=hit,
        wraparound_pct=(db.frozenxid_age / WRAPAROUND_LIMIT * 100) if db else None,
        replicas=len(snap.replication) if snap else 0,
        slots=len(snap.slots) if snap else 0,
        tables=len(snap.tables) if snap else 0,
        indexes=len(snap.indexes) if snap else 0,
        statements_status=snap.statements_info.status if snap else None,
        not_run=[NotRun(r.check, r.status.value, r.reason) for r in report.not_run()]
        if report
        else [],
        top_findings=[FindingView.of(f) for f in _selected(report)[:10]],
    )


CATEGORY_PAGES = {
    "indexes": ("Indexes: unused, duplicate, missing", {"indexes"}),
    "settings": ("Settings and security", {"settings", "security"}),
    "findings": ("All findings", None),
}


def findings_page(view: TargetView, targets: list[str], page: str, number: int = 1) -> FindingsPage:
    title, categories = CATEGORY_PAGES[page]
    found = _selected(view.report, categories)
    return FindingsPage(
        **_base(view, targets),
        title=title,
        categories=sorted(categories) if categories else [],
        findings=_findings(found, number),
        paging=Paging.of(number, len(found)),
    )


def _table_rows(view: TargetView, key: str, page: int) -> list[TableRow]:
    if view.snapshot is None:
        return []
    tables = view.snapshot.tables
    if key == "dead":
        ordered = sorted(tables, key=lambda t: t.n_dead_tup or 0, reverse=True)
    else:
        ordered = sorted(tables, key=lambda t: t.total_bytes, reverse=True)
    rows = []
    for t in cut(ordered, page):
        live, dead = t.n_live_tup, t.n_dead_tup
        rows.append(
            TableRow(
                schema=t.schema,
                name=t.name,
                total_bytes=t.total_bytes,
                table_bytes=t.table_bytes,
                index_bytes=t.index_bytes,
                live_rows=live,
                dead_rows=dead,
                dead_pct=(dead / (live + dead) * 100)
                if live is not None and dead and live + dead
                else None,
                last_vacuum=max(
                    (d for d in (t.last_vacuum, t.last_autovacuum) if d is not None), default=None
                ),
                last_analyze=max(
                    (d for d in (t.last_analyze, t.last_autoanalyze) if d is not None),
                    default=None,
                ),
                xid_age=t.frozenxid_age,
                size_estimated=t.size_estimated,
            )
        )
    return rows


def _table_count(view: TargetView) -> int:
    return len(view.snapshot.tables) if view.snapshot else 0


def maintenance(view: TargetView, targets: list[str], page: int = 1) -> MaintenancePage:
    db = view.snapshot.database if view.snapshot else None
    found = _selected(view.report, {"tables", "sequences"})
    return MaintenancePage(
        **_base(view, targets),
        tables=_table_rows(view, "dead", page),
        findings=_findings(found, page),
        database_xid_age=db.frozenxid_age if db else None,
        paging=Paging.of(page, _table_count(view), len(found)),
    )


def space(
    view: TargetView, targets: list[str], growth: list[dict[str, Any]], page: int = 1
) -> SpacePage:
    db = view.snapshot.database if view.snapshot else None
    return SpacePage(
        **_base(view, targets),
        size_bytes=db.size_bytes if db else None,
        tables=_table_rows(view, "size", page),
        growth=growth,
        paging=Paging.of(page, _table_count(view)),
    )


def queries(view: TargetView, targets: list[str], page: int = 1) -> QueriesPage:
    snap = view.snapshot
    rows: list[QueryRow] = []
    found = _selected(view.report, {"queries"})
    if snap is not None:
        total = sum(s.total_exec_time for s in snap.statements) or 1.0
        ordered = sorted(snap.statements, key=lambda s: s.total_exec_time, reverse=True)
        top = cut(ordered, page)
        for s in top:
            blocks = s.shared_blks_hit + s.shared_blks_read
            rows.append(
                QueryRow(
                    key=statement_key(s.queryid, s.username, s.toplevel, s.query),
                    queryid=s.queryid,
                    query=s.query[:2000],
                    calls=s.calls,
                    total_ms=s.total_exec_time,
                    mean_ms=s.mean_exec_time,
                    rows=s.rows,
                    pct=s.total_exec_time / total * 100,
                    cache_hit=s.shared_blks_hit / blocks if blocks else None,
                )
            )
    return QueriesPage(
        **_base(view, targets),
        status=snap.statements_info.status if snap else None,
        detail=snap.statements_info.detail if snap else None,
        queries=rows,
        findings=_findings(found, page),
        paging=Paging.of(page, len(snap.statements) if snap else 0, len(found)),
    )


def _age(start: datetime | None, now: datetime) -> float | None:
    return (now - start).total_seconds() if start is not None else None


def activity(
    name: str, targets: list[str], live: LiveActivity, actions: list[dict[str, Any]]
) -> ActivityPage:
    now = datetime.now(UTC)

    def row(s: Session) -> SessionRow:
        return SessionRow(
            pid=s.pid,
            username=s.username,
            application=s.application_name,
            client=s.client_addr,
            state=s.state,
            wait=f"{s.wait_event_type}: {s.wait_event}" if s.wait_event_type else None,
            xact_age_s=_age(s.xact_start, now),
            query_age_s=_age(s.query_start, now),
            blocked_by=list(s.blocked_by or []),
            query=s.query,
        )

    return ActivityPage(
        target=name,
        targets=targets,
        taken_at=now,
        problems=list(live.problems),
        refreshing=False,
        sessions=[row(s) for s in live.sessions],
        locks=live.locks,
        chains=live.chains,
        actions=[a for a in actions if a.get("target") == name][:20],
    )


def _scalar(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, float) and math.isnan(value):  # NaN is not JSON
        return None
    return value


def jsonable(value: Any) -> Any:
    """A page model as JSON-ready data."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    return _scalar(value)
