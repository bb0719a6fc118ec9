"""The advisor on the web: index recommendations for the target's recorded workload
(pg_stat_statements, what the store samples), and "what if" indexes for one query — both
through ``pgsage.commands.advise`` (read-only session, HypoPG, rolled back), cached a few
minutes per target (an advisor run is the most expensive thing a page can ask for)."""

from __future__ import annotations

import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Generic, TypeVar

from pgsage.commands.advise import AdviseOptions, AdviseResult, advise
from pgsage.commands.lint import LintRequest, lint
from pgsage.db.connect import SessionOptions, one_line, scrub_secrets
from pgsage.errors import MissingExtension, PgsageError
from pgsage.model import Finding, Report
from pgsage.web.config import WebConfig

T = TypeVar("T")


class TtlCache(Generic[T]):
    """Values computed at most once per ``ttl_s`` per key (one computation at a time)."""

    def __init__(self, ttl_s: float) -> None:
        self.ttl_s = ttl_s
        self._values: dict[str, tuple[float, T]] = {}
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()

    def get(self, key: str, compute: Callable[[], T]) -> T:
        with self._guard:
            lock = self._locks.setdefault(key, threading.Lock())
        with lock:
            found = self._values.get(key)
            if found is not None and time.monotonic() - found[0] < self.ttl_s:
                return found[1]
            value = compute()
            self._values[key] = (time.monotonic(), value)
            return value

    def keys(self, prefix: str) -> list[str]:
        return [k for k in list(self._values) if k.startswith(prefix)]

    def peek(self, key: str) -> T | None:
        found = self._values.get(key)
        return found[1] if found else None


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


def _failed(exc: PgsageError) -> AdvisorRun:
    if isinstance(exc, MissingExtension):
        return AdvisorRun(None, f"what-if indexes need HypoPG on the target: {one_line(str(exc))}")
    return AdvisorRun(None, scrub_secrets(one_line(str(exc))))


def _advise(config: WebConfig, dsn: str, options: AdviseOptions) -> AdvisorRun:
    started = time.perf_counter()
    try:
        advice = advise(dsn, options, _session(config))
    except PgsageError as exc:
        return _failed(exc)
    report = AdviseResult(advice).report()
    return AdvisorRun(report, None, time.perf_counter() - started, report.notes)


def workload_advice(config: WebConfig, dsn: str) -> AdvisorRun:
    """Recommendations for the target's workload (pg_stat_statements)."""
    return _advise(config, dsn, AdviseOptions())


def query_advice(config: WebConfig, dsn: str, query: str) -> AdvisorRun:
    """ "What if" indexes for one statement (the statement is the whole workload)."""
    with tempfile.TemporaryDirectory(prefix="pgsage-web-") as folder:
        path = Path(folder) / "query.sql"
        path.write_text(query.strip().rstrip(";") + ";\n", encoding="utf-8")
        return _advise(config, dsn, AdviseOptions(queries_file=path))


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
