"""ivfflat-built-small: an IVFFlat index whose centroids were trained on a much smaller table.

PostgreSQL does not record how many rows an index was built over, so two signals stand in:

1. Statistics (exact, until the next VACUUM or ANALYZE of the table): CREATE INDEX stores the
   number of rows it indexed in the index's pg_class.reltuples (-1 on PostgreSQL 14+ when it
   indexed none), and only VACUUM and ANALYZE refresh it; the cumulative statistics count live
   rows continuously. A table whose live rows are many times the index's reltuples has grown
   since the build and has not been analyzed since — the classic "create the index, then load
   the data" mistake, caught right after the load.
2. An explicit ``lists`` (inference, informational): whoever set it sized it for the table of
   the day (lists = rows / 1000, or sqrt(rows) above 1M rows). When today's rows are many times
   the rows that lists implies, the table has most likely grown that much since the build.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pgsage.checks.base import Check, CheckDocs, Param
from pgsage.checks.vector.ann import DEFAULT_LISTS, index_ref, index_rows, int_option
from pgsage.db.snapshot import Snapshot
from pgsage.fixes.index import ReindexIndex
from pgsage.model import Finding, Severity


def rows_implied_by(lists: int) -> int:
    """The table size a ``lists`` value was chosen for, inverting pgvector's advice."""
    return lists * 1000 if lists <= 1000 else lists * lists


class IvfflatBuiltSmall(Check):
    id = "ivfflat-built-small"
    category = "vector"
    severity = Severity.WARNING
    title = "IVFFlat index trained on a much smaller table"
    requires_extensions = ("vector",)
    requires_sections = ("tables", "indexes")
    params = (
        Param("min_rows", 10_000.0, "ignore tables with fewer rows than this"),
        Param(
            "stats_growth_factor",
            4.0,
            "report when the table's live rows exceed the rows the index was built over "
            "(its reltuples, before any VACUUM/ANALYZE) by this factor",
        ),
        Param(
            "lists_growth_factor",
            10.0,
            "report (info) when the rows exceed those an explicit lists was sized for "
            "(lists * 1000, or lists squared above 1000 lists) by this factor",
        ),
    )
    docs = CheckDocs(
        problem="An IVFFlat index was built — its cluster centroids trained by k-means — when "
        "the table held far fewer rows than it does now. Seen either from the "
        "statistics (the index's reltuples, written at build time and refreshed only "
        "by VACUUM/ANALYZE, against the table's live row count) or, as an inference, "
        "from an explicit `lists` sized for a much smaller table.",
        why="IVFFlat never retrains: rows added later are filed under the nearest of the old "
        'centroids. Built on an empty or small table (pgvector warns "ivfflat index '
        'created with little data"), the centroids do not represent the data, lists become '
        "very uneven, and searches are both slower and miss neighbours.",
        fix="REINDEX INDEX CONCURRENTLY to retrain the centroids on today's data; if "
        "ivfflat-lists also reports the index, rebuild it with the recommended lists "
        "instead (that retrains too). Create IVFFlat indexes after loading the data.",
        alembic="op.execute('REINDEX INDEX CONCURRENTLY ...') inside "
        "op.get_context().autocommit_block().",
    )

    def evaluate(self, snapshot: Snapshot, params: Mapping[str, Any]) -> list[Finding]:
        min_rows = float(params["min_rows"])
        stats_factor = float(params["stats_growth_factor"])
        lists_factor = float(params["lists_growth_factor"])
        findings = []
        for index in snapshot.indexes:
            if index.method != "ivfflat" or not index.is_valid:
                continue
            rows, table = index_rows(snapshot, index)
            if table is None:
                continue
            lists, explicit = int_option(index, "lists", DEFAULT_LISTS)
            live = float(table.n_live_tup or 0)
            built = max(index.reltuples, 0.0)
            fix = ReindexIndex(index.schema, index.name)
            evidence: dict[str, Any] = {
                "lists": lists,
                "lists_explicit": explicit,
                "index_reltuples": index.reltuples,
                "table_live_rows": int(live),
                "table_rows": int(rows),
                "min_rows": min_rows,
            }
            if not index.predicate and live >= min_rows and live > stats_factor * max(built, 1.0):
                findings.append(
                    self.finding(
                        index_ref(index),
                        f"IVFFlat index {index.name} on {index.schema}.{index.table} was built over "
                        f"{int(built):,} rows, and the table now has {int(live):,} live rows "
                        f"(> {stats_factor:g} times): its {lists} centroids were trained on "
                        f"{'an empty table' if built == 0 else 'a small sample of the data'}",
                        evidence={
                            **evidence,
                            "signal": "statistics",
                            "growth_factor": stats_factor,
                        },
                        recommendation=f"Reindex {index.name} concurrently so that its centroids "
                        "are trained on the data it holds now.",
                        fix=fix,
                    )
                )
                continue
            implied = rows_implied_by(lists)
            if explicit and rows >= min_rows and rows > lists_factor * implied:
                findings.append(
                    self.finding(
                        index_ref(index),
                        f"IVFFlat index {index.name} on {index.schema}.{index.table} has lists = "
                        f"{lists}, sized for about {implied:,} rows; the table has {int(rows):,} "
                        f"(> {lists_factor:g} times), so it was most likely built — and its centroids "
                        "trained — on a much smaller table",
                        severity=Severity.INFO,
                        evidence={
                            **evidence,
                            "signal": "lists",
                            "rows_implied_by_lists": implied,
                            "growth_factor": lists_factor,
                        },
                        recommendation=f"Reindex {index.name} concurrently to retrain it on today's "
                        "data — or, better, rebuild it with the lists ivfflat-lists "
                        "recommends, which retrains it too.",
                        fix=fix,
                    )
                )
        return findings
