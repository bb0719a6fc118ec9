"""Values computed once per key while fresh: when fifty requests ask for the same value at
once, one computes it and the others do not compute it again (the web's pages, live activity
and health pings go through one of these). While a stale value exists the others answer with
it (it says when it was computed); only when there is none yet do they wait for the first."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class Fresh(Generic[T]):
    """A value and when it was computed (pages say "as of")."""

    value: T
    at: datetime
    mono: float


@dataclass
class _Slot(Generic[T]):
    lock: threading.Lock = field(default_factory=threading.Lock)
    found: Fresh[T] | None = None


class SingleFlight(Generic[T]):
    """At most one computation per key at a time; a value is reused for ``ttl_s`` seconds.
    ``max_keys`` bounds the memory (the oldest keys are dropped first)."""

    def __init__(self, ttl_s: float, max_keys: int = 512) -> None:
        self.ttl_s = ttl_s
        self.max_keys = max_keys
        self._slots: dict[Hashable, _Slot[T]] = {}
        self._guard = threading.Lock()

    def _slot(self, key: Hashable) -> _Slot[T]:
        with self._guard:
            slot = self._slots.get(key)
            if slot is None:
                if len(self._slots) >= self.max_keys:
                    for old in list(self._slots)[: max(1, self.max_keys // 4)]:
                        del self._slots[old]
                slot = self._slots[key] = _Slot()
            return slot

    def _fresh(self, found: Fresh[T] | None) -> bool:
        return found is not None and time.monotonic() - found.mono < self.ttl_s

    def get(self, key: Hashable, compute: Callable[[], T]) -> Fresh[T]:
        slot = self._slot(key)
        found = slot.found
        if found is not None and self._fresh(found):
            return found
        if found is not None:
            if not slot.lock.acquire(blocking=False):
                return found  # another request is refreshing it
            try:
                return self._compute(slot, compute)
            finally:
                slot.lock.release()
        with slot.lock:  # nothing to show yet: wait for the first computation
            found = slot.found
            if found is not None and self._fresh(found):
                return found
            return self._compute(slot, compute)

    def _compute(self, slot: _Slot[T], compute: Callable[[], T]) -> Fresh[T]:
        fresh = Fresh(compute(), datetime.now(UTC), time.monotonic())
        slot.found = fresh
        return fresh

    def clear(self) -> None:
        with self._guard:
            self._slots.clear()
