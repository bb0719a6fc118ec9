"""``instrument(engine)``: SQLAlchemy event listeners for timing, the slow-query log, metrics,
pool statistics, EXPLAIN sampling and the N+1 detector; ``.remove()`` takes all of it off again.

Hot path: every statement costs two cursor listeners, one LRU lookup (fingerprint, name and
histogram child are computed once per statement text) and one histogram observation. The call
site walk and the unit bookkeeping only happen inside a unit of work or for a slow statement.
Nothing a listener does may raise into the application: errors are logged, rate-limited.
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from time import perf_counter
from types import TracebackType
from typing import Any, Final

from sqlalchemy import event, exc
from sqlalchemy.engine import Engine, ExceptionContext
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
        nplusone_min_total_ms: float = RUNTIME_GATES.min_total_ms,
        explain_threshold_ms: float | None = None,
        explain_every_s: float = 60.0,
        explain_timeout_ms: int = 2000,
        pool_warn_utilisation: float | None = 0.8,
        pool_warn_after_s: float = 30.0,
        pool_warn_every_s: float = 300.0,
        metrics_top_k: int = 50,
        statement_cache_size: int = 2048,
        orm_events: bool = True,
    ) -> None:
        sync_engine = getattr(engine, "sync_engine", engine)
        if not isinstance(sync_engine, Engine):
            raise UsageError(f"instrument() needs a SQLAlchemy Engine or AsyncEngine, "
                             f"not {type(engine).__name__}")
        if getattr(sync_engine, _MARKER, None) is not None:
            raise UsageError("this engine is already instrumented; call .remove() on the "
                             "first handle before instrumenting it again")
        self.engine: Engine = sync_engine
        self.name = name or sync_engine.url.database or "default"
        self._nplusone = check_mode(nplusone)
        self._gates = Gates(nplusone_threshold, nplusone_min_total_ms)
        self._slow_s = slow_query_ms / 1000.0 if slow_query_ms is not None else float("inf")
        self.events = EventLog()
        self._callsite = CallSiteFinder()
        self._listeners: list[tuple[Any, str, Callable[..., Any]]] = []
        self._wrapped_pool: Any = None
        self._last_error_log = 0.0
        self._removed = False

        self._owns_metrics = metrics is True
        self.metrics: QueryMetrics | None = (
            QueryMetrics(registry, top_k=metrics_top_k) if metrics is True
            else metrics if isinstance(metrics, QueryMetrics) else None)
        self._watch = None if pool_warn_utilisation is None else PoolWatch(
            self.name, lambda: self.engine.pool, threshold=pool_warn_utilisation,
            after_s=pool_warn_after_s, every_s=pool_warn_every_s)
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
            threshold_ms = explain_threshold_ms if explain_threshold_ms is not None \
                else (slow_query_ms if slow_query_ms is not None else 1000)
            self._explain = ExplainSampler(
                sync_engine, async_engine, self.events, threshold_s=threshold_ms / 1000.0,
                every_s=explain_every_s, timeout_ms=explain_timeout_ms)
        self._explain_s = self._explain.threshold_s if self._explain else float("inf")

        # do_orm_execute names the relationship of a lazy load; without it lazy loads are
        # still caught as repeated statements. Any listener on it makes SQLAlchemy prepare
        # every ORM execution twice, hence the switch.
        self._orm_events = orm_events
        self._entry = functools.lru_cache(maxsize=statement_cache_size)(self._make_entry)
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

    # -- installing and removing -----------------------------------------------------------
    def _listen(self, target: Any, identifier: str, fn: Callable[..., Any],
                **kwargs: Any) -> None:
        event.listen(target, identifier, fn, **kwargs)
        self._listeners.append((target, identifier, fn))

    def _install(self) -> None:
        engine = self.engine
        setattr(engine, _MARKER, self)
        try:
            # retval=True saves the wrapper SQLAlchemy puts around plain listeners.
            self._listen(engine, "before_cursor_execute", self._before_cursor_execute,
                         retval=True)
            self._listen(engine, "after_cursor_execute", self._after_cursor_execute)
            self._listen(engine, "handle_error", self._handle_error)
            if self._orm_events:
                self._listen(Session, "do_orm_execute", self._do_orm_execute)
            if self._watch is not None:
                self._listen(engine, "checkout", self._on_checkout)
                self._listen(engine, "checkin", self._on_checkin)
            if self.metrics is not None:
                self._listen(engine, "connect", self._on_connect)
                self._listen(engine, "engine_disposed", self._on_engine_disposed)
                self._wrap_pool(engine.pool)
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
        self._unwrap_pool()
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

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.remove()

    # The checkout wait needs a start time, and no pool event fires before a checkout
    # begins: the pool's connect() is wrapped on the instance (and unwrapped by remove()).
    def _wrap_pool(self, pool: Any) -> None:
        metrics = self.metrics
        if metrics is None or "connect" in vars(pool):
            return
        original = pool.connect
        wait = metrics.checkout_wait.labels(self.name).observe
        timeouts = metrics.checkout_timeouts.labels(self.name).inc

        def connect() -> Any:
            started = perf_counter()
            try:
                return original()
            except exc.TimeoutError:
                _quietly(timeouts)
                raise
            finally:
                _quietly(wait, perf_counter() - started)

        connect.__pgsage__ = True  # type: ignore[attr-defined]
        pool.connect = connect
        self._wrapped_pool = pool

    def _unwrap_pool(self) -> None:
        for pool in (self._wrapped_pool, self.engine.pool):
            if pool is not None and getattr(vars(pool).get("connect"), "__pgsage__", False):
                del pool.connect
        self._wrapped_pool = None

    def _on_engine_disposed(self, engine: Engine) -> None:
        # dispose() replaces the pool; listeners are copied over, the wrapper is not.
        try:
            self._unwrap_pool()
            self._wrap_pool(engine.pool)
        except Exception:
            self._internal_error()

    # -- statements --------------------------------------------------------------------
    def _make_entry(self, statement: str) -> _Entry:
        shape = analyse(statement)
        metrics = self.metrics
        return _Entry(shape, metrics.observer(shape) if metrics is not None else None)

    # The start time lives on the ExecutionContext (one per execution; nested and concurrent
    # executions each have their own), under a name no SQLAlchemy attribute uses.
    def _before_cursor_execute(self, conn: Any, cursor: Any, statement: str, parameters: Any,
                               context: Any, executemany: bool) -> tuple[str, Any]:
        if context is not None:
            context._pgsage_started = perf_counter()
        return statement, parameters

    def _after_cursor_execute(self, conn: Any, cursor: Any, statement: str, parameters: Any,
                              context: Any, executemany: bool) -> None:
        try:
            started = context._pgsage_started
        except AttributeError:
            return
        if started is None:
            return
        seconds = perf_counter() - started
        context._pgsage_started = None  # a later handle_error must not count it again
        try:
            entry = self._entry(statement)
            if entry.observe is not None:
                entry.observe(seconds)
            unit = current_unit()
            slow = seconds >= self._slow_s
            if unit is None and not slow:
                if logger.isEnabledFor(logging.DEBUG):
                    logger.debug("query %s: %.2f ms", entry.shape.name, seconds * 1000)
                return
            # Start above this listener and SQLAlchemy's dispatch frame, which are never the
            # call site: each frame looked at costs a frame object on Python 3.11.
            call_site = self._callsite.find(2)
            rows = None
            if slow or (unit is not None and unit.capture):
                count = getattr(cursor, "rowcount", -1)
                rows = count if isinstance(count, int) and count >= 0 else None
            if unit is not None:
                unit.record(self, entry.shape, seconds, call_site, parameters, rows,
                            context.execution_options.get(TAG_OPTION), executemany)
            if slow:
                self._slow(entry.shape, seconds, rows, call_site, unit)
            if seconds >= self._explain_s and self._explain is not None and not executemany:
                self._explain.maybe_sample(entry.shape, statement, parameters, seconds)
        except Exception:
            self._internal_error()

    def _handle_error(self, ctx: ExceptionContext) -> None:
        try:
            if self.metrics is not None:
                sqlstate = getattr(ctx.original_exception, "sqlstate", None)
                self.metrics.count_error(sqlstate if isinstance(sqlstate, str) else None)
            context: Any = ctx.execution_context
            started = getattr(context, "_pgsage_started", None)
            if started is None or ctx.statement is None:
                return
            seconds = perf_counter() - started
            context._pgsage_started = None
            entry = self._entry(ctx.statement)
            if entry.observe is not None:
                entry.observe(seconds)
            unit = current_unit()
            if unit is None and seconds < self._slow_s:
                return
            call_site = self._callsite.find()
            if unit is not None:
                unit.record(self, entry.shape, seconds, call_site, ctx.parameters, error=True)
            if seconds >= self._slow_s:
                self._slow(entry.shape, seconds, None, call_site, unit, error=True)
        except Exception:
            self._internal_error()

    def _slow(self, shape: StatementShape, seconds: float, rows: int | None, call_site: str,
              unit: Unit | None, *, error: bool = False) -> None:
        ms = seconds * 1000.0
        unit_name = unit.name if unit is not None else None
        request_id = unit.request_id if unit is not None else None
        self.events.add_slow(SlowQuery(shape.name, shape.fingerprint, shape.sql, ms, rows,
                                       call_site, unit_name, request_id))
        logger.warning(
            "slow query %s: %.1f ms, %s rows%s at %s%s", shape.name, ms,
            "?" if rows is None else rows, " (failed)" if error else "", call_site,
            f" in {unit_name}" if unit_name else "",
            extra={"fingerprint": shape.fingerprint, "statement": shape.name, "sql": shape.sql,
                   "duration_ms": round(ms, 3), "rows": rows, "call_site": call_site,
                   "unit": unit_name, "request_id": request_id, "failed": error})

    # -- ORM: what kind of load a SELECT is ------------------------------------------------
    def _do_orm_execute(self, state: ORMExecuteState) -> None:
        # Top-level queries, the common case, are told apart with the fewest property
        # reads; only relationship and column loads are tagged.
        if current_unit() is None:
            return
        try:
            if not state.is_select:
                return
            if state.is_relationship_load:
                parent = state.lazy_loaded_from
                tag = _EAGER if parent is None else self._lazy_tag(state, parent)
            elif state.is_column_load:
                tag = _REFRESH
            else:
                return
            state.update_execution_options(**{TAG_OPTION: tag})
        except Exception:
            self._internal_error()

    @staticmethod
    def _lazy_tag(state: ORMExecuteState, parent: Any) -> LoadTag:
        path = state.loader_strategy_path
        prop = getattr(path, "prop", None)
        if prop is None:  # a lazy load is always on a relationship path; be defensive
            return LoadTag("lazy", relationship=f"{parent.class_.__name__}.?",
                           parent_key=getattr(parent, "runid", None))
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

    # -- pool --------------------------------------------------------------------------
    def _on_checkout(self, dbapi_connection: Any, record: Any, proxy: Any) -> None:
        try:
            if self._watch is not None:
                self._watch.quick_check()
        except Exception:
            self._internal_error()

    def _on_checkin(self, dbapi_connection: Any, record: Any) -> None:
        # Only a pool that is currently high needs a look on the way down.
        try:
            if self._watch is not None and self._watch.is_high:
                self._watch.check()
        except Exception:
            self._internal_error()

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
            logger.warning("pgsage instrumentation failed (ignored; the application goes on)",
                           exc_info=True)


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
    return Instrumentation(engine, slow_query_ms=slow_query_ms, nplusone=nplusone,
                           metrics=metrics, explain_slow=explain_slow, **options)
