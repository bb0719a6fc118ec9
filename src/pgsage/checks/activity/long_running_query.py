"""long-running-query: statements that have been running for longer than a threshold."""

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
from pgsage.fixes.steps import Steps
from pgsage.model import Finding, Severity


class LongRunningQuery(Check):
    id = "long-running-query"
    category = "activity"
    severity = Severity.WARNING
    title = "Long-running query"
    requires_sections = ("activity",)
    requires_all_stats = True
    params = (
        Param("max_seconds", 60.0, "report active statements running longer than this"),
        Param("error_seconds", 900.0, "an error from this long on"),
        Param("suggested_timeout", "30s", "the statement_timeout the fix proposes for the role"),
    )
    docs = CheckDocs(
        problem="A client session has been running its current statement for longer than the "
        "threshold (60 s by default)." + VISIBILITY_NOTE,
        why="A statement that runs for minutes usually lacks an index, reads far more rows than "
        "it returns, or waits on a lock; it occupies a connection and a CPU, holds its "
        "locks and snapshot (delaying VACUUM), and in a web application the client gave up "
        "long ago.",
        fix="EXPLAIN (ANALYZE, BUFFERS) the query and fix the plan (an index, a rewrite), or "
        "move it to a reporting replica. Set statement_timeout for the application role so "
        "that runaway statements are cancelled; cancel the current one with "
        "pg_cancel_backend(pid) if it should not finish.",
    )

    def evaluate(self, snapshot: Snapshot, params: Mapping[str, Any]) -> list[Finding]:
        now = snapshot.collected_at
        limit = float(params["max_seconds"])
        error_from = float(params["error_seconds"])
        findings = []
        running = sessions_older_than(
            snapshot.activity, now, lambda s: s.query_start, limit, ("active",)
        )
        for session, runtime in running:
            waiting = (
                f"{session.wait_event_type}: {session.wait_event}"
                if session.wait_event_type
                else ""
            )
            evidence = {
                **session_evidence(session, now),
                "runtime_seconds": round(runtime, 1),
                "waiting_on": waiting,
                "max_seconds": limit,
                "error_seconds": error_from,
            }
            fix = Steps(
                (
                    *end_session_suggestion(session, cancel=True),
                    role_setting_fix(
                        session, "statement_timeout", str(params["suggested_timeout"])
                    ),
                )
            )
            on_wait = f", waiting on {waiting}" if waiting else ""
            findings.append(
                self.finding(
                    session_ref(session),
                    f"{describe(session)} has been running one statement for {human_duration(runtime)}"
                    f"{on_wait}",
                    severity=age_severity(runtime, error_from),
                    evidence=evidence,
                    recommendation="EXPLAIN (ANALYZE, BUFFERS) the statement and fix its plan, or "
                    "move it off the primary; give the application role a "
                    "statement_timeout so runaway statements are cancelled.",
                    fix=fix,
                )
            )
        return findings
