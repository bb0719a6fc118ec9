"""The resources of one collection run: one thread pool and the one GC policy.

Threads: the fast collector reads the big sections on a second session and turns each
section's rows into objects while the server works on the next; the audit collects on a worker
while it imports the checks. All of that is work submitted to the one executor a run owns, and
no task waits for a task that itself waits, so a pool of ``WORKERS`` threads cannot starve.

GC: a snapshot of a big schema builds hundreds of thousands of row objects and a report refers
to them; none of them form reference cycles that need the collector, yet each collection it
triggers on the way walks every object allocated so far (on 10,000 tables, a quarter of the
time spent turning rows into objects). So the cyclic collector is off while a run is open,
and back as it was after it; reference counting still frees everything. The CLI goes further
for a command that ends with the process (cli/main.py, ``ends_with_the_process``).
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor, wait
from contextlib import AbstractContextManager, contextmanager
from types import TracebackType
from typing import ParamSpec, TypeVar

import psycopg
from psycopg.rows import TupleRow

T = TypeVar("T")
P = ParamSpec("P")
# Opens a session with pgsage's settings: ``connect`` bound to the first session's DSN and
# options, so that a process that keeps sessions (``pgsage mcp``) lends the second one too.
SessionOpener = Callable[[], AbstractContextManager[psycopg.Connection[TupleRow]]]

# The most that runs at once: the audit's collection, the second session's reads, a section's
# rows being built and the workload's statements being parsed.
WORKERS = 4


@contextmanager
def gc_paused() -> Iterator[None]:
    """Collector off inside the block; back as it was after it (nesting is fine)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


class SnapshotRun:
    """One collection's thread pool, with the collector paused while it is open.

    ``with SnapshotRun() as run: run.submit(fn, ...)``. Leaving the block normally waits for
    the work submitted; leaving it on an exception (a usage error found while the snapshot is
    collected) cancels what has not started and does not wait for the rest.
    """

    def __init__(self, second_session: SessionOpener | None = None) -> None:
        # Where the fast collector's second session comes from (None: a new one like the first).
        self.second_session = second_session
        # True: the first session is closed or handed back to a pool (whose reset rolls back)
        # right after the collection, so the fast collector leaves its read-only transaction
        # to that instead of ending it in a round trip of its own; False: the session is left
        # in autocommit, as it came.
        self.session_discarded_after = False
        self._executor = _idle_executors.take()
        self._submitted: list[Future[object]] = []
        self._gc = gc_paused()

    def __enter__(self) -> SnapshotRun:
        self._gc.__enter__()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        try:
            if error is None:
                wait(self._submitted)
                _idle_executors.give_back(self._executor)
            else:
                self._executor.shutdown(wait=False, cancel_futures=True)
        finally:
            self._gc.__exit__(kind, error, traceback)

    def submit(self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> Future[T]:
        future = self._executor.submit(fn, *args, **kwargs)
        self._submitted.append(future)  # type: ignore[arg-type]
        return future

    def start_workers(self) -> None:
        """Start workers now, from a thread that would wait anyway: the pool starts one when a
        task finds none idle, and the submitter waits until it runs (on a busy machine,
        milliseconds in the middle of a collection). Best effort: a worker that is done with
        its empty task already is reused by the next (never more than ``WORKERS``)."""
        for _ in range(WORKERS):
            self._executor.submit(_nothing)


def _nothing() -> None:
    pass


class _IdleExecutors:
    """Thread pools of finished runs, kept for the next ones: a long-running process (pgsage
    mcp, the web app) audits again and again, and starting and joining a run's threads cost
    about a millisecond each time. A run has a pool to itself while it is open (its tasks wait
    for one another; two runs sharing four threads could each hold them all waiting), and a
    run that ends on an error does not give its pool back (its tasks may still run)."""

    def __init__(self, keep: int) -> None:
        self._keep = keep
        self._lock = threading.Lock()
        self._idle: list[ThreadPoolExecutor] = []

    def take(self) -> ThreadPoolExecutor:
        with self._lock:
            if self._idle:
                return self._idle.pop()
        return ThreadPoolExecutor(max_workers=WORKERS, thread_name_prefix="pgsage")

    def give_back(self, executor: ThreadPoolExecutor) -> None:
        with self._lock:
            if len(self._idle) < self._keep:
                self._idle.append(executor)
                return
        executor.shutdown(wait=False)


_idle_executors = _IdleExecutors(keep=4)
