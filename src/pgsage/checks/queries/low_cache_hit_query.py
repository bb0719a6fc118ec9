"""low-cache-hit-query: statements reading many blocks, most of them not from shared buffers."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pgsage.checks.base import Check, CheckDocs, Param
from pgsage.checks.queries.folded import advise_hint, query_evidence, query_ref, workload
from pgsage.db.snapshot import Snapshot
from pgsage.model import Finding, Severity


def block_size(snapshot: Snapshot) -> int:
    value = snapshot.setting("block_size")
    return int(value) if value and value.isdigit() else 8192


class LowCacheHitQuery(Check):
    id = "low-cache-hit-query"
    category = "queries"
    severity = Severity.WARNING
    title = "Query with a low buffer cache hit ratio"
    requires_sections = ("statements", "settings")
    params = (
        Param("max_hit_ratio", 0.9, "report statements whose shared-buffer hit ratio is below"),
        Param("min_blocks", 100000, "only statements that touched at least this many blocks"),
    )
    docs = CheckDocs(
        problem="A statement that touches many blocks finds a small fraction of them in shared "
        "buffers (shared_blks_hit / (shared_blks_hit + shared_blks_read) below 90 % by "
        "default).",
        why="Every miss is a read from the OS cache at best and from disk at worst; such a "
        "statement is usually scanning a large table or a bloated index, and it evicts "
        "other statements' pages from the cache while doing so.",
        fix="Give it an index so that it reads only the rows it needs (`pgsage advise`), "
        "narrow the scan (a date range, a partial index), or — when the working set really "
        "is larger than memory — raise shared_buffers or add memory.",
    )

    def evaluate(self, snapshot: Snapshot, params: Mapping[str, Any]) -> list[Finding]:
        size = block_size(snapshot)
        threshold = float(params["max_hit_ratio"])
        findings = []
        for query in workload(self.context):
            blocks = query.shared_blocks
            if blocks < int(params["min_blocks"]) or blocks == 0:
                continue
            ratio = query.shared_blks_hit / blocks
            if ratio >= threshold:
                continue
            read_bytes = query.shared_blks_read * size
            findings.append(
                self.finding(
                    query_ref(query),
                    f"queryid {query.queryid} found {ratio:.0%} of its {blocks:,} blocks in shared "
                    f"buffers ({read_bytes / 2**20:,.0f} MiB read over {query.calls:,} calls)",
                    evidence={
                        **query_evidence(query),
                        "hit_ratio": round(ratio, 4),
                        "shared_blks_hit": query.shared_blks_hit,
                        "shared_blks_read": query.shared_blks_read,
                        "read_bytes": read_bytes,
                        "threshold_hit_ratio": threshold,
                    },
                    recommendation="Make it read fewer blocks (an index or a narrower scan). "
                    + advise_hint(query),
                )
            )
        return findings
