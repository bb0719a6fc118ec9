"""cache-hit-database: a busy database whose reads often miss shared_buffers."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pgsage.checks.base import Check, CheckDocs, Param
from pgsage.checks.caching.hit_ratio import BLOCKS_READ_NOTE, RATIO_PARAM, hit_ratio
from pgsage.checks.settings.values import setting_row, value_bytes
from pgsage.db.snapshot import Snapshot
from pgsage.model import Finding, ObjectRef, Severity


class CacheHitDatabase(Check):
    id = "cache-hit-database"
    category = "caching"
    severity = Severity.WARNING
    title = "Low buffer cache hit ratio (database)"
    requires_sections = ("database",)
    params = (
        RATIO_PARAM,
        Param(
            "min_blocks",
            1_000_000,
            "only judge a database that has accessed at least this many blocks (hit + read) "
            "since its statistics reset",
        ),
    )
    docs = CheckDocs(
        problem="Of all block accesses in this database since its statistics were reset, "
        "fewer than 99 % were found in shared_buffers (pg_stat_database blks_hit vs "
        "blks_read).",
        why="An OLTP database normally serves over 99 % of block accesses from memory; a lower "
        "ratio means the working set does not fit in shared_buffers, or queries read far "
        "more than they need (sequential scans of large tables, missing indexes), and each "
        f"miss costs a system call and possibly a disk read. Note: {BLOCKS_READ_NOTE}.",
        fix="Find what reads: the tables and indexes with low hit ratios (cache-hit-table, "
        "cache-hit-index) and the statements with the most shared_blks_read in "
        "pg_stat_statements; add the missing indexes. If the working set is simply larger "
        "than shared_buffers, raise shared_buffers (about 25 % of RAM; needs a restart) "
        "or add memory.",
    )

    def evaluate(self, snapshot: Snapshot, params: Mapping[str, Any]) -> list[Finding]:
        db = snapshot.database
        if db is None:
            return []
        counters = hit_ratio(db.blks_hit, db.blks_read)
        if not counters.low(params):
            return []
        buffers = setting_row(snapshot, "shared_buffers")
        since = db.stats_reset or db.postmaster_start_time
        return [
            self.finding(
                ObjectRef("database", "", db.name),
                f"database {db.name} found {counters.ratio:.2%} of {counters.total:,} block accesses "
                f"in shared_buffers (below {float(params['min_ratio']):.0%})",
                evidence={
                    **counters.evidence(params),
                    "shared_buffers_bytes": value_bytes(buffers) if buffers else None,
                    "database_bytes": db.size_bytes,
                    "stats_since": since.isoformat(),
                },
                recommendation="Find the tables, indexes and statements that read the most blocks "
                "(cache-hit-table, cache-hit-index, pg_stat_statements "
                "shared_blks_read) and fix their access paths; if the working set "
                "is larger than shared_buffers, raise it (about 25 % of RAM, "
                "restart needed) or add memory.",
            )
        ]
