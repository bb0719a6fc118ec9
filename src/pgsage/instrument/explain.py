"""EXPLAIN sampling for slow SELECTs: plain ``EXPLAIN (FORMAT JSON)``, never ANALYZE (it would
run the statement again, and some SELECTs write through functions).

The plan is fetched off the application's path: in a worker thread for sync engines, in an
asyncio task for async ones, on a connection of the engine's own pool under a short
``statement_timeout``. When the pool is exhausted the sample is skipped instead of queueing
behind the application, at most one plan per statement shape is taken per ``every_s`` and at
most ``max_pending`` are in flight. Failures are logged at DEBUG and never reach the caller.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

from sqlalchemy.pool import AssertionPool, SingletonThreadPool, StaticPool

from pgsage.instrument.events import EventLog
from pgsage.instrument.pool import pool_stats
from pgsage.instrument.shape import StatementShape

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection, Engine
    from sqlalchemy.ext.asyncio import AsyncEngine

logger = logging.getLogger("pgsage.instrument")
# Pools that hand out one shared connection: an EXPLAIN there would run inside the
# application's transaction.
_SHARED_CONNECTION_POOLS = (StaticPool, SingletonThreadPool, AssertionPool)
MAX_REMEMBERED = 1000


def summarise_plan(plan: Any) -> str:
    """``Seq Scan on orders; Index Scan on users; top: Hash Join, cost 1234.5, 10000 rows``."""
    try:
        root = plan[0]["Plan"]
    except (LookupError, TypeError):
        return "plan not understood"
    scans: list[str] = []
    stack = [root]
    while stack:
        node = stack.pop()
        relation = node.get("Relation Name")
        if relation and "Scan" in str(node.get("Node Type", "")):
            text = f"{node['Node Type']} on {relation}"
            if text not in scans:
                scans.append(text)
        stack.extend(reversed(node.get("Plans", [])))
    top = (
        f"top: {root.get('Node Type')}, cost {root.get('Total Cost')}, {root.get('Plan Rows')} rows"
    )
    return "; ".join([*scans, top])


class ExplainSampler:
    def __init__(
        self,
        engine: Engine,
        async_engine: AsyncEngine | None,
        events: EventLog,
        *,
        threshold_s: float,
        every_s: float = 60.0,
        timeout_ms: int = 2000,
        max_pending: int = 2,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._engine = engine
        self._async_engine = async_engine
        self._events = events
        self.threshold_s = threshold_s
        self.every_s = every_s
        self.timeout_ms = int(timeout_ms)
        self.max_pending = max_pending
        self._clock = clock
        self._last: dict[str, float] = {}
        self._pending = 0
        self._lock = threading.Lock()
        self._executor: ThreadPoolExecutor | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._closed = False

    def _reserve(self, fingerprint: str) -> bool:
        now = self._clock()
        with self._lock:
            if self._closed or self._pending >= self.max_pending:
                return False
            last = self._last.get(fingerprint)
            if last is not None and now - last < self.every_s:
                return False
            if len(self._last) >= MAX_REMEMBERED:
                self._last = {k: v for k, v in self._last.items() if now - v < self.every_s}
            self._last[fingerprint] = now
            self._pending += 1
            return True

    def _release(self) -> None:
        with self._lock:
            self._pending -= 1

    def _pool_has_room(self) -> bool:
        pool = self._engine.pool
        if isinstance(pool, _SHARED_CONNECTION_POOLS):
            return False
        stats = pool_stats(pool)
        capacity = stats.capacity if stats is not None else None
        return stats is None or capacity is None or stats.checked_out < capacity

    def maybe_sample(
        self, shape: StatementShape, statement: str, parameters: Any, seconds: float
    ) -> None:
        if seconds < self.threshold_s or not shape.is_select:
            return
        if not self._pool_has_room() or not self._reserve(shape.fingerprint):
            return
        params: Any = (
            dict(parameters)
            if isinstance(parameters, Mapping)
            else tuple(parameters)
            if isinstance(parameters, Sequence)
            else parameters
        )
        try:
            if self._async_engine is not None:
                task = asyncio.get_running_loop().create_task(
                    self._explain_async(shape, statement, params)
                )
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)
            else:
                if self._executor is None:
                    self._executor = ThreadPoolExecutor(1, thread_name_prefix="pgsage-explain")
                self._executor.submit(self._explain_sync, shape, statement, params)
        except Exception:
            self._release()
            logger.debug("pgsage: could not schedule EXPLAIN", exc_info=True)

    def _explain_on(self, connection: Connection, statement: str, params: Any) -> Any:
        # A raw DBAPI cursor: the EXPLAIN must not go through (and be timed by) our own cursor
        # events. A plain SET works with autocommit engines too: in a transaction the rollback
        # undoes it, in autocommit the RESET does.
        dbapi = connection.connection
        cursor = dbapi.cursor()
        try:
            cursor.execute(f"SET statement_timeout = {self.timeout_ms}")
            try:
                if params:
                    cursor.execute("EXPLAIN (FORMAT JSON) " + statement, params)
                else:
                    cursor.execute("EXPLAIN (FORMAT JSON) " + statement)
                row = cursor.fetchone()
            finally:
                dbapi.rollback()
                cursor.execute("RESET statement_timeout")
        except Exception:
            connection.invalidate()  # never hand a connection in an unknown state back
            raise
        finally:
            cursor.close()
        return row[0] if row else None

    def _explain_sync(self, shape: StatementShape, statement: str, params: Any) -> None:
        try:
            with self._engine.connect() as connection:
                plan = self._explain_on(connection, statement, params)
            self._done(shape, plan)
        except Exception:
            logger.debug("pgsage: EXPLAIN of %s failed", shape.name, exc_info=True)
        finally:
            self._release()

    async def _explain_async(self, shape: StatementShape, statement: str, params: Any) -> None:
        assert self._async_engine is not None
        try:
            async with asyncio.timeout(self.timeout_ms / 1000.0 + 1.0):
                async with self._async_engine.connect() as connection:
                    plan = await connection.run_sync(
                        lambda sync: self._explain_on(sync, statement, params)
                    )
            self._done(shape, plan)
        except Exception:
            logger.debug("pgsage: EXPLAIN of %s failed", shape.name, exc_info=True)
        finally:
            self._release()

    def _done(self, shape: StatementShape, plan: Any) -> None:
        if plan is None:
            return
        summary = summarise_plan(plan)
        self._events.add_plan(shape.fingerprint, plan, summary)
        logger.info(
            "EXPLAIN of slow statement %s: %s",
            shape.name,
            summary,
            extra={
                "fingerprint": shape.fingerprint,
                "statement": shape.name,
                "sql": shape.sql,
                "plan": plan,
                "plan_summary": summary,
            },
        )

    def close(self) -> None:
        with self._lock:
            self._closed = True
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)
        for task in list(self._tasks):
            task.cancel()

    def wait(self, timeout: float = 10.0) -> None:
        """Block until the sync samples in flight are done (tests, shutdown)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if self._pending == 0:
                    return
            time.sleep(0.01)
