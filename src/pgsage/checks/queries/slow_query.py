"""slow-query: statements whose mean execution time is above a second (seed 004's threshold)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pgsage.checks.base import Check, CheckDocs, Param
from pgsage.checks.queries.folded import advise_hint, query_evidence, query_ref, workload
from pgsage.db.snapshot import Snapshot
from pgsage.model import Finding, Severity


class SlowQuery(Check):
    id = "slow-query"
    category = "queries"
    severity = Severity.WARNING
    title = "Slow query"
    requires_sections = ("statements",)
    params = (
        Param("min_mean_ms", 1000.0, "mean execution time (ms) above which a statement is slow"),
        Param("error_mean_ms", 10000.0, "mean execution time (ms) above which it is an error"),
        Param("min_calls", 1, "ignore statements run fewer times than this"),
        Param(
            "warning_total_ms", 5000.0, "total time (ms) from which a slow statement is a warning"
        ),
        Param("error_total_ms", 60000.0, "total time (ms) from which a slow statement is an error"),
    )
    docs = CheckDocs(
        problem="A statement's mean execution time in pg_stat_statements is above the "
        "threshold (1 s by default, the slow-query line of seed 004), at any call count: a "
        "statement that takes seconds is worth a look even when it ran once. The severity "
        "follows the total time it took (info below 5 s, warning from 5 s, error from 60 s "
        "or a mean above 10 s).",
        why="Every call holds a connection from the pool for that long, users wait, and "
        "concurrent slow calls exhaust the pool. A statement that is slow on average is "
        "usually missing an index, reading far more rows than it returns, or sorting and "
        "hashing on disk.",
        fix="EXPLAIN (ANALYZE, BUFFERS) the statement with typical parameters; add the index "
        "`pgsage advise` proposes, rewrite the query (pagination, narrower joins), or move "
        "it off the request path. The evidence has the queryid to find it again.",
        alembic="Index fixes go in a migration with op.create_index(..., "
        "postgresql_concurrently=True) inside op.get_context().autocommit_block().",
    )

    def evaluate(self, snapshot: Snapshot, params: Mapping[str, Any]) -> list[Finding]:
        threshold = float(params["min_mean_ms"])
        error_at = float(params["error_mean_ms"])
        findings = []
        for query in workload(self.context):
            if query.calls < int(params["min_calls"]) or query.mean_ms <= threshold:
                continue
            findings.append(
                self.finding(
                    query_ref(query),
                    f"queryid {query.queryid} takes {query.mean_ms:,.0f} ms per call on average "
                    f"(max {query.max_ms:,.0f} ms, {query.calls:,} calls, "
                    f"{query.total_ms / 1000:,.1f} s in total)",
                    severity=_graded(query.mean_ms, query.total_ms, params),
                    evidence={
                        **query_evidence(query),
                        "threshold_ms": threshold,
                        "error_threshold_ms": error_at,
                    },
                    recommendation=advise_hint(query),
                )
            )
        return findings


def _graded(mean_ms: float, total_ms: float, params: Mapping[str, Any]) -> Severity:
    """Error for a mean above ``error_mean_ms`` or a total above ``error_total_ms``; warning
    from ``warning_total_ms`` of total time; info for a slow statement that cost little yet."""
    if mean_ms > float(params["error_mean_ms"]) or total_ms >= float(params["error_total_ms"]):
        return Severity.ERROR
    if total_ms >= float(params["warning_total_ms"]):
        return Severity.WARNING
    return Severity.INFO
