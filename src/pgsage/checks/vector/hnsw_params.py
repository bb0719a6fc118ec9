"""hnsw-params: HNSW build options off the defaults, and ef_search below a query's LIMIT."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pgsage.checks.base import Check, CheckDocs, Param
from pgsage.checks.vector import measured
from pgsage.checks.vector.ann import (
    DEFAULT_EF_CONSTRUCTION,
    DEFAULT_M,
    as_int,
    effective_for,
    index_ref,
    indexed_column,
    int_option,
    opclass_operator,
    session_default,
)
from pgsage.checks.vector.workload import distance_orders
from pgsage.db.rows import Index
from pgsage.db.snapshot import Snapshot
from pgsage.fixes.settings import SetSetting
from pgsage.model import Finding, Severity

EF_SEARCH = "hnsw.ef_search"
ITERATIVE = "hnsw.iterative_scan"
MAX_EF_SEARCH = 1000  # pgvector's upper bound for hnsw.ef_search


def tradeoff(m: int, ef_construction: int) -> str:
    lower = m < DEFAULT_M or ef_construction < DEFAULT_EF_CONSTRUCTION
    higher = m > DEFAULT_M or ef_construction > DEFAULT_EF_CONSTRUCTION
    if lower and not higher:
        return (
            "lower values build faster and make a smaller index, but the graph is sparser "
            "and recall is lower at the same ef_search"
        )
    if higher and not lower:
        return (
            "higher values raise recall, at the cost of a slower build, a bigger index and "
            "slower inserts"
        )
    return (
        "m sets the graph's connections per node (recall, size, insert cost) and "
        "ef_construction the build's candidate list (recall vs build time)"
    )


class HnswParams(Check):
    id = "hnsw-params"
    category = "vector"
    severity = Severity.INFO
    title = "HNSW build options and ef_search"
    requires_extensions = ("vector",)
    requires_sections = ("columns", "indexes", "roles", "vector_settings")
    params = (
        Param(
            "report_build_options",
            True,
            "report HNSW indexes built with m or ef_construction off pgvector's defaults",
        ),
        *measured.PARAMS,
    )
    docs = CheckDocs(
        problem="An HNSW index was built with non-default options (m ≠ 16 or ef_construction "
        "≠ 64) — reported for information, with what they trade off — or a query "
        "visible in pg_stat_activity/pg_stat_statements asks for more rows (LIMIT) than "
        "hnsw.ef_search lets the index return (a warning).",
        why="m and ef_construction decide the quality of the graph: low values give a small, "
        "fast-to-build index with lower recall; high values the opposite. At query time an "
        "HNSW scan returns at most ef_search candidates (40 by default) unless iterative "
        "scans are on (pgvector 0.8+), so `LIMIT 100` with ef_search = 40 silently returns "
        "at most 40 rows.",
        fix="Keep deliberate build options (rebuild with REINDEX after changing them with ALTER "
        "INDEX ... SET); set hnsw.ef_search at least as high as the largest LIMIT — per "
        "role (ALTER ROLE ... SET), per transaction (SET LOCAL) — or turn on "
        "hnsw.iterative_scan. With the measured_recall_file parameter (a record of `pgsage "
        "vector tune --record`), sessions whose ef_search measured below target_recall are "
        "reported too. LIMITs are only visible where a query text still carries the "
        "literal (pg_stat_activity; pg_stat_statements replaces constants by $n).",
    )

    def evaluate(self, snapshot: Snapshot, params: Mapping[str, Any]) -> list[Finding]:
        findings = []
        hnsw = [ix for ix in snapshot.indexes if ix.method == "hnsw" and ix.is_valid]
        if bool(params["report_build_options"]):
            for index in hnsw:
                m, _ = int_option(index, "m", DEFAULT_M)
                ef_construction, _ = int_option(index, "ef_construction", DEFAULT_EF_CONSTRUCTION)
                if (m, ef_construction) == (DEFAULT_M, DEFAULT_EF_CONSTRUCTION):
                    continue
                findings.append(
                    self.finding(
                        index_ref(index),
                        f"HNSW index {index.name} on {index.schema}.{index.table} is built with "
                        f"m = {m}, ef_construction = {ef_construction} (defaults {DEFAULT_M}, "
                        f"{DEFAULT_EF_CONSTRUCTION}): {tradeoff(m, ef_construction)}",
                        evidence={
                            "m": m,
                            "ef_construction": ef_construction,
                            "default_m": DEFAULT_M,
                            "default_ef_construction": DEFAULT_EF_CONSTRUCTION,
                            "definition": index.definition,
                        },
                        recommendation="Keep these options if they were chosen on purpose and "
                        "recall was measured; otherwise rebuild with the defaults.",
                    )
                )
        findings += self.ef_search_findings(snapshot, hnsw)
        findings += self.measured_findings(snapshot, hnsw, params)
        return findings

    def measured_findings(
        self, snapshot: Snapshot, hnsw: list[Index], params: Mapping[str, Any]
    ) -> list[Finding]:
        """With a recorded tune: sessions whose ef_search measured below the target recall."""
        found = measured.measurements(snapshot, params)
        target = float(params["target_recall"])
        default = session_default(snapshot, EF_SEARCH)
        ef_search = as_int(default.value) or 40
        findings = []
        for index in hnsw:
            meas = measured.for_index(found, index)
            at = meas.recall_at(ef_search) if meas is not None else None
            if meas is None or at is None or at[1] >= target:
                continue
            fix = None
            advice = f"raise {EF_SEARCH} and measure again (pgsage vector tune)"
            if meas.recommended:
                fix = SetSetting(
                    name=EF_SEARCH, value=meas.recommended, database=snapshot.server.database
                )
                advice = f"set {EF_SEARCH} = {meas.recommended}, measured to reach it"
            findings.append(
                self.finding(
                    index_ref(index),
                    f"sessions search HNSW index {index.name} with {EF_SEARCH} = {ef_search} "
                    f"({default.source}), below the target recall {target}"
                    + measured.describe(meas, ef_search),
                    severity=Severity.WARNING,
                    evidence={"ef_search": ef_search, "target_recall": target}
                    | measured.evidence(meas),
                    recommendation=f"For the sessions that search {index.table}: {advice} "
                    "(per role or per transaction with SET LOCAL when only some need it).",
                    fix=fix,
                )
            )
        return findings

    def ef_search_findings(self, snapshot: Snapshot, hnsw: list[Index]) -> list[Finding]:
        by_column: dict[tuple[str, str, str, str], Index] = {}
        for index in hnsw:
            column = indexed_column(snapshot, index)
            operator = opclass_operator(index.opclasses[0]) if index.opclasses else None
            if column is not None and operator is not None:
                by_column.setdefault((index.schema, index.table, column.name, operator), index)
        # (index, role) -> the largest LIMIT seen over ef_search, ef_search, where it was seen
        worst: dict[tuple[str, str], tuple[int, int, str]] = {}
        for order in distance_orders(snapshot):
            found = by_column.get((order.schema, order.table, order.column, order.operator))
            if found is None or order.limit is None:
                continue
            if effective_for(snapshot, ITERATIVE, order.username) not in ("off", ""):
                continue  # iterative scans keep going past ef_search
            ef_search = as_int(effective_for(snapshot, EF_SEARCH, order.username)) or 40
            if order.limit <= ef_search:
                continue
            key = (found.name, order.username or "")
            if key not in worst or worst[key][0] < order.limit:
                worst[key] = (order.limit, ef_search, order.source)
        findings = []
        indexes = {ix.name: ix for ix in hnsw}
        for (name, role), (limit, ef_search, source) in sorted(worst.items()):
            index = indexes[name]
            who = f"role {role}" if role else "a session"
            wanted = min(limit, MAX_EF_SEARCH)
            database = snapshot.server.database
            fix = (
                SetSetting(name=EF_SEARCH, value=wanted, role=role, database=database)
                if limit <= MAX_EF_SEARCH
                else SetSetting(name=ITERATIVE, value="relaxed_order", role=role, database=database)
            )
            findings.append(
                self.finding(
                    index_ref(index),
                    f"{who} orders {index.table} by HNSW index {index.name} with LIMIT {limit}, "
                    f"but {EF_SEARCH} = {ef_search}: the scan returns at most {ef_search} rows",
                    severity=Severity.WARNING,
                    evidence={
                        "limit": limit,
                        "ef_search": ef_search,
                        "role": role or None,
                        "seen_in": source,
                        "iterative_scan": "off",
                    },
                    recommendation=(
                        f"Set {EF_SEARCH} to at least {limit} for these queries (SET "
                        f"LOCAL, or per role), or enable {ITERATIVE}."
                        if limit <= MAX_EF_SEARCH
                        else f"{EF_SEARCH} cannot exceed {MAX_EF_SEARCH}: enable {ITERATIVE} "
                        "(pgvector 0.8+) so that the scan continues past it."
                    ),
                    fix=fix if role else None,
                )
            )
        return findings
