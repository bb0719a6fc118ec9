"""high-rows-per-call: SELECTs returning very many rows each time they run."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pgsage.checks.base import Check, CheckDocs, Param
from pgsage.checks.queries.folded import query_evidence, query_ref, workload
from pgsage.db.snapshot import Snapshot
from pgsage.model import Finding, Severity


class HighRowsPerCall(Check):
    id = "high-rows-per-call"
    category = "queries"
    severity = Severity.WARNING
    title = "Query returning very many rows per call"
    requires_sections = ("statements",)
    params = (
        Param("min_rows_per_call", 10000.0, "rows returned per call above which to report"),
        Param("min_calls", 5, "ignore statements run fewer times than this (exports, reports)"),
    )
    docs = CheckDocs(
        problem="A SELECT returns, on average, more rows per call than any screen or API page "
        "shows (10,000 by default).",
        why="All those rows are read, sent over the network and turned into objects by the "
        "driver or ORM on every call: a list endpoint without pagination, `query.all()` on "
        "a whole table, or a relationship loaded in full. Memory and latency grow with the "
        "table.",
        fix="Paginate (keyset pagination: WHERE id > :last ORDER BY id LIMIT :n), aggregate in "
        "SQL instead of in Python, select only the columns needed, or stream with a "
        "server-side cursor (yield_per) when every row really is needed.",
    )

    def evaluate(self, snapshot: Snapshot, params: Mapping[str, Any]) -> list[Finding]:
        threshold = float(params["min_rows_per_call"])
        findings = []
        for query in workload(self.context):
            if query.calls < int(params["min_calls"]) or query.rows_per_call <= threshold:
                continue
            info = query.info
            if info is not None and info.kind != "select":
                continue  # bulk INSERT/UPDATE/DELETE: rows affected, not rows returned
            has_limit = info.has_limit if info is not None else None
            limit_note = " and has no LIMIT" if has_limit is False else ""
            findings.append(
                self.finding(
                    query_ref(query),
                    f"queryid {query.queryid} returns {query.rows_per_call:,.0f} rows per call on "
                    f"average over {query.calls:,} calls{limit_note}",
                    evidence={
                        **query_evidence(query),
                        "has_limit": has_limit,
                        "threshold_rows_per_call": threshold,
                    },
                    recommendation="Paginate or aggregate in SQL instead of loading every row "
                    f"(queryid {query.queryid}); if all rows are needed, stream "
                    "them with a server-side cursor.",
                )
            )
        return findings
