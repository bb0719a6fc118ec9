"""cache-hit-index: a busy index whose pages often miss shared_buffers."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pgsage.checks.base import Check, CheckDocs, Param
from pgsage.checks.caching.hit_ratio import BLOCKS_READ_NOTE, RATIO_PARAM, low_hit_ratio
from pgsage.db.snapshot import Snapshot
from pgsage.model import Finding, ObjectRef, Severity


class CacheHitIndex(Check):
    id = "cache-hit-index"
    category = "caching"
    severity = Severity.INFO
    title = "Low buffer cache hit ratio (index)"
    requires_sections = ("indexes",)
    params = (
        RATIO_PARAM,
        Param(
            "min_blocks",
            100_000,
            "only judge indexes with at least this many block accesses (hit + read) since "
            "the statistics reset",
        ),
    )
    docs = CheckDocs(
        problem="Fewer than 99 % of a busy index's block accesses were found in shared_buffers "
        "(pg_statio_all_indexes idx_blks_hit vs idx_blks_read).",
        why="Index pages should be the hottest data of all — upper levels are read by every "
        "lookup. A low ratio means the index is larger than the memory it gets: bloated, "
        "very wide (many or large columns), on random keys (UUIDv4) that spread inserts "
        f"over every leaf page, or scanned in full. Note: {BLOCKS_READ_NOTE}.",
        fix="Check the index for bloat (REINDEX CONCURRENTLY), narrow it (fewer or smaller "
        "columns, a partial index), prefer time-ordered keys (bigint identity, UUIDv7) "
        "over random ones, and drop unused indexes that compete for the cache.",
    )

    def evaluate(self, snapshot: Snapshot, params: Mapping[str, Any]) -> list[Finding]:
        findings = []
        for index in snapshot.indexes:
            counters = low_hit_ratio(index.idx_blks_hit, index.idx_blks_read, params)
            if counters is None:
                continue
            findings.append(
                self.finding(
                    ObjectRef("index", index.schema, index.name, index.table),
                    f"index {index.name} on {index.schema}.{index.table} found {counters.ratio:.2%} "
                    f"of {counters.total:,} block accesses in shared_buffers",
                    evidence={
                        **counters.evidence(params),
                        "definition": index.definition,
                        "size_bytes": index.size_bytes,
                        "scans": index.idx_scan or 0,
                    },
                    recommendation=f"Check {index.name} for bloat and width (REINDEX CONCURRENTLY, "
                    "a narrower or partial index, time-ordered keys) and drop "
                    "unused indexes that compete for shared_buffers.",
                )
            )
        return findings
