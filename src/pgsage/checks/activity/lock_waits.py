"""lock-waits: sessions queued on locks, reported once per root blocker of each chain."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pgsage.checks.activity.sessions import (
    IDLE_IN_TRANSACTION,
    VISIBILITY_NOTE,
    describe,
    end_session_suggestion,
    human_duration,
    preview,
    seconds_since,
)
from pgsage.checks.base import Check, CheckDocs, Param
from pgsage.db.rows import Session
from pgsage.db.snapshot import Snapshot
from pgsage.fixes.steps import Steps
from pgsage.model import Finding, ObjectRef, Severity

PREPARED_TRANSACTION_PID = 0  # pg_blocking_pids reports a prepared transaction as pid 0


@dataclass
class _Tree:
    """Everything waiting, directly or through others, on one root blocker."""

    root: int
    waiters: set[int] = field(default_factory=set)
    direct: set[int] = field(default_factory=set)
    longest_chain: list[int] = field(default_factory=list)


def _paths_to_roots(pid: int, blockers: Mapping[int, list[int]]) -> dict[int, list[int]]:
    """For each root that ``pid`` waits on (directly or through others), the shortest chain
    from ``pid`` to it. A root is a session that itself waits on nobody; a cycle (a deadlock
    the detector has not broken yet) has no root and yields nothing.

    A breadth-first walk: a queue of N waiters can have exponentially many distinct paths.
    """
    parent: dict[int, int] = {}
    seen = {pid}
    frontier = [pid]
    roots: list[int] = []
    while frontier:
        following = []
        for current in frontier:
            ahead = sorted(set(blockers.get(current, [])))
            if not ahead and current != pid:
                roots.append(current)
            for blocker in ahead:
                if blocker not in seen:
                    seen.add(blocker)
                    parent[blocker] = current
                    following.append(blocker)
        frontier = following
    chains = {}
    for root in roots:
        chain = [root]
        while chain[-1] != pid:
            chain.append(parent[chain[-1]])
        chains[root] = chain[::-1]
    return chains


def blocking_trees(sessions: list[Session]) -> list[_Tree]:
    blockers = {s.pid: list(s.blocked_by) for s in sessions if s.blocked_by}
    trees: dict[int, _Tree] = {}
    for waiter in sorted(blockers):
        for root, chain in _paths_to_roots(waiter, blockers).items():
            tree = trees.setdefault(root, _Tree(root))
            tree.waiters.add(waiter)
            if root in blockers[waiter]:
                tree.direct.add(waiter)
            if len(chain) > len(tree.longest_chain):
                tree.longest_chain = chain
    return [trees[root] for root in sorted(trees)]


class LockWaits(Check):
    id = "lock-waits"
    category = "activity"
    severity = Severity.WARNING
    title = "Sessions waiting on locks"
    requires_sections = ("activity",)
    requires_all_stats = True
    params = (
        Param(
            "min_wait_seconds",
            5.0,
            "report a blocker once a session behind it has waited this long",
        ),
        Param("error_wait_seconds", 60.0, "an error once a session has waited this long"),
        Param(
            "error_waiting_sessions", 10, "an error once this many sessions wait behind one blocker"
        ),
    )
    docs = CheckDocs(
        problem="Sessions are waiting for locks. The check follows each waiting session's "
        "blockers (pg_blocking_pids) to the root of the chain — the session that holds "
        "the lock and waits on nobody — and reports that root once, with how many "
        "sessions queue behind it." + VISIBILITY_NOTE,
        why="Lock queues grow: an ALTER TABLE waiting for an ACCESS EXCLUSIVE lock blocks every "
        "later reader of the table too, so one forgotten transaction or one migration "
        "without lock_timeout can stall a whole application. The waiters are victims; the "
        "root blocker is what to act on.",
        fix="Look at the root blocker: an 'idle in transaction' root is an application that "
        "forgot to commit (set idle_in_transaction_session_timeout); an active root is a "
        "long statement or a migration. End it with pg_terminate_backend(pid) if that is "
        "safe. Run migrations with SET lock_timeout so that they give up instead of "
        "queueing in front of everyone.",
        alembic='Set lock_timeout at the start of migrations (op.execute("SET lock_timeout = '
        "'5s'\")) and retry them, so DDL never waits in front of the application.",
    )

    def evaluate(self, snapshot: Snapshot, params: Mapping[str, Any]) -> list[Finding]:
        now = snapshot.collected_at
        by_pid = {s.pid: s for s in snapshot.activity}
        minimum = float(params["min_wait_seconds"])
        error_wait = float(params["error_wait_seconds"])
        error_count = int(params["error_waiting_sessions"])
        findings = []
        for tree in blocking_trees(snapshot.activity):
            waits = {
                pid: seconds_since(now, by_pid[pid].query_start) or 0.0 for pid in tree.waiters
            }
            longest = max(waits.values(), default=0.0)
            if longest < minimum:
                continue
            root = by_pid.get(tree.root)
            severity = (
                Severity.ERROR
                if longest >= error_wait or len(tree.waiters) >= error_count
                else None
            )
            findings.append(
                self.finding(
                    ObjectRef("session", "", f"pid {tree.root}"),
                    f"{_who(tree.root, root)} blocks {len(tree.waiters)} session(s) "
                    f"({len(tree.direct)} directly); the longest has waited {human_duration(longest)}",
                    severity=severity,
                    evidence=self._evidence(tree, root, waits, now, params),
                    recommendation=_advice(root),
                    fix=Steps(tuple(end_session_suggestion(root))) if root is not None else None,
                )
            )
        return findings

    @staticmethod
    def _evidence(
        tree: _Tree,
        root: Session | None,
        waits: Mapping[int, float],
        now: datetime,
        params: Mapping[str, Any],
    ) -> dict[str, Any]:
        xact_age = seconds_since(now, root.xact_start) if root else None
        state_age = seconds_since(now, root.state_change) if root else None
        return {
            "root_pid": tree.root,
            "root_state": root.state if root else None,
            "root_user": root.username if root else None,
            "root_database": root.database if root else None,
            "root_application": (root.application_name or "") if root else None,
            "root_xact_age_seconds": None if xact_age is None else round(xact_age, 1),
            "root_state_age_seconds": None if state_age is None else round(state_age, 1),
            "root_query": preview(root.query) if root else None,
            "waiting_sessions": len(tree.waiters),
            "directly_blocked": len(tree.direct),
            "waiting_pids": [str(pid) for pid in sorted(tree.waiters)],
            "longest_chain": " -> ".join(str(pid) for pid in tree.longest_chain),
            "longest_wait_seconds": round(max(waits.values(), default=0.0), 1),
            "min_wait_seconds": float(params["min_wait_seconds"]),
        }


def _who(pid: int, root: Session | None) -> str:
    if pid == PREPARED_TRANSACTION_PID:
        return "a prepared transaction"
    if root is None:
        return f"pid {pid} (no longer visible)"
    return f"{describe(root)}, {root.state or 'state unknown'},"


def _advice(root: Session | None) -> str:
    if root is None:
        return (
            "Find the blocker in pg_locks (a prepared transaction is listed in "
            "pg_prepared_xacts; COMMIT PREPARED or ROLLBACK PREPARED it)."
        )
    if root.state in IDLE_IN_TRANSACTION:
        return (
            "The root blocker is idle in a transaction: fix the application path that "
            "leaves it open, set idle_in_transaction_session_timeout for its role, and end "
            "this session if rolling it back is safe."
        )
    return (
        "Find out what the root blocker runs (a long statement, a migration); end it if it "
        "is safe, and run DDL with SET lock_timeout so it gives up instead of queueing in "
        "front of the application."
    )
