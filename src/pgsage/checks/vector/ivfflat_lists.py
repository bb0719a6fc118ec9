"""ivfflat-lists: an IVFFlat index whose number of lists is far from what its rows call for."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from pgsage.checks.base import Check, CheckDocs, Param
from pgsage.checks.vector.ann import (
    DEFAULT_LISTS,
    index_key_sql,
    index_ref,
    index_rows,
    int_option,
    recommended_lists,
)
from pgsage.db.rows import Index
from pgsage.db.snapshot import Snapshot
from pgsage.fixes.index import CreateIndex
from pgsage.fixes.quoting import fit_identifier
from pgsage.fixes.vector import RebuildAnnIndex
from pgsage.model import Finding, Severity


def rebuild_with_lists(snapshot: Snapshot, index: Index, lists: int) -> RebuildAnnIndex | None:
    """The index rebuilt with another ``lists`` under its own name, or None if its key cannot be
    reproduced."""
    key = index_key_sql(snapshot, index)
    if key is None or not index.opclasses:
        return None
    new = CreateIndex(
        index.schema,
        index.table,
        (replace(key, opclass=index.opclasses[0]),),
        fit_identifier(index.name, f"lists{lists}"),
        method="ivfflat",
        where=index.predicate,
        storage=(("lists", lists),),
    )
    return RebuildAnnIndex(index.name, new)


class IvfflatLists(Check):
    id = "ivfflat-lists"
    category = "vector"
    severity = Severity.WARNING
    title = "IVFFlat lists far from the recommended number"
    requires_extensions = ("vector",)
    requires_sections = ("tables", "columns", "indexes")
    params = (
        Param("min_rows", 10_000.0, "ignore indexes over fewer rows than this"),
        Param("low_ratio", 0.5, "report lists below this fraction of the recommended number"),
        Param("high_ratio", 2.0, "report lists above this multiple of the recommended number"),
    )
    docs = CheckDocs(
        problem="An IVFFlat index's `lists` (the number of clusters; 100 when not given) is far "
        "from pgvector's recommendation for the rows it holds: rows / 1000 up to 1M "
        "rows, sqrt(rows) above.",
        why="Too few lists make each probed list long, so every search reads a large part of "
        "the index (slow, close to a scan); too many make the lists small, so the default "
        "number of probes finds fewer true neighbours (poor recall) unless probes is raised "
        "— and raising it costs speed again.",
        fix="Rebuild the index online with the recommended lists: CREATE INDEX CONCURRENTLY a "
        "new one WITH (lists = n), DROP INDEX CONCURRENTLY the old one, and rename the new "
        "one to the old name. Set ivfflat.probes to about sqrt(lists) afterwards.",
        alembic="op.create_index(..., postgresql_using='ivfflat', postgresql_with={'lists': n}, "
        "postgresql_concurrently=True), op.drop_index(old, postgresql_concurrently=True) "
        "and op.execute('ALTER INDEX ... RENAME TO ...'), inside "
        "op.get_context().autocommit_block().",
    )

    def evaluate(self, snapshot: Snapshot, params: Mapping[str, Any]) -> list[Finding]:
        min_rows = float(params["min_rows"])
        low, high = float(params["low_ratio"]), float(params["high_ratio"])
        findings = []
        for index in snapshot.indexes:
            if index.method != "ivfflat" or not index.is_valid:
                continue
            rows, _table = index_rows(snapshot, index)
            if rows < min_rows:
                continue
            lists, explicit = int_option(index, "lists", DEFAULT_LISTS)
            recommended = recommended_lists(rows)
            ratio = lists / recommended
            if low <= ratio <= high:
                continue
            if ratio < low:
                effect = "too few: each search scans long lists, a large part of the index"
            else:
                effect = (
                    "too many: lists are small and the probes find fewer true "
                    "neighbours (poor recall)"
                )
            rule = "rows / 1000" if rows <= 1_000_000 else "sqrt(rows)"
            rebuild = rebuild_with_lists(snapshot, index, recommended)
            findings.append(
                self.finding(
                    index_ref(index),
                    f"IVFFlat index {index.name} on {index.schema}.{index.table} has {lists} lists"
                    f"{'' if explicit else ' (the default)'} for {int(rows):,} rows; {rule} "
                    f"recommends {recommended} — {effect}",
                    evidence={
                        "lists": lists,
                        "lists_explicit": explicit,
                        "rows": int(rows),
                        "recommended_lists": recommended,
                        "ratio": round(ratio, 3),
                        "low_ratio": low,
                        "high_ratio": high,
                        "definition": index.definition,
                    },
                    recommendation=f"Rebuild {index.name} with lists = {recommended} (build a new "
                    "index concurrently, drop the old one, rename), then set "
                    f"ivfflat.probes to about sqrt({recommended}).",
                    fix=rebuild,
                )
            )
        return findings
