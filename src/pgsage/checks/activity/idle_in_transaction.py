"""idle-in-transaction: sessions that opened a transaction and then went quiet."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pgsage.checks.activity.sessions import (
    IDLE_IN_TRANSACTION,
    VISIBILITY_NOTE,
    age_severity,
    describe,
    end_session_suggestion,
    human_duration,
    role_setting_fix,
    session_evidence,
    session_ref,
    sessions_older_than,
)
from pgsage.checks.base import Check, CheckDocs, Param
from pgsage.db.snapshot import Snapshot
from pgsage.fixes.steps import Steps
from pgsage.model import Finding, Severity


class IdleInTransaction(Check):
    id = "idle-in-transaction"
    category = "activity"
    severity = Severity.WARNING
    title = "Session idle in transaction"
    requires_sections = ("activity",)
    requires_all_stats = True
    params = (
        Param("min_idle_seconds", 60.0, "report sessions idle in a transaction this long"),
        Param("error_idle_seconds", 600.0, "an error from this long on"),
        Param(
            "suggested_timeout", "5min", "the idle_in_transaction_session_timeout the fix proposes"
        ),
    )
    docs = CheckDocs(
        problem="A session began a transaction, ran something, and has been idle since, "
        "without COMMIT or ROLLBACK ('idle in transaction', or '(aborted)' after an "
        "error)." + VISIBILITY_NOTE,
        why="The open transaction keeps every lock it took — an ALTER TABLE or a migration "
        "then queues behind it and blocks everyone after it — and holds back the xmin "
        "horizon, so VACUUM cannot remove dead rows anywhere. Usually an application bug: "
        "a missing commit, a session left open across a slow HTTP call, an ORM session "
        "that is never closed.",
        fix="Fix the code path that leaves the transaction open (commit or roll back before "
        "doing slow work; close ORM sessions). Set idle_in_transaction_session_timeout for "
        "the application role so the server ends such sessions; terminate the current one "
        "with pg_terminate_backend(pid) only when rolling its work back is safe.",
    )

    def evaluate(self, snapshot: Snapshot, params: Mapping[str, Any]) -> list[Finding]:
        now = snapshot.collected_at
        minimum = float(params["min_idle_seconds"])
        error_from = float(params["error_idle_seconds"])
        findings = []
        idle_sessions = sessions_older_than(
            snapshot.activity, now, lambda s: s.state_change, minimum, IDLE_IN_TRANSACTION
        )
        for session, idle in idle_sessions:
            evidence = {
                **session_evidence(session, now),
                "idle_seconds": round(idle, 1),
                "min_idle_seconds": minimum,
                "error_idle_seconds": error_from,
            }
            aborted = " (aborted)" if session.state and "aborted" in session.state else ""
            fix = Steps(
                (
                    *end_session_suggestion(session),
                    role_setting_fix(
                        session,
                        "idle_in_transaction_session_timeout",
                        str(params["suggested_timeout"]),
                    ),
                )
            )
            findings.append(
                self.finding(
                    session_ref(session),
                    f"{describe(session)} has been idle in transaction{aborted} for "
                    f"{human_duration(idle)}",
                    severity=age_severity(idle, error_from),
                    evidence=evidence,
                    recommendation="Find the code path that leaves this transaction open (the last "
                    "query is in the evidence) and commit or roll back before slow "
                    "work; set idle_in_transaction_session_timeout for the role so "
                    "the server ends such sessions.",
                    fix=fix,
                )
            )
        return findings
