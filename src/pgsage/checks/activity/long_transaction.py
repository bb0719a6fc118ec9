"""long-transaction: transactions open for minutes hold back VACUUM for the whole server."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pgsage.checks.activity.sessions import (
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
from pgsage.fixes.steps import Comment, CommentedOut, Steps
from pgsage.model import Finding, Severity

TRANSACTION_TIMEOUT_SINCE = 170000  # transaction_timeout exists from PostgreSQL 17 on


class LongTransaction(Check):
    id = "long-transaction"
    category = "activity"
    severity = Severity.WARNING
    title = "Long-running transaction"
    requires_sections = ("activity",)
    requires_all_stats = True
    params = (
        Param("max_seconds", 300.0, "report transactions open longer than this (seed: 5 min)"),
        Param("error_seconds", 3600.0, "an error from this long on"),
    )
    docs = CheckDocs(
        problem="A client session's current transaction has been open for longer than the "
        "threshold (5 minutes by default), whether it is running a query or idle."
        + VISIBILITY_NOTE,
        why="While it is open, its snapshot pins the xmin horizon: VACUUM cannot remove rows "
        "that died after it began, in any table it could see, so tables and indexes bloat "
        "and index-only scans degrade. It also keeps its locks, and a long transaction on "
        "a primary with hot_standby_feedback holds back replicas too.",
        fix="Find out what the transaction does (query and application are in the evidence). "
        "Split batch jobs into smaller transactions, do not keep transactions open across "
        "user think time or network calls, and consider statement_timeout / "
        "idle_in_transaction_session_timeout (and transaction_timeout on PostgreSQL 17+) "
        "for the application role.",
    )

    def evaluate(self, snapshot: Snapshot, params: Mapping[str, Any]) -> list[Finding]:
        now = snapshot.collected_at
        limit = float(params["max_seconds"])
        error_from = float(params["error_seconds"])
        findings = []
        for session, age in sessions_older_than(
            snapshot.activity, now, lambda s: s.xact_start, limit
        ):
            evidence = {
                **session_evidence(session, now),
                "max_seconds": limit,
                "error_seconds": error_from,
            }
            fix = end_session_suggestion(session)
            if snapshot.server.version_num >= TRANSACTION_TIMEOUT_SINCE:
                cap = role_setting_fix(session, "transaction_timeout", f"{int(error_from)}s")
                fix += [
                    Comment("To cap transactions of this role (PostgreSQL 17+), for example:"),
                    CommentedOut(cap),
                ]
            findings.append(
                self.finding(
                    session_ref(session),
                    f"{describe(session)} has had a transaction open for {human_duration(age)} "
                    f"(state {session.state or 'unknown'}); VACUUM cannot clean up rows that died "
                    "since it began",
                    severity=age_severity(age, error_from),
                    evidence=evidence,
                    recommendation="Find out what holds the transaction open (query and application "
                    "are in the evidence); split batch work into shorter "
                    "transactions and keep transactions out of user think time and "
                    "network calls.",
                    fix=Steps(tuple(fix)),
                )
            )
        return findings
