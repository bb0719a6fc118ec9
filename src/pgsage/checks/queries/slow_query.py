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
        Param("min_calls", 5, "ignore statements run fewer times than this (one-off reports)"),
    )
    docs = CheckDocs(
        problem="A statement's mean execution time in pg_stat_statements is above the "
        "threshold (1 s by default, the slow-query line of seed 004), over at least a "
        "few calls.",
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
            severe = query.mean_ms > error_at
            findings.append(
                self.finding(
                    query_ref(query),
                    f"queryid {query.queryid} takes {query.mean_ms:,.0f} ms per call on average "
                    f"(max {query.max_ms:,.0f} ms, {query.calls:,} calls, "
                    f"{query.total_ms / 1000:,.1f} s in total)",
                    severity=Severity.ERROR if severe else None,
                    evidence={
                        **query_evidence(query),
                        "threshold_ms": threshold,
                        "error_threshold_ms": error_at,
                    },
                    recommendation=advise_hint(query),
                )
            )
        return findings
