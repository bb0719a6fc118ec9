"""temp-spill-query: statements whose sorts and hashes spill to temporary files."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pgsage.checks.base import Check, CheckDocs, Param
from pgsage.checks.queries.folded import query_evidence, query_ref, workload
from pgsage.checks.queries.low_cache_hit_query import block_size
from pgsage.db.snapshot import Snapshot
from pgsage.model import Finding, Severity

MIB = 2**20


def suggested_work_mem(spill_bytes_per_call: float) -> str:
    """Twice the per-call spill, rounded up to a power of two in MiB: in memory, a sort or hash
    needs more room than its compact on-disk form."""
    mib = 1
    while mib * MIB < 2 * spill_bytes_per_call:
        mib *= 2
    return f"{mib}MB" if mib < 1024 else f"{mib // 1024}GB"


class TempSpillQuery(Check):
    id = "temp-spill-query"
    category = "queries"
    severity = Severity.WARNING
    title = "Query spilling to temporary files"
    requires_sections = ("statements", "settings")
    params = (
        Param(
            "min_temp_bytes",
            100 * MIB,
            "report statements that wrote at least this many temporary bytes in total",
        ),
    )
    docs = CheckDocs(
        problem="A statement wrote temporary files (temp_blks_written in pg_stat_statements): "
        "a sort, hash join, hash aggregate or materialization did not fit in work_mem.",
        why="Spilled operations run at disk speed instead of memory speed, write I/O that "
        "competes with everything else, and can fill the disk (temp_file_limit). It is "
        "often an ORDER BY over many rows with no index to provide the order, or a big "
        "GROUP BY / DISTINCT.",
        fix="Avoid the big sort (an index matching the ORDER BY, a LIMIT, a narrower row set) "
        "or give this statement more memory: SET LOCAL work_mem in its transaction, or "
        "ALTER ROLE ... SET work_mem for a reporting role. Raising work_mem server-wide "
        "multiplies by every connection and every sort node.",
    )

    def evaluate(self, snapshot: Snapshot, params: Mapping[str, Any]) -> list[Finding]:
        size = block_size(snapshot)
        work_mem = snapshot.setting("work_mem")
        findings = []
        for query in workload(self.context):
            written = query.temp_blks_written * size
            if query.temp_blks_written == 0 or written < int(params["min_temp_bytes"]):
                continue
            per_call = written / query.calls
            suggestion = suggested_work_mem(per_call)
            findings.append(
                self.finding(
                    query_ref(query),
                    f"queryid {query.queryid} wrote {written / MIB:,.0f} MiB of temporary files "
                    f"({per_call / MIB:,.1f} MiB per call over {query.calls:,} calls)",
                    evidence={
                        **query_evidence(query),
                        "temp_blks_written": query.temp_blks_written,
                        "temp_bytes_written": written,
                        "temp_bytes_per_call": round(per_call),
                        "work_mem_kb": int(work_mem)
                        if work_mem and work_mem.isdigit()
                        else work_mem,
                        "threshold_bytes": int(params["min_temp_bytes"]),
                    },
                    recommendation=f"Avoid the spilling sort/hash (an index matching its ORDER BY, "
                    f"fewer rows), or run it with SET LOCAL work_mem = "
                    f"'{suggestion}' in its transaction (queryid {query.queryid}).",
                )
            )
        return findings
