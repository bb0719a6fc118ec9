"""Per-snapshot caches: what several checks derive from the same snapshot is built once.

A run evaluates every check against one snapshot, so each cache holds the value for the last
snapshot seen, found again by identity. The snapshot is held through a weak reference, so a
cache never keeps a snapshot alive; the cached value must not refer to the snapshot either
(the rows in it, tables and indexes, are fine).
"""

from __future__ import annotations

import functools
import weakref
from collections.abc import Callable
from typing import TypeVar

from pgsage.db.snapshot import Snapshot

T = TypeVar("T")


def per_snapshot(build: Callable[[Snapshot], T]) -> Callable[[Snapshot], T]:
    """Cache ``build(snapshot)`` for the last snapshot it was called with."""
    last: list[tuple[weakref.ref[Snapshot], T]] = []

    @functools.wraps(build)
    def cached(snapshot: Snapshot) -> T:
        if last and last[0][0]() is snapshot:
            return last[0][1]
        value = build(snapshot)
        last[:] = [(weakref.ref(snapshot), value)]
        return value

    return cached
