"""index-bloat: a btree index much larger than its entries need (a statistical estimate)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pgsage.checks.base import Check, CheckDocs
from pgsage.checks.columns import analyzed_columns
from pgsage.checks.indexes.signatures import index_ref
from pgsage.checks.tables.estimate import BloatLimits, bloat_params, index_estimate
from pgsage.db.snapshot import Snapshot
from pgsage.fixes.index import ReindexIndex
from pgsage.model import Finding, Severity
from pgsage.units import human_bytes


class IndexBloat(Check):
    id = "index-bloat"
    category = "indexes"
    severity = Severity.WARNING
    title = "Bloated btree index"
    requires_sections = ("indexes", "columns", "settings")
    params = bloat_params("index")
    docs = CheckDocs(
        problem="A btree index takes far more pages than its entries need. The estimate comes "
        "from the key (and INCLUDE) columns' average widths and null fractions in "
        "pg_stats, the index's reltuples, the block size and its fillfactor, compared "
        "with its size. Indexes on expressions and other access methods are not "
        "estimated.",
        why="Btree pages emptied by deletes and updates are rarely given back: the index "
        "stays large, more of it has to be cached, and every scan touches more pages. "
        "Deduplication (PostgreSQL 13+) only makes indexes smaller than estimated, so "
        "duplicates do not cause false reports.",
        fix="REINDEX INDEX CONCURRENTLY rebuilds it without blocking reads or writes "
        "(PostgreSQL 12+; it needs twice the space while it runs, and a failed run leaves "
        "an invalid index to drop). pg_repack can also rebuild indexes online. VACUUM FULL "
        "of the table rebuilds them too, but under an ACCESS EXCLUSIVE lock.",
        alembic="op.execute('REINDEX INDEX CONCURRENTLY ...') inside "
        "op.get_context().autocommit_block().",
    )

    def evaluate(self, snapshot: Snapshot, params: Mapping[str, Any]) -> list[Finding]:
        limits = BloatLimits.from_params(params)
        findings = []
        analyzed = analyzed_columns(self.context)
        for index in snapshot.indexes:
            if not (index.is_valid and index.is_ready):
                continue
            if (index.schema, index.table) not in analyzed:
                continue  # never analyzed: no estimate (the usual case, checked cheaply)
            estimate = index_estimate(self.context, index)
            if estimate is None or not limits.exceeded_by(estimate):
                continue
            findings.append(
                self.finding(
                    index_ref(index),
                    f"index {index.name} on {index.schema}.{index.table} is about "
                    f"{estimate.ratio:.0%} bloat: {human_bytes(estimate.actual_bytes)} where its "
                    f"{estimate.rows:,.0f} entries need about "
                    f"{human_bytes(estimate.expected_bytes)} "
                    f"({human_bytes(estimate.wasted_bytes)} wasted)",
                    severity=limits.severity(estimate),
                    evidence={
                        "definition": index.definition,
                        "index_bytes": estimate.actual_bytes,
                        **estimate.waste_evidence(),
                        "entries": int(estimate.rows),
                        "estimated_entry_bytes": estimate.tuple_bytes,
                        "entries_per_leaf_page": estimate.rows_per_page,
                        "fillfactor": estimate.fillfactor,
                        **limits.evidence(),
                    },
                    recommendation=f"Rebuild {index.name} with REINDEX INDEX CONCURRENTLY (or "
                    "pg_repack); it needs about its current size in free disk "
                    "while it runs.",
                    fix=ReindexIndex(index.schema, index.name),
                )
            )
        return findings
