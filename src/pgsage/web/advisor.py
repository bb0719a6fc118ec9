"""The advisor on the web: index recommendations for the target's recorded workload (the
statements the store sampled; pg_stat_statements as it is now while nothing is recorded), and
"what if" indexes for one query — both
through ``pgsage.commands.advise`` (read-only session, HypoPG, rolled back), cached a few
minutes per target (an advisor run is the most expensive thing a page can ask for)."""

from __future__ import annotations

import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Generic, TypeVar

from pgsage.advise.model import WorkloadQuery
from pgsage.advise.samplestore import SampleStore
from pgsage.commands.advise import AdviseOptions, AdviseResult, advise
from pgsage.commands.lint import LintRequest, lint
from pgsage.db.connect import SessionOptions, one_line, scrub_secrets
from pgsage.errors import MissingExtension, PgsageError
from pgsage.model import Finding, Report
from pgsage.web.config import WebConfig

T = TypeVar("T")


class TtlCache(Generic[T]):
    """Values computed at most once per ``ttl_s`` per key, in a background thread: a caller
    waits at most its budget and otherwise gets the previous value (or None) while the
    computation finishes into the cache."""

    def __init__(self, ttl_s: float, workers: int = 2) -> None:
        self.ttl_s = ttl_s
        self._values: dict[str, tuple[float, T]] = {}
        self._running: dict[str, Future[T]] = {}
        # re-entrant: a computation that is done already runs its callback (which takes the
        # guard) inside add_done_callback, under the guard
        self._guard = threading.RLock()
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="pgsage-advise")

    def _store(self, key: str, future: Future[T]) -> None:
        with self._guard:
            self._running.pop(key, None)
            if future.exception() is None:
                self._values[key] = (time.monotonic(), future.result())

    def get(self, key: str, compute: Callable[[], T], budget_s: float = 3600.0) -> T | None:
        with self._guard:
            found = self._values.get(key)
            if found is not None and time.monotonic() - found[0] < self.ttl_s:
                return found[1]
            future = self._running.get(key)
            if future is None:
                future = self._pool.submit(compute)
                self._running[key] = future
                future.add_done_callback(lambda done: self._store(key, done))
        try:
            return future.result(timeout=budget_s)
        except FutureTimeout:
            return found[1] if found is not None else None

    def keys(self, prefix: str) -> list[str]:
        return [k for k in list(self._values) if k.startswith(prefix)]

    def peek(self, key: str) -> T | None:
        found = self._values.get(key)
        return found[1] if found else None

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)


@dataclass(frozen=True)
class AdvisorRun:
    """A Report of the advisor (or of the linter), or why there is none."""

    report: Report | None
    error: str | None = None
    seconds: float = 0.0
    notes: tuple[str, ...] = field(default_factory=tuple)

    def finding(self, key: str, keyed: Callable[[Finding], str]) -> Finding | None:
        for finding in self.report.findings if self.report else []:
            if keyed(finding) == key:
                return finding
        return None


def _session(config: WebConfig) -> SessionOptions:
    return SessionOptions(
        statement_timeout_ms=config.target_statement_timeout_ms,
        lock_timeout_ms=config.target_lock_timeout_ms,
        application_name="pgsage-web-advise",
    )


STILL_RUNNING = (
    "the advisor is still running (it did not finish within the page's budget): "
    "reload in a few seconds"
)


def _failed(exc: PgsageError) -> AdvisorRun:
    if isinstance(exc, MissingExtension):
        return AdvisorRun(None, f"what-if indexes need HypoPG on the target: {one_line(str(exc))}")
    return AdvisorRun(None, scrub_secrets(one_line(str(exc))))


def _advise(
    config: WebConfig, dsn: str, options: AdviseOptions, samples: SampleStore | None
) -> AdvisorRun:
    started = time.perf_counter()
    options = replace(options, sample_store=samples)
    try:
        advice = advise(dsn, options, _session(config))
    except PgsageError as exc:
        return _failed(exc)
    report = AdviseResult(advice).report()
    return AdvisorRun(report, None, time.perf_counter() - started, report.notes)


RECORDED_DAYS = 30  # the recorded workload the advisor weighs: the last 30 days of samples


def workload_source(recorded: list[tuple[str, int, float]]) -> str:
    if recorded:
        return (
            f"the recorded workload: {len(recorded)} statements sampled by pgsage collect "
            f"over the last {RECORDED_DAYS} days"
        )
    return "pg_stat_statements as it is now (no statement recorded in the store yet)"


def workload_advice(
    config: WebConfig,
    dsn: str,
    recorded: list[tuple[str, int, float]],
    samples: SampleStore | None = None,
) -> AdvisorRun:
    """Recommendations for the target's workload: the store's recorded statements (calls and
    time summed over the samples) when there are any, else pg_stat_statements. ``samples``:
    the app's sampled copies kept between runs (advise.samplestore)."""
    workload = tuple(
        WorkloadQuery(text=query, calls=calls, total_ms=total_ms, source="recorded")
        for query, calls, total_ms in recorded
    )
    run = _advise(config, dsn, AdviseOptions(workload=workload or None), samples)
    return replace(run, notes=(f"workload: {workload_source(recorded)}", *run.notes))


def query_advice(
    config: WebConfig, dsn: str, query: str, samples: SampleStore | None = None
) -> AdvisorRun:
    """ "What if" indexes for one statement (the statement is the whole workload)."""
    with tempfile.TemporaryDirectory(prefix="pgsage-web-") as folder:
        path = Path(folder) / "query.sql"
        path.write_text(query.strip().rstrip(";") + ";\n", encoding="utf-8")
        return _advise(config, dsn, AdviseOptions(queries_file=path), samples)


def migrations_lint(config: WebConfig) -> AdvisorRun:
    """The lint of the configured migrations path (``--migrations``)."""
    if config.migrations is None:
        return AdvisorRun(None, "no migrations path configured (pgsage web --migrations PATH)")
    started = time.perf_counter()
    try:
        report = lint(LintRequest(paths=[config.migrations]))
    except PgsageError as exc:
        return AdvisorRun(None, scrub_secrets(one_line(str(exc))))
    return AdvisorRun(report, None, time.perf_counter() - started, report.notes)
