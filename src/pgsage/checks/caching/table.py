"""cache-hit-table: a busy table whose heap reads often miss shared_buffers."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pgsage.checks.base import Check, CheckDocs, Param
from pgsage.checks.caching.hit_ratio import BLOCKS_READ_NOTE, RATIO_PARAM, low_hit_ratio
from pgsage.db.snapshot import Snapshot
from pgsage.model import Finding, ObjectRef, Severity


class CacheHitTable(Check):
    id = "cache-hit-table"
    category = "caching"
    severity = Severity.INFO
    title = "Low buffer cache hit ratio (table)"
    requires_sections = ("tables",)
    params = (
        RATIO_PARAM,
        Param(
            "min_blocks",
            100_000,
            "only judge tables with at least this many heap block accesses (hit + read) "
            "since the statistics reset",
        ),
    )
    docs = CheckDocs(
        problem="Fewer than 99 % of the heap block accesses of a busy table were found in "
        "shared_buffers (pg_statio_all_tables heap_blks_hit vs heap_blks_read).",
        why="The table's pages are read into memory again and again: typically large "
        "sequential scans (a missing index, a report, an ORM loading whole tables) or a "
        "table much larger than the cache accessed at random. It explains a low database "
        f"hit ratio and I/O load. Note: {BLOCKS_READ_NOTE}.",
        fix="If the table is mostly sequentially scanned (seq_scan high against idx_scan), "
        "find those queries in pg_stat_statements and index them; archive or partition "
        "cold data; if the hot part of the table truly exceeds shared_buffers, raise it or "
        "add memory.",
    )

    def evaluate(self, snapshot: Snapshot, params: Mapping[str, Any]) -> list[Finding]:
        findings = []
        for table in snapshot.tables:
            counters = low_hit_ratio(table.heap_blks_hit, table.heap_blks_read, params)
            if counters is None:
                continue
            seq, idx = table.seq_scan or 0, table.idx_scan or 0
            scans = " — mostly sequential scans, look for a missing index" if seq > idx else ""
            findings.append(
                self.finding(
                    ObjectRef("table", table.schema, table.name),
                    f"{table.qualified} found {counters.ratio:.2%} of {counters.total:,} heap block "
                    f"accesses in shared_buffers{scans}",
                    evidence={
                        **counters.evidence(params),
                        "table_bytes": table.table_bytes,
                        "seq_scans": seq,
                        "idx_scans": idx,
                    },
                    recommendation="Find the statements that read this table "
                    "(pg_stat_statements, shared_blks_read) and give them an index "
                    "or a narrower scan; archive cold rows; raise shared_buffers "
                    "only if the hot data really exceeds it.",
                )
            )
        return findings
