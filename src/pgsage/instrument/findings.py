"""Typed results of the instrumentation: captured statements, N+1 findings, budget overruns,
slow queries, and the errors and warnings that carry them. No SQLAlchemy import here."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from pgsage.errors import PgsageError


class ProblemKind(StrEnum):
    LAZY_LOAD = "lazy_load"  # an ORM relationship lazily loaded once per parent object
    REPEATED_STATEMENT = "repeated_statement"  # the same statement from the same line, in a loop
    EXPIRED_REFRESH = "expired_refresh"  # expired objects reloaded one by one (after a commit)


@dataclass(frozen=True, slots=True)
class CapturedQuery:
    """One statement as the ``queries`` fixture and budget reports show it (no parameter values:
    they may hold personal data)."""

    sql: str
    name: str
    fingerprint: str
    params_count: int
    duration_ms: float
    call_site: str
    rows: int | None = None
    executemany: bool = False
    error: bool = False

    def __str__(self) -> str:
        return f"{self.name} ({self.duration_ms:.2f} ms) at {self.call_site}: {self.sql}"


@dataclass(frozen=True, slots=True)
class Fix:
    """How to fix a finding: one sentence and a code example."""

    summary: str
    code: str
    loader_option: str | None = None  # selectinload / joinedload / contains_eager, when one fits


@dataclass(frozen=True, slots=True)
class NPlusOne:
    """One N+1 pattern found in a unit of work."""

    kind: ProblemKind
    unit: str
    count: int
    total_ms: float
    call_site: str  # where the first of the repeated statements came from
    statement: str  # readable name, e.g. "SELECT orders"
    sql: str  # the SQL shape
    fingerprint: str
    fix: Fix
    relationship: str | None = None  # "User.orders" for lazy loads
    parent_query: str | None = None  # "SELECT users at app.py:12" when known
    request_id: str | None = None

    @property
    def title(self) -> str:
        if self.kind is ProblemKind.LAZY_LOAD:
            return f"lazy load of {self.relationship} repeated {self.count} times"
        if self.kind is ProblemKind.EXPIRED_REFRESH:
            return f"expired objects reloaded one by one: {self.statement} x{self.count}"
        return f"{self.statement} repeated {self.count} times from the same line"

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": str(self.kind),
            "unit": self.unit,
            "count": self.count,
            "total_ms": round(self.total_ms, 3),
            "call_site": self.call_site,
            "statement": self.statement,
            "sql": self.sql,
            "fingerprint": self.fingerprint,
            "relationship": self.relationship,
            "parent_query": self.parent_query,
            "request_id": self.request_id,
            "fix": self.fix.summary,
            "fix_code": self.fix.code,
            "loader_option": self.fix.loader_option,
        }


@dataclass(frozen=True, slots=True)
class BudgetExceeded:
    max_queries: int
    count: int


@dataclass(frozen=True, slots=True)
class UnitReport:
    """What one unit of work found; ``str()`` gives the text shown in errors, logs and tests."""

    unit: str
    request_id: str | None
    query_count: int
    total_ms: float
    nplusone: tuple[NPlusOne, ...] = ()
    budget: BudgetExceeded | None = None
    queries: tuple[CapturedQuery, ...] = ()

    @property
    def has_problems(self) -> bool:
        return bool(self.nplusone) or self.budget is not None

    def __str__(self) -> str:
        from pgsage.instrument.report import format_unit_report

        return format_unit_report(self)


@dataclass(frozen=True, slots=True)
class SlowQuery:
    statement: str
    fingerprint: str
    sql: str
    duration_ms: float
    rows: int | None
    call_site: str
    unit: str | None = None
    request_id: str | None = None


@dataclass(frozen=True, slots=True)
class SlowQuerySummary:
    """Slow executions of one statement shape, aggregated for reports."""

    statement: str
    fingerprint: str
    sql: str
    count: int
    max_ms: float
    total_ms: float
    last_call_site: str
    plan: Any = None  # the EXPLAIN (FORMAT JSON) document of a sampled execution, if any
    plan_summary: str | None = None

    @property
    def mean_ms(self) -> float:
        return self.total_ms / self.count if self.count else 0.0


@dataclass(frozen=True, slots=True)
class NPlusOneSummary:
    """One N+1 pattern (by kind, statement and call site) over every unit it was seen in."""

    finding: NPlusOne  # the first occurrence, with its fix
    occurrences: int
    max_count: int
    total_ms: float


@dataclass(frozen=True, slots=True)
class CapturedEvents:
    """A snapshot of what an instrumentation has seen, input of the Markdown report."""

    nplusone: tuple[NPlusOneSummary, ...] = ()
    slow: tuple[SlowQuerySummary, ...] = ()
    problem_units: int = 0  # units of work that ended with a problem


class QueryProblemError(PgsageError):
    """A unit of work ended with N+1 queries or over its query budget (``nplusone="raise"``)."""

    def __init__(self, report: UnitReport) -> None:
        super().__init__(str(report))
        self.report = report


class NPlusOneError(QueryProblemError):
    """N+1 queries were found in a unit of work running in ``"raise"`` mode."""


class QueryBudgetError(QueryProblemError):
    """A unit of work ran more statements than its ``max_queries`` budget allows."""


class NPlusOneWarning(UserWarning):
    """Emitted for N+1 queries and budget overruns in ``"warn"`` mode."""
