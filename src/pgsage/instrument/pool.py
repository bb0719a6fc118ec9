"""Connection pool statistics and the sustained-utilisation warning (seed 004: warn above 80 %).

Statistics are read from the pool when asked (at scrape time, or on a checkout for the
warning); nothing is counted per event, so the numbers cannot drift from the pool's own.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

logger = logging.getLogger("pgsage.instrument")


@dataclass(frozen=True, slots=True)
class PoolStats:
    size: int  # pool_size: connections kept open
    checked_out: int
    checked_in: int  # idle connections in the pool
    overflow: int  # connections open beyond pool_size
    max_overflow: int | None  # None: unlimited or not a QueuePool

    @property
    def capacity(self) -> int | None:
        if self.max_overflow is None:
            return None
        return self.size + self.max_overflow

    @property
    def utilisation(self) -> float | None:
        capacity = self.capacity
        return self.checked_out / capacity if capacity else None


def pool_stats(pool: Any) -> PoolStats | None:
    """Statistics of a QueuePool-like pool (QueuePool, AsyncAdaptedQueuePool); None for pools
    without them (NullPool, StaticPool, ...)."""
    try:
        size, checked_in = int(pool.size()), int(pool.checkedin())
        checked_out, overflow = int(pool.checkedout()), int(pool.overflow())
    except (AttributeError, TypeError, NotImplementedError):
        return None
    # QueuePool keeps _max_overflow private; -1 means unlimited.
    max_overflow = getattr(pool, "_max_overflow", None)
    if not isinstance(max_overflow, int) or max_overflow < 0:
        max_overflow = None
    # QueuePool's overflow counter starts at -pool_size and counts up as connections are
    # opened; only the positive part is "overflow" in the usual sense.
    return PoolStats(size, checked_out, checked_in, max(0, overflow), max_overflow)


class PoolWatch:
    """Warns once when utilisation stays above ``threshold`` for ``after_s`` seconds, then at
    most every ``every_s`` seconds while it lasts."""

    def __init__(
        self,
        name: str,
        source: Callable[[], Any],
        *,
        threshold: float = 0.8,
        after_s: float = 30.0,
        every_s: float = 300.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.name = name
        self._source = source
        self.threshold = threshold
        self.after_s = after_s
        self.every_s = every_s
        self._clock = clock
        self._high_since: float | None = None
        self._last_warning: float | None = None
        self._lock = threading.Lock()
        # (pool, the checked-out count above which it is "high"), recomputed when the engine
        # gets a new pool: a checkout then costs one checkedout() call.
        self._limit: tuple[Any, float | None] = (None, None)

    @property
    def is_high(self) -> bool:
        return self._high_since is not None

    def quick_check(self) -> None:
        """The per-checkout check: full statistics only when the pool is (or was) high."""
        pool = self._source()
        cached, limit = self._limit
        if cached is not pool:
            stats = pool_stats(pool)
            capacity = stats.capacity if stats is not None else None
            limit = capacity * self.threshold if capacity else None
            self._limit = (pool, limit)
        if limit is None:
            return
        if self._high_since is None and pool.checkedout() <= limit:
            return
        self.check()

    def check(self, stats: PoolStats | None = None) -> None:
        stats = stats if stats is not None else pool_stats(self._source())
        utilisation = stats.utilisation if stats is not None else None
        if stats is None or utilisation is None:
            return
        now = self._clock()
        with self._lock:
            if utilisation <= self.threshold:
                self._high_since = None
                return
            if self._high_since is None:
                self._high_since = now
            if now - self._high_since < self.after_s:
                return
            if self._last_warning is not None and now - self._last_warning < self.every_s:
                return
            self._last_warning = now
            high_for = now - self._high_since
        logger.warning(
            "connection pool %s: %.0f %% in use (%d of %d) for %.0f s; raise pool_size or "
            "max_overflow, or hold connections for less time",
            self.name,
            utilisation * 100,
            stats.checked_out,
            stats.capacity,
            high_for,
            extra={
                "pool": self.name,
                "utilisation": round(utilisation, 3),
                "checked_out": stats.checked_out,
                "capacity": stats.capacity,
                "pool_size": stats.size,
                "overflow": stats.overflow,
                "high_for_s": round(high_for, 1),
            },
        )
