"""What an instrumentation has seen, aggregated and bounded, for the Markdown report.

A service runs the same N+1 thousands of times; it is kept once per (kind, statement, call
site) with counters, and at most ``max_entries`` patterns and slow statements are kept.
"""

from __future__ import annotations

import threading
from dataclasses import replace

from pgsage.instrument.findings import (
    CapturedEvents,
    NPlusOne,
    NPlusOneSummary,
    SlowQuery,
    SlowQuerySummary,
    UnitReport,
)

DEFAULT_MAX_ENTRIES = 500


class EventLog:
    def __init__(self, max_entries: int = DEFAULT_MAX_ENTRIES) -> None:
        self._max = max_entries
        self._lock = threading.Lock()
        self._nplusone: dict[tuple[str, str, str], NPlusOneSummary] = {}
        self._slow: dict[str, SlowQuerySummary] = {}
        self._units = 0

    def add_report(self, report: UnitReport) -> tuple[NPlusOne, ...]:
        """Keep a unit's findings; return those seen for the first time."""
        with self._lock:
            self._units += 1
            return tuple(f for f in report.nplusone if self._add_nplusone(f))

    def _add_nplusone(self, finding: NPlusOne) -> bool:
        key = (str(finding.kind), finding.relationship or finding.fingerprint, finding.call_site)
        seen = self._nplusone.get(key)
        if seen is None:
            if len(self._nplusone) < self._max:
                self._nplusone[key] = NPlusOneSummary(finding, 1, finding.count, finding.total_ms)
            return True
        self._nplusone[key] = NPlusOneSummary(
            seen.finding,
            seen.occurrences + 1,
            max(seen.max_count, finding.count),
            seen.total_ms + finding.total_ms,
        )
        return False

    def add_slow(self, slow: SlowQuery) -> None:
        with self._lock:
            seen = self._slow.get(slow.fingerprint)
            if seen is None:
                if len(self._slow) < self._max:
                    self._slow[slow.fingerprint] = SlowQuerySummary(
                        slow.statement,
                        slow.fingerprint,
                        slow.sql,
                        1,
                        slow.duration_ms,
                        slow.duration_ms,
                        slow.call_site,
                    )
                return
            self._slow[slow.fingerprint] = replace(
                seen,
                count=seen.count + 1,
                max_ms=max(seen.max_ms, slow.duration_ms),
                total_ms=seen.total_ms + slow.duration_ms,
                last_call_site=slow.call_site,
            )

    def add_plan(self, fingerprint: str, plan: object, summary: str) -> None:
        with self._lock:
            seen = self._slow.get(fingerprint)
            if seen is not None:
                self._slow[fingerprint] = replace(seen, plan=plan, plan_summary=summary)

    def snapshot(self) -> CapturedEvents:
        with self._lock:
            nplusone = sorted(
                self._nplusone.values(), key=lambda s: (-s.total_ms, s.finding.call_site)
            )
            slow = sorted(self._slow.values(), key=lambda s: (-s.max_ms, s.statement))
            return CapturedEvents(tuple(nplusone), tuple(slow), self._units)

    def clear(self) -> None:
        with self._lock:
            self._nplusone.clear()
            self._slow.clear()
            self._units = 0
