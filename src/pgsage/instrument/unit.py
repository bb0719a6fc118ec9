"""Units of work and the N+1 detector. The state lives in a ContextVar, one Unit per request,
test or explicit ``with unit_of_work(...)`` block, so threads and asyncio tasks never share it by
accident (tasks started inside a unit inherit it on purpose: their queries belong to it).

No SQLAlchemy import here: the pytest plugin imports this module in every test session, also in
projects that never instrument anything.
"""

from __future__ import annotations

import logging
import os
import threading
import warnings
from collections.abc import Callable, Iterable
from contextvars import ContextVar, Token
from dataclasses import dataclass, replace
from enum import Enum
from types import TracebackType
from typing import Any, Final, Literal, Protocol

from pgsage.instrument import advice
from pgsage.instrument.findings import (
    BudgetExceeded,
    CapturedQuery,
    NPlusOne,
    NPlusOneError,
    NPlusOneWarning,
    ProblemKind,
    QueryBudgetError,
    UnitReport,
)
from pgsage.instrument.shape import StatementShape

Mode = Literal["log", "warn", "raise"]
MODES: Final = ("log", "warn", "raise")
_STRICTNESS: Final = {None: 0, "log": 1, "warn": 2, "raise": 3}
MAX_CAPTURED = 10_000
logger = logging.getLogger("pgsage.instrument")


class Inherit(Enum):
    TOKEN = "inherit"


INHERIT: Final = Inherit.TOKEN


@dataclass(frozen=True, slots=True)
class Gates:
    """When repeats count as N+1: at least ``min_repeats`` statements taking ``min_total_ms``
    (``None``: the mode decides, see ``time_gate``)."""

    min_repeats: int
    min_total_ms: float | None = 0.0


# Runtime: Sentry-like gates keep cheap, harmless repeats quiet. Tests: any repeat is a bug.
RUNTIME_GATES: Final = Gates(5, 50.0)
TEST_GATES: Final = Gates(2, 0.0)


def under_tests() -> bool:
    return "PYTEST_CURRENT_TEST" in os.environ


def time_gate(mode: Mode | None) -> float:
    """The default total-time gate of a mode. Only production logging ("log", and "warn"
    outside tests) is gated by time, as Sentry does; "raise", and "warn" under tests, decide by
    counts alone, so that a verdict never depends on how fast the machine is."""
    if mode == "log" or (mode == "warn" and not under_tests()):
        return RUNTIME_GATES.min_total_ms or 0.0
    return 0.0


def check_mode(mode: object) -> Mode | None:
    for known in (None, *MODES):
        if mode == known:
            return known
    raise ValueError(f"nplusone must be one of {', '.join(MODES)} or None, not {mode!r}")


@dataclass(frozen=True, slots=True)
class LoadTag:
    """What ``do_orm_execute`` learnt about an ORM load, handed to the cursor events."""

    kind: Literal["lazy", "eager", "refresh"]
    relationship: str | None = None  # "User.orders"
    parent_key: int | None = None  # identifies the query that loaded the parent object
    parent_table: str | None = None
    target_table: str | None = None
    uselist: bool = True


class Sink(Protocol):
    """An instrumentation seen by a unit: its defaults, and where findings are published."""

    @property
    def nplusone_mode(self) -> Mode | None: ...

    @property
    def gates(self) -> Gates: ...

    def publish(self, report: UnitReport) -> tuple[NPlusOne, ...]:
        """Keep the report; return its findings this sink had not seen before."""
        ...


@dataclass(slots=True)
class _Group:
    kind: ProblemKind
    shape: StatementShape
    call_site: str
    count: int = 0
    total_seconds: float = 0.0
    relationship: str | None = None
    uselist: bool = True
    parent_query: str | None = None
    parent_tables: tuple[str, ...] = ()
    target_table: str | None = None


def params_count(parameters: Any, executemany: bool = False) -> int:
    """Bound parameters of one execution (of the first row set for executemany)."""
    try:
        if executemany:
            return len(parameters[0]) if parameters else 0
        return len(parameters) if parameters is not None else 0
    except (TypeError, LookupError):
        return 0


_CURRENT: ContextVar[Unit | None] = ContextVar("pgsage_instrument_unit", default=None)


# The innermost active unit of work of this thread or task, if any. The ContextVar's own
# bound method: the instrumentation calls it for every statement.
current_unit: Callable[[], Unit | None] = _CURRENT.get


class Unit:
    __slots__ = (
        "_detects",
        "_groups",
        "_last_select",
        "_last_sink",
        "_lock",
        "_min_total_ms",
        "_mode",
        "_sinks",
        "_threshold",
        "_token",
        "capture",
        "counted_by",
        "dropped",
        "max_queries",
        "max_repeats",
        "name",
        "parent",
        "queries",
        "query_count",
        "request_id",
        "total_seconds",
    )
    """One unit of work: counts, optional capture, and the repeat groups of the N+1 detector.

    A statement is recorded in the innermost unit; when a nested unit ends, its count and
    captured statements are added to its parent (budgets cover nested work), while N+1
    detection stays with the unit the statements ran in.
    """

    def __init__(
        self,
        name: str,
        *,
        nplusone: Mode | Inherit | None = INHERIT,
        threshold: int | None = None,
        min_total_ms: float | None = None,
        max_queries: int | None = None,
        capture: bool = False,
        request_id: str | None = None,
    ) -> None:
        self.name = name
        self.request_id = request_id
        self._mode = nplusone if nplusone is INHERIT else check_mode(nplusone)
        if threshold is not None and threshold < 2:
            raise ValueError("threshold must be at least 2 repeats")
        self._threshold = threshold
        self._min_total_ms = min_total_ms
        self.max_queries = max_queries
        self.capture = capture
        self.query_count = 0
        self.total_seconds = 0.0
        self.queries: list[CapturedQuery] = []
        self.dropped = 0  # captured statements beyond MAX_CAPTURED
        self.parent: Unit | None = None
        self._groups: dict[tuple[object, ...], _Group] = {}
        self._last_select: dict[str, tuple[StatementShape, str]] = {}
        self._sinks: list[Sink] = []
        self._last_sink: Sink | None = None
        self.max_repeats = 0  # the largest repeat group so far (cheap "anything to do?")
        # Starlette runs sync endpoints in a thread pool with a copy of the request's context,
        # so one unit can be fed from two threads.
        self._lock = threading.Lock()
        self._token: Token[Unit | None] | None = None
        self._detects: bool | None = None  # decided by the first statement's instrumentation
        # The instrumentation that sampled this unit out, once it has counted a statement:
        # its later statements take its fast path.
        self.counted_by: Sink | None = None

    # -- recording (called by the instrumentation) -------------------------------
    def detects(self, sink: Sink, decide: Callable[[Unit], bool]) -> bool:
        """Whether this unit's statements go through the N+1 detector (``record``) or are only
        counted (``count``): decided once, by the first instrumentation that sees it."""
        decided = self._detects
        if decided is None:
            decided = self._detects = decide(self)
        return decided

    def needs_every_statement(self) -> bool:
        """Units that must see every statement whatever the sampling: tests (capture, explicit
        gates such as the pytest plugin's), "raise" mode and query budgets (exact counts), of
        this unit or an enclosing one."""
        unit: Unit | None = self
        while unit is not None:
            if (
                unit.capture
                or unit._threshold is not None
                or unit._min_total_ms is not None
                or unit._mode == "raise"
                or unit.max_queries is not None
            ):
                return True
            unit = unit.parent
        return False

    @property
    def sampled_out(self) -> bool:
        """Decided, and not tracked by the N+1 detector: statements are only counted."""
        return self._detects is False

    def _tally(self, sink: Sink, seconds: float) -> None:
        """One statement more, and the instrumentation it came through (under the lock)."""
        self.query_count += 1
        self.total_seconds += seconds
        if sink is not self._last_sink:
            self._last_sink = sink
            if sink not in self._sinks:
                self._sinks.append(sink)

    def count(self, sink: Sink, seconds: float) -> None:
        """A statement of a unit the N+1 detector samples out: counted for its report."""
        with self._lock:
            self._tally(sink, seconds)
            if self._detects is False:
                self.counted_by = sink

    def add(self, seconds: float) -> None:
        """``count`` on the fast path of ``counted_by``. Without the lock: a sampled-out unit
        has no budget (budgets are never sampled out), and a count lost to two threads
        racing only shows in the report's statement count."""
        self.query_count += 1
        self.total_seconds += seconds

    def record(
        self,
        sink: Sink,
        shape: StatementShape,
        seconds: float,
        call_site: str,
        parameters: Any = None,
        rows: int | None = None,
        tag: LoadTag | None = None,
        executemany: bool = False,
        *,
        error: bool = False,
    ) -> None:
        """Count one statement of a unit the N+1 detector follows (called by the
        instrumentation for every such statement: keep it cheap)."""
        with self._lock:
            self._tally(sink, seconds)
            if self.capture:
                if len(self.queries) < MAX_CAPTURED:
                    self.queries.append(
                        CapturedQuery(
                            shape.sql,
                            shape.name,
                            shape.fingerprint,
                            params_count(parameters, executemany),
                            seconds * 1000.0,
                            call_site,
                            rows,
                            executemany,
                            error,
                        )
                    )
                else:
                    self.dropped += 1
            # Only reads repeat in an N+1; a flush may legitimately emit many INSERTs.
            if error or executemany or shape.verb != "SELECT":
                return
            key: tuple[object, ...]
            if tag is None:
                key = (ProblemKind.REPEATED_STATEMENT, shape.fingerprint, call_site)
                if shape.tables:
                    self._last_select[shape.tables[0]] = (shape, call_site)
            elif tag.kind == "lazy":
                key = (ProblemKind.LAZY_LOAD, tag.relationship, tag.parent_key)
            elif tag.kind == "refresh":
                key = (ProblemKind.EXPIRED_REFRESH, shape.fingerprint, call_site)
            else:
                return  # an eager relationship load runs once per parent query: not N+1
            group = self._groups.get(key)
            if group is None:
                kind = key[0]
                assert isinstance(kind, ProblemKind)
                group = self._new_group(kind, shape, call_site, tag)
                self._groups[key] = group
            group.count += 1
            group.total_seconds += seconds
            self.max_repeats = max(self.max_repeats, group.count)

    def _new_group(
        self, kind: ProblemKind, shape: StatementShape, call_site: str, tag: LoadTag | None
    ) -> _Group:
        group = _Group(kind, shape, call_site)
        if tag is not None and tag.kind == "lazy":
            group.relationship = tag.relationship
            group.uselist = tag.uselist
            group.target_table = tag.target_table
            parent = self._last_select.get(tag.parent_table or "")
            if parent is not None:
                group.parent_query = f"{parent[0].name} at {parent[1]}"
                group.parent_tables = parent[0].tables
        return group

    # -- the end of the unit ---------------------------------------------------------------
    def settings(self) -> tuple[Mode | None, Gates]:
        """The effective mode and gates: this unit's, else its parents', else the
        instrumentation's (the strictest mode of the engines seen), else runtime defaults."""
        mode: Mode | Inherit | None = INHERIT
        threshold, min_ms = None, None
        unit: Unit | None = self
        while unit is not None:
            if mode is INHERIT:
                mode = unit._mode
            threshold = threshold if threshold is not None else unit._threshold
            min_ms = min_ms if min_ms is not None else unit._min_total_ms
            unit = unit.parent
        sinks = self._sinks
        resolved = strictest(s.nplusone_mode for s in sinks) if isinstance(mode, Inherit) else mode
        base = sinks[0].gates if sinks else Gates(RUNTIME_GATES.min_repeats, None)
        if min_ms is None:
            min_ms = base.min_total_ms if base.min_total_ms is not None else time_gate(resolved)
        return resolved, Gates(threshold if threshold is not None else base.min_repeats, min_ms)

    def may_have_nplusone(self) -> bool:
        """Cheap pre-check before building a report: some group passes the gates."""
        if self.max_repeats < TEST_GATES.min_repeats:
            return False
        mode, gates = self.settings()
        if mode is None or self.max_repeats < gates.min_repeats:
            return False
        with self._lock:
            return any(
                g.count >= gates.min_repeats
                and g.total_seconds * 1000.0 >= (gates.min_total_ms or 0.0)
                for g in self._groups.values()
            )

    def findings(self, gates: Gates) -> list[NPlusOne]:
        with self._lock:
            groups = list(self._groups.values())
        found = []
        for group in groups:
            total_ms = group.total_seconds * 1000.0
            if group.count >= gates.min_repeats and total_ms >= (gates.min_total_ms or 0.0):
                found.append(self._finding(group, total_ms))
        found.sort(key=lambda f: (-f.count, f.call_site))
        return found

    def _finding(self, group: _Group, total_ms: float) -> NPlusOne:
        shape = group.shape
        if group.kind is ProblemKind.LAZY_LOAD:
            fix = advice.lazy_load_fix(
                group.relationship or "?",
                uselist=group.uselist,
                parent_joins_target=group.target_table in group.parent_tables,
            )
        elif group.kind is ProblemKind.EXPIRED_REFRESH:
            fix = advice.expired_refresh_fix()
        else:
            table = shape.tables[0] if shape.tables else None
            fix = advice.repeated_statement_fix(table, shape.where_columns)
        return NPlusOne(
            kind=group.kind,
            unit=self.name,
            count=group.count,
            total_ms=total_ms,
            call_site=group.call_site,
            statement=shape.name,
            sql=shape.sql,
            fingerprint=shape.fingerprint,
            fix=fix,
            relationship=group.relationship,
            parent_query=group.parent_query,
            request_id=self.request_id,
        )

    def report(self) -> tuple[UnitReport, Mode | None]:
        """The findings of this unit so far and the mode to act on them with."""
        mode, gates = self.settings()
        found = tuple(self.findings(gates)) if mode is not None else ()
        budget = None
        if self.max_queries is not None and self.query_count > self.max_queries:
            budget = BudgetExceeded(self.max_queries, self.query_count)
        with self._lock:
            queries = tuple(self.queries)
        report = UnitReport(
            self.name,
            self.request_id,
            self.query_count,
            self.total_seconds * 1000.0,
            found,
            budget,
            queries,
        )
        return report, mode

    # -- activation ----------------------------------------------------------------------
    def activate(self) -> None:
        if self._token is not None:
            raise RuntimeError(f"unit of work {self.name!r} is already active")
        self.parent = _CURRENT.get()
        if self.parent is not None and self.parent.capture:
            self.capture = True  # the parent's capture must see the nested statements too
        self._token = _CURRENT.set(self)

    def deactivate(self) -> None:
        """Leave the unit (in the context that entered it) and fold its counts into the
        parent."""
        token, self._token = self._token, None
        if token is None:
            return
        _CURRENT.reset(token)
        parent = self.parent
        if parent is not None:
            with self._lock:
                count, seconds, queries = self.query_count, self.total_seconds, list(self.queries)
            with parent._lock:
                parent.query_count += count
                parent.total_seconds += seconds
                if parent.capture:
                    room = MAX_CAPTURED - len(parent.queries)
                    parent.queries.extend(queries[:room])
                    parent.dropped += max(0, len(queries) - room)

    def publish(self, report: UnitReport) -> UnitReport:
        """Hand a report with problems to every instrumentation that saw this unit; return it
        narrowed to the N+1 findings that are new to at least one of them."""
        if not self._sinks:
            return report
        fresh: dict[tuple[object, ...], NPlusOne] = {}
        for sink in list(self._sinks):
            try:
                for finding in sink.publish(report):
                    fresh[
                        (finding.kind, finding.relationship, finding.fingerprint, finding.call_site)
                    ] = finding
            except Exception:  # a broken sink must not break the application
                logger.debug("pgsage: publishing a unit report failed", exc_info=True)
        return replace(
            report,
            nplusone=tuple(
                f
                for f in report.nplusone
                if (f.kind, f.relationship, f.fingerprint, f.call_site) in fresh
            ),
        )


def act_on(
    report: UnitReport, mode: Mode | None, *, body_failed: bool = False, stacklevel: int = 3
) -> None:
    """Log, warn or raise for a report with problems, as ``mode`` says."""
    if not report.has_problems:
        return
    if mode == "raise" and not body_failed:
        raise (NPlusOneError if report.nplusone else QueryBudgetError)(report)
    if mode == "warn":
        warnings.warn(str(report), NPlusOneWarning, stacklevel=stacklevel)
        return
    logger.warning(
        "%s",
        report,
        extra={
            "unit": report.unit,
            "request_id": report.request_id,
            "query_count": report.query_count,
            "nplusone": [f.to_dict() for f in report.nplusone],
            "max_queries": report.budget.max_queries if report.budget else None,
        },
    )


class UnitScope:
    """``with unit_of_work(...)`` / ``async with unit_of_work(...)``; yields the Unit."""

    def __init__(self, unit: Unit) -> None:
        self.unit = unit

    def __enter__(self) -> Unit:
        self.unit.activate()
        return self.unit

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        finish(self.unit, body_failed=exc_type is not None, stacklevel=4)

    async def __aenter__(self) -> Unit:
        return self.__enter__()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        finish(self.unit, body_failed=exc_type is not None, stacklevel=4)


def finish(unit: Unit, *, body_failed: bool = False, stacklevel: int = 3) -> UnitReport | None:
    """Deactivate ``unit``, publish its problems and act on them (may raise). Returns the
    report, or None when the unit cannot have problems (the common case, kept cheap)."""
    unit.deactivate()
    if unit.max_queries is None and not unit.may_have_nplusone():
        return None
    report, mode = unit.report()
    if report.has_problems:
        dispatch(unit, report, mode, body_failed=body_failed, stacklevel=stacklevel + 1)
    return report


def dispatch(
    unit: Unit,
    report: UnitReport,
    mode: Mode | None,
    *,
    body_failed: bool = False,
    stacklevel: int = 3,
) -> None:
    """Publish a report with problems and act on it. Budgets are explicit requests: they are
    reported even with N+1 detection off ("log"). In "warn" mode a known N+1 pattern is not
    warned about again: one warning per pattern per process, not one per request."""
    fresh = unit.publish(report)
    action: Mode = mode if mode is not None else "log"
    if action == "warn":
        if not fresh.has_problems:
            return
        report = fresh
    act_on(report, action, body_failed=body_failed, stacklevel=stacklevel + 1)


def unit_of_work(
    name: str,
    *,
    nplusone: Mode | Inherit | None = INHERIT,
    threshold: int | None = None,
    min_total_ms: float | None = None,
    max_queries: int | None = None,
    capture: bool = False,
    request_id: str | None = None,
) -> UnitScope:
    """Scope N+1 detection and a query budget to a block (sync or async).

    ``nplusone`` defaults to the enclosing unit's mode, else the instrumented engine's.
    ``threshold``/``min_total_ms`` are the repeat gates (defaults: the engine's, which are
    5 repeats and 50 ms at runtime). In ``"raise"`` mode the block's exit raises
    :class:`NPlusOneError` (or :class:`QueryBudgetError`) carrying the report.
    """
    return UnitScope(
        Unit(
            name,
            nplusone=nplusone,
            threshold=threshold,
            min_total_ms=min_total_ms,
            max_queries=max_queries,
            capture=capture,
            request_id=request_id,
        )
    )


def strictest(modes: Iterable[Mode | None]) -> Mode | None:
    return max(modes, key=_STRICTNESS.__getitem__, default=None)
