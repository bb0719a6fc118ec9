"""The typed results of ``vector tune``: one ``IndexTune`` per ANN index, with its sweep."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pgsage.model import Fix


@dataclass(frozen=True)
class SweepPoint:
    """Recall@k and client-side latency of the sampled queries at one setting."""

    setting: str  # hnsw.ef_search or ivfflat.probes
    value: int
    recall: float
    p50_ms: float
    p95_ms: float
    iterative: str = "off"  # hnsw.iterative_scan / ivfflat.iterative_scan during the sweep
    returned: float = 0.0  # mean rows returned per query (of k)

    def to_dict(self) -> dict[str, Any]:
        return {
            "setting": self.setting,
            "value": self.value,
            "recall": round(self.recall, 4),
            "p50_ms": round(self.p50_ms, 3),
            "p95_ms": round(self.p95_ms, 3),
            "iterative_scan": self.iterative,
            "returned": round(self.returned, 2),
        }


@dataclass(frozen=True)
class Recommendation:
    setting: str
    value: int
    recall: float
    p95_ms: float
    sql: str  # ALTER ROLE ... IN DATABASE ... SET
    set_local: str  # SET LOCAL inside the query's transaction
    application: str  # SQLAlchemy: event.listen(engine, "connect", ...)

    def to_dict(self) -> dict[str, Any]:
        return {
            "setting": self.setting,
            "value": self.value,
            "recall": round(self.recall, 4),
            "p95_ms": round(self.p95_ms, 3),
            "sql": self.sql,
            "set_local": self.set_local,
            "application": self.application,
        }


@dataclass(frozen=True)
class Rebuild:
    """The index rebuild expected to reach the target when no query-time setting does."""

    method: str
    storage: tuple[tuple[str, int], ...]
    reason: str
    estimated_build_s: float
    estimated_size_bytes: int
    fix: Fix

    def to_dict(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "storage": dict(self.storage),
            "reason": self.reason,
            "estimated_build_s": round(self.estimated_build_s, 1),
            "estimated_size_bytes": self.estimated_size_bytes,
            "sql": self.fix.to_sql(),
            "alembic": self.fix.to_alembic(),
        }


@dataclass(frozen=True)
class FilteredTune:
    """The same queries with a WHERE filter: post-filtering, and iterative scans if available."""

    condition: str
    matching_fraction: float | None  # share of rows the filter keeps (of those sampled)
    sweep: tuple[SweepPoint, ...]
    iterative_sweep: tuple[SweepPoint, ...]
    recall_drop: float | None  # unfiltered minus filtered recall at the recommended value
    advice: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "filter": self.condition,
            "matching_fraction": (
                None if self.matching_fraction is None else round(self.matching_fraction, 4)
            ),
            "sweep": [p.to_dict() for p in self.sweep],
            "iterative_sweep": [p.to_dict() for p in self.iterative_sweep],
            "recall_drop": None if self.recall_drop is None else round(self.recall_drop, 4),
            "advice": list(self.advice),
        }


@dataclass(frozen=True)
class IndexTune:
    schema: str
    index: str
    table: str
    column: str
    method: str
    opclass: str
    operator: str
    definition: str
    k: int
    queries: int  # queries the recall figures are over
    query_source: str  # "sample of the column (held out)" or the file
    sweep: tuple[SweepPoint, ...]
    recommendation: Recommendation | None
    rebuild: Rebuild | None
    target: float
    current: SweepPoint | None = None  # at the session's own setting
    rule_of_thumb: SweepPoint | None = None  # at the value the audit checks would advise
    filtered: FilteredTune | None = None
    notes: tuple[str, ...] = ()
    exact_ms: float = 0.0  # mean time of one exact (sequential) top-k

    @property
    def setting(self) -> str:
        return "hnsw.ef_search" if self.method == "hnsw" else "ivfflat.probes"

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema": self.schema,
            "index": self.index,
            "table": self.table,
            "column": self.column,
            "method": self.method,
            "opclass": self.opclass,
            "operator": self.operator,
            "definition": self.definition,
            "k": self.k,
            "queries": self.queries,
            "query_source": self.query_source,
            "target": self.target,
            "sweep": [p.to_dict() for p in self.sweep],
            "current": self.current.to_dict() if self.current else None,
            "rule_of_thumb": self.rule_of_thumb.to_dict() if self.rule_of_thumb else None,
            "recommendation": self.recommendation.to_dict() if self.recommendation else None,
            "rebuild": self.rebuild.to_dict() if self.rebuild else None,
            "filtered": self.filtered.to_dict() if self.filtered else None,
            "exact_ms": round(self.exact_ms, 3),
            "notes": list(self.notes),
        }


@dataclass(frozen=True)
class TuneResult:
    database: str
    pgvector: str
    indexes: tuple[IndexTune, ...]
    elapsed_s: float
    notes: tuple[str, ...] = field(default=())
    measured_at: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "database": self.database,
            "measured_at": self.measured_at,
            "pgvector": self.pgvector,
            "elapsed_s": round(self.elapsed_s, 2),
            "indexes": [ix.to_dict() for ix in self.indexes],
            "notes": list(self.notes),
        }
