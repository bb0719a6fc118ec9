"""top-time-query: one statement taking a large share of the workload's execution time."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pgsage.checks.base import Check, CheckDocs, Param
from pgsage.checks.queries.folded import query_evidence, query_ref, workload
from pgsage.db.snapshot import Snapshot
from pgsage.model import Finding, Severity


class TopTimeQuery(Check):
    id = "top-time-query"
    category = "queries"
    severity = Severity.INFO
    title = "Statement dominating execution time"
    requires_sections = ("statements",)
    params = (
        Param("min_share", 0.2, "fraction of the workload's total execution time"),
        Param(
            "min_total_ms",
            60000.0,
            "ignore statements with less total execution time (ms) than this",
        ),
    )
    docs = CheckDocs(
        problem="A single statement accounts for a large share (20 % by default) of the total "
        "execution time recorded by pg_stat_statements for this database.",
        why="The database's time is concentrated there: making that one statement cheaper "
        "(an index, fewer calls, caching) frees more capacity than tuning anything else. "
        "It need not be slow per call — a fast query called millions of times counts too.",
        fix="Look at it first: `pgsage advise` proposes indexes for it, EXPLAIN (ANALYZE, "
        "BUFFERS) shows where the time goes; if it is called too often (an N+1 pattern), "
        "batch or cache the calls in the application.",
    )

    def evaluate(self, snapshot: Snapshot, params: Mapping[str, Any]) -> list[Finding]:
        queries = workload(self.context)
        total = sum(q.toplevel_ms for q in queries)
        if total <= 0:
            return []
        findings = []
        for query in queries:
            share = query.total_ms / total
            if share <= float(params["min_share"]) or query.total_ms < float(
                params["min_total_ms"]
            ):
                continue
            findings.append(
                self.finding(
                    query_ref(query),
                    f"queryid {query.queryid} takes {share:.0%} of the database's execution time "
                    f"({query.total_ms / 1000:,.1f} s of {total / 1000:,.1f} s, "
                    f"{query.calls:,} calls)",
                    evidence={
                        **query_evidence(query),
                        "share": round(share, 4),
                        "workload_total_ms": round(total, 2),
                        "threshold_share": float(params["min_share"]),
                    },
                    recommendation=f"Tune this statement first: `pgsage advise` for index "
                    f"candidates, or fewer calls if it runs per row (queryid "
                    f"{query.queryid}).",
                )
            )
        return findings
