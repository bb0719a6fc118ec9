"""``instrument(engine)``: timing, the slow-query log, metrics, pool statistics, EXPLAIN
sampling and the N+1 detector on a SQLAlchemy engine; ``.remove()`` takes all of it off again.

Hot path: every statement costs a wrapper around the dialect's do_execute, one LRU lookup
(fingerprint, name and histogram child are computed once per statement text) and one histogram
observation. The call site walk and the unit bookkeeping only happen inside a unit of work or
for a slow statement. Nothing pgsage does may raise into the application: its own errors are
logged, rate-limited.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from time import perf_counter
from types import TracebackType
from typing import Any, Final

from sqlalchemy import event, exc
from sqlalchemy.engine import Engine
from sqlalchemy.orm import ORMExecuteState, Session

from pgsage.errors import UsageError
from pgsage.instrument.callsite import CallSiteFinder
from pgsage.instrument.events import EventLog
from pgsage.instrument.explain import ExplainSampler
from pgsage.instrument.findings import NPlusOne, SlowQuery, UnitReport
from pgsage.instrument.metrics import QueryMetrics
from pgsage.instrument.pool import PoolWatch
from pgsage.instrument.shape import StatementShape, analyse
from pgsage.instrument.unit import (
    RUNTIME_GATES,
    Gates,
    LoadTag,
    Mode,
    Unit,
    check_mode,
    current_unit,
)

logger = logging.getLogger("pgsage.instrument")
TAG_OPTION: Final = "pgsage_load"  # execution option carrying a LoadTag to the cursor events
_MARKER: Final = "_pgsage_instrumentation"  # attribute set on the instrumented Engine
_EAGER: Final = LoadTag("eager")
_REFRESH: Final = LoadTag("refresh")
ERROR_LOG_EVERY_S = 60.0
# Share of runtime units of work (requests) whose statements the N+1 detector tracks; the rest
# are only counted. An N+1 on a live endpoint repeats in request after request, so a sample
# finds it, at a tenth of the per-statement cost (docs/instrument.md, "Overhead"). Tests and
# "raise" mode always see every statement.
DEFAULT_SAMPLE_RATE = 0.1
# The first units of work of an instrumentation are all tracked, so that a developer trying an
# endpoint or two sees its N+1 at once; sampling starts after them.
SAMPLE_AFTER_UNITS = 100
# The dialect methods every statement goes through, and whether they run executemany.
_DIALECT_METHODS: Final = (
    ("do_execute", False),
    ("do_executemany", True),
    ("do_execute_no_params", False),
)


@dataclass(frozen=True, slots=True)
class _Entry:
    shape: StatementShape
    observe: Callable[[float], None] | None


def _table_name(mapper: Any) -> str | None:
    name = getattr(getattr(mapper, "local_table", None), "name", None)
    return str(name) if name else None


class Instrumentation:
    """The handle ``instrument()`` returns. ``remove()`` detaches every listener it added."""

    def __init__(
        self,
        engine: Any,
        *,
        slow_query_ms: float | None = 1000,
        nplusone: Mode | None = "warn",
        metrics: bool | QueryMetrics = True,
        explain_slow: bool = False,
        registry: Any = None,
        name: str | None = None,
        nplusone_threshold: int = RUNTIME_GATES.min_repeats,
        nplusone_min_total_ms: float | None = None,
        nplusone_sample_rate: float = DEFAULT_SAMPLE_RATE,
        explain_threshold_ms: float | None = None,
        explain_every_s: float = 60.0,
        explain_timeout_ms: int = 2000,
        pool_warn_utilisation: float | None = 0.8,
        pool_warn_after_s: float = 30.0,
        pool_warn_every_s: float = 300.0,
        metrics_top_k: int = 50,
        statement_cache_size: int = 2048,
        orm_events: bool = False,
    ) -> None:
        sync_engine = getattr(engine, "sync_engine", engine)
        if not isinstance(sync_engine, Engine):
            raise UsageError(
                f"instrument() needs a SQLAlchemy Engine or AsyncEngine, "
                f"not {type(engine).__name__}"
            )
        if getattr(sync_engine, _MARKER, None) is not None:
            raise UsageError(
                "this engine is already instrumented; call .remove() on the "
                "first handle before instrumenting it again"
            )
        self.engine: Engine = sync_engine
        self.name = name or sync_engine.url.database or "default"
        self._nplusone = check_mode(nplusone)
        self._gates = Gates(nplusone_threshold, nplusone_min_total_ms)
        if not 0.0 < nplusone_sample_rate <= 1.0:
            raise UsageError(f"nplusone_sample_rate must be in (0, 1], not {nplusone_sample_rate}")
        # Every k-th runtime unit of work is tracked: deterministic, evenly spread.
        self._sample_every = max(1, round(1.0 / nplusone_sample_rate))
        self._units_seen = itertools.count()
        self._slow_s = slow_query_ms / 1000.0 if slow_query_ms is not None else float("inf")
        self.events = EventLog()
        self._callsite = CallSiteFinder()
        self._listeners: list[tuple[Any, str, Callable[..., Any]]] = []
        self._wrapped_dialect: Any = None
        self._last_error_log = 0.0
        self._removed = False

        self._owns_metrics = metrics is True
        self.metrics: QueryMetrics | None = (
            QueryMetrics(registry, top_k=metrics_top_k)
            if metrics is True
            else metrics
            if isinstance(metrics, QueryMetrics)
            else None
        )
        self._watch = (
            None
            if pool_warn_utilisation is None
            else PoolWatch(
                self.name,
                lambda: self.engine.pool,
                threshold=pool_warn_utilisation,
                after_s=pool_warn_after_s,
                every_s=pool_warn_every_s,
            )
        )
        if self.metrics is not None:
            try:
                self.metrics.pools.add(self.name, lambda: self.engine.pool, self._watch)
            except UsageError:
                if self._owns_metrics:
                    self.metrics.unregister()
                raise

        self._explain: ExplainSampler | None = None
        if explain_slow:
            async_engine = engine if engine is not sync_engine else None
            if async_engine is None and sync_engine.dialect.is_async:
                from sqlalchemy.ext.asyncio import AsyncEngine

                async_engine = AsyncEngine(sync_engine)
            threshold_ms = (
                explain_threshold_ms
                if explain_threshold_ms is not None
                else (slow_query_ms if slow_query_ms is not None else 1000)
            )
            self._explain = ExplainSampler(
                sync_engine,
                async_engine,
                self.events,
                threshold_s=threshold_ms / 1000.0,
                every_s=explain_every_s,
                timeout_ms=explain_timeout_ms,
            )
        self._explain_s = self._explain.threshold_s if self._explain else float("inf")
        # Faster statements outside followed units take the wrapper's fast path.
        self._notable_s = min(self._slow_s, self._explain_s)

        # What kind of ORM load a statement is (lazy, eager, refresh) is read at the dialect
        # from what the ORM passes down (_orm_load_tag). orm_events=True reads it instead from
        # the public do_orm_execute hook — a listener on the Session class, which makes
        # SQLAlchemy prepare every ORM execution of every session twice.
        self._orm_events = orm_events
        # Shape, name and histogram child per statement text: a plain dict read on the hot path
        # (a third of an lru_cache call), the oldest entry dropped when it is full.
        self._entries: dict[str, _Entry] = {}
        self._cache_size = max(1, statement_cache_size)
        self._install()

    # -- Sink (what units of work read from the instrumentation) --------------------------
    @property
    def nplusone_mode(self) -> Mode | None:
        return self._nplusone

    @property
    def gates(self) -> Gates:
        return self._gates

    def publish(self, report: UnitReport) -> tuple[NPlusOne, ...]:
        return self.events.add_report(report)

    def _tracks(self, unit: Unit) -> bool:
        """Whether the N+1 detector follows this unit's statements (see DEFAULT_SAMPLE_RATE)."""
        if self._sample_every == 1 or unit.needs_every_statement() or self._nplusone == "raise":
            return True
        number = next(self._units_seen)
        return number < SAMPLE_AFTER_UNITS or number % self._sample_every == 0

    # -- installing and removing -----------------------------------------------------------
    def _listen(self, target: Any, identifier: str, fn: Callable[..., Any], **kwargs: Any) -> None:
        event.listen(target, identifier, fn, **kwargs)
        self._listeners.append((target, identifier, fn))

    def _install(self) -> None:
        engine = self.engine
        setattr(engine, _MARKER, self)
        try:
            # No Connection-level listener (handle_error, engine_disposed, cursor events):
            # one of them switches on SQLAlchemy's event dispatch at every execution step.
            self._wrap_dialect(engine.dialect)
            if self._orm_events:
                self._listen(Session, "do_orm_execute", self._do_orm_execute)
            if self.metrics is not None:
                self._listen(engine, "connect", self._on_connect)
            self._wrap_checkout(engine)
        except Exception:
            self.remove()
            raise

    def remove(self) -> None:
        """Detach every listener, restore the pool, unregister owned metrics. Idempotent."""
        if self._removed:
            return
        self._removed = True
        for target, identifier, fn in reversed(self._listeners):
            try:
                if event.contains(target, identifier, fn):
                    event.remove(target, identifier, fn)
            except exc.InvalidRequestError:
                logger.debug("pgsage: listener %s already gone", identifier, exc_info=True)
        self._listeners.clear()
        self._unwrap_dialect()
        self._unwrap_checkout()
        if self.metrics is not None:
            self.metrics.pools.discard(self.name)
            if self._owns_metrics:
                self.metrics.unregister()
        if self._explain is not None:
            self._explain.close()
        if getattr(self.engine, _MARKER, None) is self:
            delattr(self.engine, _MARKER)

    def __enter__(self) -> Instrumentation:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.remove()

    # The checkout wait needs a start time, and no pool event fires before a checkout
    # begins: the engine's raw_connection() (every Connection's checkout, whichever pool
    # engine.dispose() left in place) is wrapped on the instance and unwrapped by remove().
    # The pool utilisation watch looks at the pool there too, instead of checkout/checkin
    # listeners (two event dispatches per checkout); a pool that went back down is seen at
    # the next checkout.
    def _wrap_checkout(self, engine: Engine) -> None:
        metrics, watch = self.metrics, self._watch
        if (metrics is None and watch is None) or "raw_connection" in vars(engine):
            return
        original = engine.raw_connection
        wait = metrics.checkout_wait.labels(self.name).observe if metrics is not None else None
        timeouts = metrics.checkout_timeouts.labels(self.name).inc if metrics is not None else None

        def raw_connection() -> Any:
            started = perf_counter()
            try:
                connection = original()
            except exc.TimeoutError:
                if timeouts is not None:
                    _quietly(timeouts)
                raise
            finally:
                if wait is not None:
                    _quietly(wait, perf_counter() - started)
            if watch is not None:
                try:
                    watch.quick_check()
                except Exception:
                    self._internal_error()
            return connection

        raw_connection.__pgsage__ = True  # type: ignore[attr-defined]
        engine.raw_connection = raw_connection  # type: ignore[method-assign]

    def _unwrap_checkout(self) -> None:
        if getattr(vars(self.engine).get("raw_connection"), "__pgsage__", False):
            del self.engine.raw_connection

    # -- statements --------------------------------------------------------------------
    def _entry(self, statement: str) -> _Entry:
        entry = self._entries.get(statement)
        if entry is None:
            shape = analyse(statement)
            metrics = self.metrics
            entry = _Entry(shape, metrics.observer(shape) if metrics is not None else None)
            entries = self._entries
            if len(entries) >= self._cache_size:
                with contextlib.suppress(StopIteration, KeyError):  # another thread's pop
                    del entries[next(iter(entries))]
            entries[statement] = entry
        return entry

    # Statements are timed around the dialect's do_execute / do_executemany /
    # do_execute_no_params, wrapped on this engine's dialect instance, rather than with
    # before/after_cursor_execute and handle_error listeners: SQLAlchemy's event dispatch
    # alone costs more per statement than everything pgsage does (docs/instrument.md,
    # "Overhead"). The wrapper sees the driver's own exception, SQLSTATE included.
    def _wrap_dialect(self, dialect: Any) -> None:
        for method, many in _DIALECT_METHODS:
            if method in vars(dialect):  # someone else's wrapper: leave the method alone
                continue
            setattr(dialect, method, self._timed(getattr(dialect, method), many))
        self._wrapped_dialect = dialect

    def _unwrap_dialect(self) -> None:
        dialect = self._wrapped_dialect
        if dialect is None:
            return
        for method, _ in _DIALECT_METHODS:
            if getattr(vars(dialect).get(method), "__pgsage__", False):
                delattr(dialect, method)
        self._wrapped_dialect = None

    def _timed(self, original: Callable[..., Any], executemany: bool) -> Callable[..., Any]:
        finish = self._finish
        entries = self._entries

        # (cursor, statement, parameters, context), or (cursor, statement, context) for
        # do_execute_no_params.
        def timed(cursor: Any, statement: str, *rest: Any) -> Any:
            started = perf_counter()
            try:
                result = original(cursor, statement, *rest)
            except Exception as error:
                finish(cursor, statement, rest, executemany, perf_counter() - started, error)
                raise
            seconds = perf_counter() - started
            unit = current_unit()
            if seconds < self._notable_s and (unit is None or unit.counted_by is self):
                # The common cases: outside a unit of work, or in one the N+1 detector samples
                # out (after its first statement, which decided that): the histogram (and the
                # unit's count), nothing else.
                try:
                    entry = entries.get(statement)
                    # The dialect's setup queries run once, at the first connect: a statement
                    # seen before is the application's.
                    if entry is None:
                        context = _arguments(rest)[1]
                        if context is not None and _is_dialect_setup(context):
                            return result
                        entry = self._entry(statement)
                    if entry.observe is not None:
                        entry.observe(seconds)
                    if unit is not None:
                        unit.add(seconds)
                except Exception:
                    self._internal_error()
                return result
            finish(cursor, statement, rest, executemany, seconds, None)
            return result

        timed.__pgsage__ = True  # type: ignore[attr-defined]
        return timed

    def _finish(
        self,
        cursor: Any,
        statement: str,
        rest: tuple[Any, ...],
        executemany: bool,
        seconds: float,
        error: Exception | None,
    ) -> None:
        try:
            parameters, context = _arguments(rest)
            if context is not None and _is_dialect_setup(context):
                return
            entry = self._entry(statement)
            metrics = self.metrics
            if entry.observe is not None:
                entry.observe(seconds)
            if error is not None and metrics is not None:
                sqlstate = getattr(error, "sqlstate", None) or getattr(error, "pgcode", None)
                metrics.count_error(sqlstate if isinstance(sqlstate, str) else None)
            unit = current_unit()
            slow = seconds >= self._slow_s
            tracked = unit is not None
            if unit is not None and not unit.detects(self, self._tracks):
                unit.count(self, seconds)
                tracked = False
            if not tracked and not slow and seconds < self._explain_s:
                return
            # Start above this method and the wrapper, which are never the call site: each
            # frame looked at costs a frame object on Python 3.11.
            call_site = self._callsite.find(2)
            rows = None
            if error is None and (slow or (unit is not None and unit.capture)):
                count = getattr(cursor, "rowcount", -1)
                rows = count if isinstance(count, int) and count >= 0 else None
            if tracked and unit is not None:
                tag = None
                if context is not None:
                    tag = context.execution_options.get(TAG_OPTION) or _orm_load_tag(context)
                unit.record(
                    self,
                    entry.shape,
                    seconds,
                    call_site,
                    parameters,
                    rows,
                    tag,
                    executemany,
                    error=error is not None,
                )
            if slow:
                self._slow(entry.shape, seconds, rows, call_site, unit, error=error is not None)
            if (
                error is None
                and seconds >= self._explain_s
                and self._explain is not None
                and not executemany
            ):
                self._explain.maybe_sample(entry.shape, statement, parameters, seconds)
        except Exception:
            self._internal_error()

    def _slow(
        self,
        shape: StatementShape,
        seconds: float,
        rows: int | None,
        call_site: str,
        unit: Unit | None,
        *,
        error: bool = False,
    ) -> None:
        ms = seconds * 1000.0
        unit_name = unit.name if unit is not None else None
        request_id = unit.request_id if unit is not None else None
        self.events.add_slow(
            SlowQuery(
                shape.name, shape.fingerprint, shape.sql, ms, rows, call_site, unit_name, request_id
            )
        )
        logger.warning(
            "slow query %s: %.1f ms, %s rows%s at %s%s",
            shape.name,
            ms,
            "?" if rows is None else rows,
            " (failed)" if error else "",
            call_site,
            f" in {unit_name}" if unit_name else "",
            extra={
                "fingerprint": shape.fingerprint,
                "statement": shape.name,
                "sql": shape.sql,
                "duration_ms": round(ms, 3),
                "rows": rows,
                "call_site": call_site,
                "unit": unit_name,
                "request_id": request_id,
                "failed": error,
            },
        )

    # -- ORM: what kind of load a SELECT is ------------------------------------------------
    def _do_orm_execute(self, state: ORMExecuteState) -> None:
        # Top-level queries, the common case, are told apart with the fewest property
        # reads; only relationship and column loads are tagged, and only where the N+1
        # detector follows the unit.
        unit = current_unit()
        if unit is None or unit.sampled_out:
            return
        try:
            if not state.is_select:
                return
            if state.is_relationship_load:
                parent = state.lazy_loaded_from
                tag = _EAGER if parent is None else _lazy_tag(state.loader_strategy_path, parent)
            elif state.is_column_load:
                tag = _REFRESH
            else:
                return
            state.update_execution_options(**{TAG_OPTION: tag})
        except Exception:
            self._internal_error()

    # -- pool --------------------------------------------------------------------------
    def _on_connect(self, dbapi_connection: Any, record: Any) -> None:
        if self.metrics is not None:
            _quietly(self.metrics.connections_opened.labels(self.name).inc)

    # -- reports -----------------------------------------------------------------------
    def report_markdown(self) -> str:
        """The ``n1_queries_fixes.md`` section for everything captured so far."""
        from pgsage.instrument.report import render_markdown

        return render_markdown(self.events.snapshot())

    def wait_for_explains(self, timeout: float = 10.0) -> None:
        if self._explain is not None:
            self._explain.wait(timeout)

    def _internal_error(self) -> None:
        now = time.monotonic()
        if now - self._last_error_log >= ERROR_LOG_EVERY_S:
            self._last_error_log = now
            logger.warning(
                "pgsage instrumentation failed (ignored; the application goes on)", exc_info=True
            )


def _lazy_tag(path: Any, parent: Any) -> LoadTag:
    prop = getattr(path, "prop", None)
    if prop is None:  # a lazy load is always on a relationship path; be defensive
        return LoadTag(
            "lazy",
            relationship=f"{parent.class_.__name__}.?",
            parent_key=getattr(parent, "runid", None),
        )
    return LoadTag(
        "lazy",
        relationship=f"{prop.parent.class_.__name__}.{prop.key}",
        # runid identifies the query execution that loaded the parent object, so lazy
        # loads are grouped per parent query.
        parent_key=getattr(parent, "runid", None),
        parent_table=_table_name(parent.mapper),
        target_table=_table_name(getattr(prop, "mapper", None)),
        uselist=bool(getattr(prop, "uselist", True)),
    )


def _orm_load_tag(context: Any) -> LoadTag | None:
    """The kind of ORM load of a statement, read where ORMExecuteState reads it: the compiled
    SELECT's ORM compile options (the loader path, a refresh) — part of the statement's cache
    key, so the cached compiled statement's are this execution's — and the load options the
    ORM passes in the execution options (the parent of a lazy load). These are SQLAlchemy
    2.x internals: where one is missing, no tag, and a lazy load is still caught as a
    repeated statement."""
    options = getattr(getattr(context.compiled, "statement", None), "_compile_options", None)
    if options is None:
        return None
    if getattr(options, "_for_refresh_state", False):
        return _REFRESH
    path = getattr(options, "_current_path", None)
    if path is None or getattr(path, "is_root", True):
        return None
    load_options = context.execution_options.get("_sa_orm_load_options")
    parent = getattr(load_options, "_lazy_loaded_from", None)
    return _EAGER if parent is None else _lazy_tag(path, parent)


def _arguments(rest: tuple[Any, ...]) -> tuple[Any, Any]:
    """(parameters, context) of do_execute's (parameters, context), do_executemany's the same,
    do_execute_no_params's (context,), any of them called without the context."""
    last = rest[-1] if rest else None
    if last is not None and hasattr(last, "root_connection"):
        return (rest[0] if len(rest) > 1 else None), last
    return (rest[0] if rest else None), None


def _is_dialect_setup(context: Any) -> bool:
    """The dialect's own first-connect queries (version, standard_conforming_strings) run on
    a connection created with _has_events=False; they are not the application's. Other
    connections leave the attribute to the class."""
    return vars(context.root_connection).get("_has_events") is False


def _quietly(fn: Callable[..., Any], *args: Any) -> None:
    try:
        fn(*args)
    except Exception:
        logger.debug("pgsage: metric update failed", exc_info=True)


def instrument(
    engine: Any,
    *,
    slow_query_ms: float | None = 1000,
    nplusone: Mode | None = "warn",
    metrics: bool | QueryMetrics = True,
    explain_slow: bool = False,
    **options: Any,
) -> Instrumentation:
    """Instrument a SQLAlchemy ``Engine`` or ``AsyncEngine``; returns a handle with
    ``.remove()``.

    ``slow_query_ms``: log statements at least this slow (None: never). ``nplusone``: what a
    unit of work does with N+1 findings by default: "log", "warn", "raise" or None.
    ``metrics``: True (register in ``registry=``, default the global one), False, or a shared
    :class:`QueryMetrics`. ``explain_slow``: EXPLAIN sampled slow SELECTs. Other keyword
    options: see :class:`Instrumentation`.
    """
    return Instrumentation(
        engine,
        slow_query_ms=slow_query_ms,
        nplusone=nplusone,
        metrics=metrics,
        explain_slow=explain_slow,
        **options,
    )
