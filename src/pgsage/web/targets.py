"""The monitored databases: each target's snapshot and audit report, cached and refreshed in
the background so that a page answers within its budget even when the target is slow, down,
or has a table locked ACCESS EXCLUSIVE (the snapshot leaves such tables out and names them).
Live activity is read directly, in a read-only session with short timeouts."""

from __future__ import annotations

import contextlib
import gc
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial

import psycopg
from psycopg import conninfo
from psycopg.rows import class_row

from pgsage.commands.collect import snapshot_and_report
from pgsage.db.connect import SessionOptions, connect, one_line
from pgsage.db.rows import Session
from pgsage.db.snapshot import Snapshot
from pgsage.db.snapshot.run import gc_paused
from pgsage.db.sqlfiles import load_sql
from pgsage.errors import PgsageError, UsageError
from pgsage.model import Report
from pgsage.settings import Settings
from pgsage.web.config import WebConfig

LIVE_CONNECT_TIMEOUT_S = 3


@dataclass(frozen=True)
class TargetView:
    """What a page can show of a target: the latest snapshot and report (possibly older than
    the cache's TTL while a refresh runs), and what could not be read."""

    name: str
    snapshot: Snapshot | None
    report: Report | None
    taken_at: datetime | None
    problems: tuple[str, ...] = ()
    refreshing: bool = False


@dataclass
class _Entry:
    snapshot: Snapshot | None = None
    report: Report | None = None
    taken_at: datetime | None = None
    taken_mono: float = 0.0
    error: str | None = None
    pending: Future[tuple[Snapshot, Report]] | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)


@dataclass(frozen=True)
class LockRow:
    pid: int
    mode: str
    granted: bool
    relation: str | None
    locktype: str


@dataclass(frozen=True)
class LiveActivity:
    sessions: list[Session]
    locks: list[LockRow]
    chains: list[list[int]]
    problems: tuple[str, ...] = ()


class Targets:
    def __init__(self, config: WebConfig) -> None:
        self.config = config
        self._entries = {name: _Entry() for name in config.targets}
        self._pool: ThreadPoolExecutor | None = None
        self._pool_lock = threading.Lock()

    def _executor(self) -> ThreadPoolExecutor:
        with self._pool_lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(
                    max_workers=max(2, len(self.config.targets)), thread_name_prefix="pgsage-target"
                )
            return self._pool

    @property
    def names(self) -> list[str]:
        return list(self.config.targets)

    def settings_for(self, name: str) -> Settings:
        return self.config.settings.model_copy(
            update={
                "dsn": self.config.targets[name],
                "statement_timeout_ms": self.config.target_statement_timeout_ms,
                "lock_timeout_ms": self.config.target_lock_timeout_ms,
                "application_name": "pgsage-web",
            }
        )

    def check(self, name: str) -> None:
        if name not in self._entries:
            raise UsageError(f"no target named {name!r}")

    def view(self, name: str, budget_s: float | None = None) -> TargetView:
        """The target's latest snapshot and report, refreshed in the background when older
        than the TTL; while there is none yet, waits for it at most ``budget_s``."""
        self.check(name)
        entry = self._entries[name]
        budget = self.config.page_budget_s if budget_s is None else budget_s
        with entry.lock:
            fresh = entry.report is not None and (
                time.monotonic() - entry.taken_mono < self.config.cache_ttl_s
            )
            if not fresh and entry.pending is None:
                entry.pending = self._executor().submit(frozen_audit, self.settings_for(name))
                entry.pending.add_done_callback(partial(self._done, entry))
            pending = entry.pending
        # with a snapshot to show, a page never waits for the refresh (it says "as of");
        # only the very first read of a target waits, at most the page's budget
        if pending is not None and not fresh and entry.report is None:
            try:
                pending.result(timeout=budget)
            except FutureTimeout:
                pass
            except Exception:  # recorded by _done
                pass
        with entry.lock:
            problems: list[str] = []
            if entry.error:
                problems.append(f"the last refresh failed: {entry.error}")
            if entry.pending is not None and entry.report is None:
                problems.append(
                    f"the target did not answer within {budget:g} s; "
                    "nothing read yet — reload in a moment"
                )
            # (with an audit to show, a refresh under way is said by "as of … · refreshing")
            snap = entry.snapshot
            if snap is not None:
                for section, message in sorted(snap.errors.items()):
                    problems.append(f"could not read {section}: {message}")
                for locked in snap.locked:
                    problems.append(
                        f"{locked.schema}.{locked.name} left out: "
                        f"{'held' if locked.granted else 'awaited'} ACCESS EXCLUSIVE by pid {locked.pid}"
                    )
            return TargetView(
                name,
                entry.snapshot,
                entry.report,
                entry.taken_at,
                tuple(problems),
                entry.pending is not None,
            )

    def warm(self) -> None:
        """Start every target's first audit now, in the background (a process starts with
        its pages ready instead of the first visitor waiting for them)."""
        for name in self.names:
            self.view(name, budget_s=0)

    def _done(self, entry: _Entry, future: Future[tuple[Snapshot, Report]]) -> None:
        with entry.lock:
            entry.pending = None
            try:
                snap, report = future.result()
            except PgsageError as exc:
                entry.error = one_line(str(exc))
                return
            except Exception as exc:
                entry.error = f"{type(exc).__name__}: {one_line(str(exc))}"
                return
            _install(entry, snap, report)

    def audit_and_keep(self, name: str, settings: Settings) -> tuple[Snapshot, Report]:
        """The audit the collector samples (its ``Audit``), kept for the pages as well: the
        web process audits each target once per collection, not once for each."""
        entry = self._entries.get(name)
        if entry is not None:
            with entry.lock:
                pending = entry.pending
            if pending is not None:  # a page's refresh is under way: sample that one
                with contextlib.suppress(Exception):  # it failed: audit afresh
                    return pending.result()
        built = frozen_audit(settings)
        if entry is not None:
            with entry.lock:
                _install(entry, *built)
        return built

    def _live_options(self) -> SessionOptions:
        return SessionOptions(
            statement_timeout_ms=int(self.config.page_budget_s * 1000),
            lock_timeout_ms=self.config.target_lock_timeout_ms,
            application_name="pgsage-web",
        )

    def _dsn(self, name: str) -> str:
        dsn = self.config.targets[name]
        if "connect_timeout" in conninfo.conninfo_to_dict(dsn):
            return dsn
        return conninfo.make_conninfo(dsn, connect_timeout=str(LIVE_CONNECT_TIMEOUT_S))

    def ping(self, name: str) -> float:
        """Milliseconds for a round trip; raises a PgsageError when unreachable."""
        started = time.perf_counter()
        with connect(self._dsn(name), self._live_options()) as conn:
            conn.execute("SELECT 1")
        return (time.perf_counter() - started) * 1000

    def live(self, name: str) -> LiveActivity:
        """Running sessions, relation locks and blocking chains, read now (no relation is
        opened: pg_stat_activity and pg_locks only)."""
        self.check(name)
        try:
            with connect(self._dsn(name), self._live_options()) as conn:
                major = conn.info.server_version // 10000
                with conn.cursor(row_factory=class_row(Session)) as cur:
                    sessions = cur.execute(load_sql("activity", major)).fetchall()
                rows = conn.execute(
                    "SELECT l.pid, l.mode, l.granted, "
                    "CASE WHEN c.oid IS NULL THEN NULL ELSE n.nspname || '.' || c.relname END, "
                    "l.locktype FROM pg_catalog.pg_locks l "
                    "LEFT JOIN pg_catalog.pg_class c ON c.oid = l.relation "
                    "LEFT JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
                    "WHERE l.pid <> pg_catalog.pg_backend_pid() AND l.locktype IN ('relation', "
                    "'transactionid', 'tuple', 'advisory') AND (l.database IS NULL OR "
                    "l.database = (SELECT oid FROM pg_catalog.pg_database WHERE datname = "
                    "pg_catalog.current_database())) "
                    "AND (NOT l.granted OR l.mode = 'AccessExclusiveLock' "
                    "OR l.pid IN (SELECT pg_catalog.unnest(pg_catalog.pg_blocking_pids(pid)) "
                    "FROM pg_catalog.pg_locks WHERE NOT granted)) "
                    "ORDER BY l.granted, l.pid LIMIT 500"
                ).fetchall()
        except PgsageError as exc:
            return LiveActivity([], [], [], (f"could not read activity: {one_line(str(exc))}",))
        sessions = [s for s in sessions if s.backend_type in (None, "client backend")]
        locks = [LockRow(int(r[0]), str(r[1]), bool(r[2]), r[3], str(r[4])) for r in rows]
        return LiveActivity(sessions, locks, blocking_chains(sessions))

    def signal(self, name: str, pid: int, action: str) -> tuple[bool, str]:
        """pg_cancel_backend or pg_terminate_backend; (done, what the server said)."""
        self.check(name)
        function = {"cancel": "pg_cancel_backend", "terminate": "pg_terminate_backend"}.get(action)
        if function is None:
            raise UsageError(f"unknown action {action!r}")
        try:
            with connect(self._dsn(name), self._live_options()) as conn:
                row = conn.execute(f"SELECT {function}(%s)", [pid]).fetchone()
        except PgsageError as exc:
            return False, one_line(str(exc))
        except psycopg.Error as exc:
            return False, one_line(str(exc))
        ok = bool(row and row[0])
        return ok, "signalled" if ok else "no such backend (it may have ended)"

    def close(self) -> None:
        with self._pool_lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)


def _install(entry: _Entry, snap: Snapshot, report: Report) -> None:
    entry.snapshot, entry.report, entry.error = snap, report, None
    entry.taken_at = datetime.now(UTC)
    entry.taken_mono = time.monotonic()


def frozen_audit(settings: Settings) -> tuple[Snapshot, Report]:
    """The target's snapshot and report, kept out of the cyclic collector's way.

    A 10,000-table snapshot and its report are millions of long-lived objects: left to the
    collector, the first collections after they are built walk them all and stall every
    request of the process for a second or more. So the collector stays paused while they are
    built and they are frozen before it resumes (skipped by every later collection; still
    freed by reference counting when the next snapshot replaces them: they hold no cycles).
    The price: cyclic garbage other threads make during the build is frozen with them.
    """
    with gc_paused():
        built = snapshot_and_report(settings)
        gc.freeze()
    return built


def blocking_chains(sessions: list[Session]) -> list[list[int]]:
    """Each waiting session's chain to a root blocker: [waiter, blocker, ..., root]."""
    blockers = {s.pid: list(s.blocked_by or []) for s in sessions}
    chains = []
    for session in sessions:
        if not session.blocked_by:
            continue
        chain = [session.pid]
        current = session.pid
        while blockers.get(current):
            current = min(blockers[current])
            if current in chain:
                break
            chain.append(current)
        chains.append(chain)
    return chains
