"""Activity checks against real sessions: transactions left open, a long statement, a lock
queue behind a forgotten transaction, and a server filled up to its connection limit."""

from __future__ import annotations

import contextlib
import math
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from typing import Any

import psycopg

from casefiles import subject
from pgharness import TestDatabase
from pgsage.checks.activity.lock_waits import LockWaits
from pgsage.commands import audit as audit_commands
from pgsage.model import Finding, Report, Severity
from pgsage.settings import Settings

ACTIVITY_CHECKS = ["idle-in-transaction", "long-transaction", "long-running-query", "lock-waits"]
LOW_THRESHOLDS: dict[str, dict[str, Any]] = {
    "idle-in-transaction": {"min_idle_seconds": 1},
    "long-transaction": {"max_seconds": 1},
    "long-running-query": {"max_seconds": 1},
    "lock-waits": {"min_wait_seconds": 1},
}


def audit(
    db: TestDatabase, select: list[str], checks: dict[str, dict[str, Any]] | None = None
) -> Report:
    report = audit_commands.audit(Settings(dsn=db.dsn, select=select, checks=checks or {}))
    assert [r.check for r in report.results if r.status.value in ("error", "timeout")] == []
    return report


def by_object(report: Report, check: str) -> dict[str, Finding]:
    return {subject(f).name: f for f in report.findings if f.check == check}


def wait_until(condition: Any, what: str, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


@dataclass
class Planted:
    """The sessions of one scene, by role in it, and how to reach them."""

    db: TestDatabase
    conns: dict[str, psycopg.Connection[Any]] = field(default_factory=dict)
    threads: list[threading.Thread] = field(default_factory=list)

    def pid(self, name: str) -> int:
        return self.conns[name].info.backend_pid

    def ref(self, name: str) -> str:
        return f"pid {self.pid(name)}"

    def connect(self, name: str, autocommit: bool) -> psycopg.Connection[Any]:
        conn = psycopg.connect(self.db.dsn, autocommit=autocommit, application_name=f"h4-{name}")
        self.conns[name] = conn
        return conn

    def run_in_background(self, name: str, statement: str) -> None:
        conn = self.connect(name, autocommit=True)

        def run() -> None:
            with contextlib.suppress(psycopg.Error):  # cancelled at clean-up
                conn.execute(statement.encode())

        thread = threading.Thread(target=run, daemon=True)
        thread.start()
        self.threads.append(thread)


@contextmanager
def scene(db: TestDatabase) -> Iterator[Planted]:
    """A realistic mess: one session idle inside a transaction, one holding a row lock while
    idle in its transaction with two updates queued behind it (the second also behind the
    first), a long statement, and an innocent idle session."""
    db.execute(
        "CREATE TABLE accounts (id int PRIMARY KEY, balance int NOT NULL);"
        "INSERT INTO accounts SELECT g, 100 FROM generate_series(1, 10) g;"
    )
    planted = Planted(db)
    try:
        planted.connect("idle", autocommit=False).execute(
            "SELECT balance FROM accounts WHERE id = 2"
        )
        planted.connect("holder", autocommit=False).execute(
            "SELECT * FROM accounts WHERE id = 1 FOR UPDATE"
        )
        planted.run_in_background(
            "waiter1", "UPDATE accounts SET balance = balance - 1 WHERE id = 1"
        )
        wait_until(lambda: _waiting(db, planted.pid("waiter1")), "waiter1 to wait")
        planted.run_in_background(
            "waiter2", "UPDATE accounts SET balance = balance + 1 WHERE id = 1"
        )
        wait_until(lambda: _waiting(db, planted.pid("waiter2")), "waiter2 to wait")
        planted.run_in_background("sleeper", "SELECT pg_sleep(60)")
        wait_until(lambda: _active(db, planted.pid("sleeper"), "pg_sleep"), "the sleeper")
        planted.connect("bystander", autocommit=True).execute("SELECT 1")
        yield planted
    finally:
        for name in ("sleeper", "waiter1", "waiter2"):
            if name in planted.conns:
                db.execute("SELECT pg_cancel_backend(%s)", [planted.pid(name)])
        for name in ("holder", "idle"):
            if name in planted.conns:
                planted.conns[name].rollback()
        for thread in planted.threads:
            thread.join(timeout=10)
        for conn in planted.conns.values():
            conn.close()


def _waiting(db: TestDatabase, pid: int) -> bool:
    rows = db.execute("SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s", [pid])
    return bool(rows) and rows[0][0] == "Lock"


def _active(db: TestDatabase, pid: int, text: str) -> bool:
    rows = db.execute("SELECT state, query FROM pg_stat_activity WHERE pid = %s", [pid])
    return bool(rows) and rows[0][0] == "active" and text in (rows[0][1] or "")


def test_activity_checks_find_the_planted_sessions(db: TestDatabase) -> None:
    with scene(db) as s:
        time.sleep(1.3)  # every planted age passes the 1 s thresholds
        report = audit(db, ["activity"], LOW_THRESHOLDS)

        idle = by_object(report, "idle-in-transaction")
        assert {s.ref("idle"), s.ref("holder")} <= set(idle)
        assert not {s.ref(n) for n in ("waiter1", "waiter2", "sleeper", "bystander")} & set(idle)
        holder = idle[s.ref("holder")]
        assert holder.severity is Severity.WARNING
        assert holder.evidence["application"] == "h4-holder"
        assert holder.evidence["database"] == db.name
        assert "FOR UPDATE" in str(holder.evidence["query"])
        assert float(str(holder.evidence["idle_seconds"])) >= 1
        assert f"-- SELECT pg_terminate_backend({s.pid('holder')});" in str(holder.fix_sql)
        # The suggested timeout is valid SQL (it only touches this throwaway database).
        db.execute(str(holder.fix_sql))

        long_tx = by_object(report, "long-transaction")
        assert {s.ref(n) for n in ("idle", "holder", "waiter1", "waiter2", "sleeper")} <= set(
            long_tx
        )
        assert s.ref("bystander") not in long_tx

        long_query = by_object(report, "long-running-query")
        assert {s.ref(n) for n in ("waiter1", "waiter2", "sleeper")} <= set(long_query)
        assert not {s.ref(n) for n in ("idle", "holder", "bystander")} & set(long_query)
        assert str(long_query[s.ref("waiter1")].evidence["waiting_on"]).startswith("Lock")
        assert "pg_cancel_backend" in str(long_query[s.ref("sleeper")].fix_sql)

        locks = by_object(report, "lock-waits")
        assert s.ref("holder") in locks
        for name in ("idle", "waiter1", "waiter2", "sleeper", "bystander"):
            assert s.ref(name) not in locks  # waiters are victims, reported with their root
        root = locks[s.ref("holder")]
        waiters = sorted([s.pid("waiter1"), s.pid("waiter2")])
        assert root.evidence["root_state"] == "idle in transaction"
        assert root.evidence["waiting_sessions"] == 2
        assert root.evidence["waiting_pids"] == [str(p) for p in waiters]
        assert str(root.evidence["longest_chain"]).endswith(str(s.pid("holder")))
        assert root.severity is Severity.WARNING

        # The same scene past the error thresholds.
        strict = {
            name: {**params, key: 1}
            for (name, params), key in zip(
                LOW_THRESHOLDS.items(),
                ["error_idle_seconds", "error_seconds", "error_seconds", "error_wait_seconds"],
                strict=True,
            )
        }
        severe = audit(db, ACTIVITY_CHECKS, strict)
        assert by_object(severe, "idle-in-transaction")[s.ref("holder")].severity is Severity.ERROR
        assert by_object(severe, "lock-waits")[s.ref("holder")].severity is Severity.ERROR


def test_young_sessions_stay_quiet_with_default_thresholds(db: TestDatabase) -> None:
    planted_at = time.monotonic()
    with scene(db) as s:
        report = audit(db, ["activity"])
        age = time.monotonic() - planted_at
        mine = {s.ref(name) for name in s.conns}
        findings = [f for f in report.findings if subject(f).name in mine]
        # lock-waits reports after 5 s of waiting by default: a scene that a busy machine took
        # longer than that to plant and audit is no longer young for it. The other defaults
        # are a minute or more.
        if age >= LOCK_WAITS_DEFAULT_SECONDS:
            findings = [f for f in findings if f.check != "lock-waits"]
        assert findings == []


LOCK_WAITS_DEFAULT_SECONDS = next(
    float(p.default) for p in LockWaits.params if p.name == "min_wait_seconds"
)


def _client_backends(db: TestDatabase) -> int:
    """Client connections besides the one asking."""
    return int(
        db.execute(
            "SELECT count(*) - 1 FROM pg_stat_activity WHERE backend_type = 'client backend'"
        )[0][0]
    )


def _available(db: TestDatabase) -> int:
    rows = db.execute(
        "SELECT name, setting::int FROM pg_settings WHERE name IN "
        "('max_connections', 'superuser_reserved_connections', "
        "'reserved_connections')"
    )
    values = dict(rows)
    return int(
        values["max_connections"]
        - values["superuser_reserved_connections"]
        - values.get("reserved_connections", 0)
    )


def test_connections_near_limit(db: TestDatabase) -> None:
    available = _available(db)
    assert audit(db, ["connections-near-limit"]).findings == []  # the idle test server
    with ExitStack() as stack:

        def fill_to(total: int) -> None:
            # The audit's own session is one of the total.
            for _ in range(total - 1 - _client_backends(db)):
                stack.enter_context(psycopg.connect(db.dsn, autocommit=True))

        warn_at = math.ceil(0.85 * available)
        fill_to(warn_at)
        [finding] = audit(db, ["connections-near-limit"]).findings
        assert finding.severity is Severity.WARNING
        assert str(finding.object) == "max_connections"
        assert finding.evidence["client_connections"] == warn_at
        assert finding.evidence["available_connections"] == available
        assert int(str(finding.evidence["state_idle"])) >= warn_at - 1
        assert "PgBouncer" in finding.recommendation
        # The thresholds are parameters.
        assert (
            audit(
                db, ["connections-near-limit"], {"connections-near-limit": {"warning_ratio": 0.9}}
            ).findings
            == []
        )

        error_at = math.ceil(0.96 * available)
        fill_to(error_at)
        [finding] = audit(db, ["connections-near-limit"]).findings
        assert finding.severity is Severity.ERROR
        assert finding.evidence["client_connections"] == error_at
