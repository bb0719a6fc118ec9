"""The advisor's pipeline on one connection: workload → shapes → candidates → what-if costing →
search → recommendations. ``pgsage.commands.advise`` opens the session and rolls it back."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
from psycopg.rows import TupleRow

from pgsage.advise.analysis import analyze_query
from pgsage.advise.candidates import Capabilities, candidates_for
from pgsage.advise.catalog import Catalog
from pgsage.advise.ddl import candidate_name, candidate_names
from pgsage.advise.defaults import MARK
from pgsage.advise.model import (
    Advice,
    Candidate,
    DropProposal,
    HelpedQuery,
    QueryResult,
    QueryShape,
    Recommendation,
    WorkloadQuery,
)
from pgsage.advise.search import Budget, Search
from pgsage.advise.sizing import estimate_size
from pgsage.advise.uncosted import costing_label
from pgsage.advise.whatif import PlannedQuery, WhatIf
from pgsage.advise.workload import HIDDEN_TEXT, StatementFilter, hidden_texts_hint, parse_error
from pgsage.errors import MissingExtension

HELPED_MIN_GAIN = 0.01  # a query is "helped" when its plan gets at least 1 % cheaper


@dataclass(frozen=True)
class AdviseOptions:
    """What the advisor analyses, and how: the workload's source, the budget, and whether it
    may build real indexes (in a rolled-back transaction) to cost candidates."""

    queries_file: Path | None = None
    log_file: Path | None = None
    filters: StatementFilter = field(default_factory=StatementFilter)
    budget: Budget = field(default_factory=Budget)
    allow_real_indexes: bool = False
    strict: bool = False  # a --queries statement that does not parse stops the run


def recommend(
    conn: psycopg.Connection[TupleRow],
    workload: list[WorkloadQuery],
    options: AdviseOptions,
    progress: Callable[[str], None],
) -> Advice:
    """Analyse ``workload``, cost the candidates and choose the indexes, inside the caller's
    transaction (which it rolls back)."""
    major = int(conn.info.server_version) // 10000
    hypopg = _has_extension(conn, "hypopg")
    if not hypopg and not options.allow_real_indexes:
        raise MissingExtension(_hypopg_hint(conn, major))
    caps = Capabilities(
        trigram=_exists(conn, "SELECT 1 FROM pg_catalog.pg_opclass WHERE opcname = 'gin_trgm_ops'"),
        vector=_exists(conn, "SELECT 1 FROM pg_catalog.pg_am WHERE amname = 'hnsw'"),
    )
    catalog = Catalog(conn)
    notes: list[str] = []
    skipped: list[QueryResult] = []
    analysed: list[tuple[WorkloadQuery, QueryShape]] = []
    for query in workload:
        hidden = query.source == "pg_stat_statements" and query.text == HIDDEN_TEXT
        shape = None if hidden else analyze_query(query.text, catalog)
        why = hidden_texts_hint(str(conn.info.user)) if hidden else _not_planned(query, shape)
        if why is not None:
            skipped.append(QueryResult(query, None, None, skipped=why))
        elif shape is None or shape.kind == "other" or not shape.accesses:
            continue  # utility statements, catalog and table-less queries: no index work
        else:
            analysed.append((query, shape))
    progress(f"{len(analysed)} statements to plan ({len(skipped)} skipped before planning)")
    if not analysed and not skipped:
        notes.append(_empty_workload(options))

    candidates: list[Candidate] = []
    for _, shape in analysed:
        for access in shape.accesses:
            rel = catalog.get(access.table)
            if rel is not None and rel.kind in ("r", "p", "m"):
                candidates += candidates_for(access, rel, caps)
    candidates = sorted(dict.fromkeys(candidates), key=lambda c: c.sort_key)
    names = candidate_names(candidates)
    if not caps.trigram and any(
        p.kind == "like" for _, s in analysed for a in s.accesses for p in a.predicates
    ):
        notes.append(
            "LIKE '%…%' patterns seen: CREATE EXTENSION pg_trgm would allow trigram GIN candidates"
        )

    whatif = WhatIf(
        conn, catalog, major=major, hypopg=hypopg, real_allowed=options.allow_real_indexes
    )
    planned = whatif.plan_queries(analysed)
    whatif.prepare(candidates, names)
    usable = [c for c in candidates if c not in whatif.backend.failed]
    sizes = {c: _size(c, catalog, whatif) for c in candidates}
    _say_costing(progress, whatif, len(usable))
    data_bytes = sum(
        rel.relpages * 8192
        for rel in catalog.loaded()
        if rel.name in {a.table for _, s in analysed for a in s.accesses}
    )
    search = Search(whatif, planned, usable, sizes, names, options.budget, data_bytes, progress)
    chosen = search.run()
    final = frozenset(chosen)
    recommendations = tuple(
        _recommendation(c, search, final, names, sizes, catalog) for c in chosen
    )
    results = tuple(_query_result(q, search, final) for q in planned) + tuple(skipped)
    unplanned = sum(1 for r in results if r.skipped is not None)
    progress(f"{len(results) - unplanned} planned, {unplanned} skipped")
    drops = tuple(_drops(chosen, catalog))
    whatif.close()
    costing = (
        "hypopg"
        if hypopg and not whatif.backend.real
        else ("real indexes (rolled back)" if not hypopg else "hypopg + real indexes (rolled back)")
    )
    return Advice(
        recommendations=recommendations,
        queries=results,
        drops=drops,
        uncosted=tuple(sorted(whatif.backend.failed.items(), key=lambda i: i[0].sort_key)),
        notes=tuple(notes),
        tables=tuple(sorted({a.table for _, shape in analysed for a in shape.accesses})),
        costing=costing,
        objective_before=round(search.workload(frozenset()), 3),
        objective_after=round(search.workload(final), 3),
    )


def _say_costing(progress: Callable[[str], None], whatif: WhatIf, usable: int) -> None:
    backend = whatif.backend
    label = costing_label(len(backend.hypo), len(backend.real), whatif.hypopg)
    progress(f"{usable} candidates costed with {label}")
    if backend.failed:
        progress(f"{len(backend.failed)} candidates could not be costed (see the report)")


def _recommendation(
    candidate: Candidate,
    search: Search,
    final: frozenset[Candidate],
    names: dict[Candidate, str],
    sizes: dict[Candidate, int],
    catalog: Catalog,
) -> Recommendation:
    helped = []
    for query in search.live:
        if candidate.table not in query.shape.tables:
            continue
        before = search.whatif.cost(query, frozenset())
        after = search.whatif.cost(query, final)
        without = search.whatif.cost(query, final - {candidate})
        if before is None or after is None or without is None:
            continue
        if after.cost < without.cost * (1 - HELPED_MIN_GAIN):
            helped.append(
                HelpedQuery(query.query.text, before.cost, after.cost, before.nodes, after.nodes)
            )
    rel = catalog.get(candidate.table)
    return Recommendation(
        candidate=candidate,
        name=names[candidate],
        size_bytes=sizes[candidate],
        partitions=rel.partitions if rel is not None else (),
        queries=tuple(helped),
    )


def _query_result(query: PlannedQuery, search: Search, final: frozenset[Candidate]) -> QueryResult:
    before = search.whatif.cost(query, frozenset())
    after = search.whatif.cost(query, final)
    if before is None:
        return QueryResult(query.query, None, None, skipped=query.skipped or "could not be planned")
    if after is None:
        after = before
    return QueryResult(query.query, before.cost, after.cost, before.nodes, after.nodes)


def _drops(chosen: list[Candidate], catalog: Catalog) -> list[DropProposal]:
    """Existing plain btree indexes whose keys lead a recommended index: it serves them too."""
    found = []
    for candidate in chosen:
        rel = catalog.get(candidate.table)
        if rel is None or candidate.method != "btree" or candidate.where is not None:
            continue
        labels = list(candidate.columns)
        for index in rel.indexes:
            if (
                index.method != "btree"
                or index.unique
                or index.primary
                or index.constraint
                or index.predicate is not None
                or index.include
                or not index.valid
            ):
                continue
            if len(index.keys) < len(labels) and labels[: len(index.keys)] == list(index.keys):
                found.append(
                    DropProposal(
                        schema=index.schema,
                        name=index.name,
                        table=str(rel.name),
                        definition=index.definition,
                        reason=f"its keys lead the recommended {candidate_name(candidate)}",
                    )
                )
    return sorted(set(found), key=lambda d: (d.schema, d.name))


def _size(candidate: Candidate, catalog: Catalog, whatif: WhatIf) -> int:
    rel = catalog.get(candidate.table)
    if rel is None:
        return 0
    rows = whatif.estimate_rows(candidate.table, candidate.where) if candidate.where else None
    gin = whatif.gin_sample(candidate, rel.rows) if candidate.method == "gin" else None
    return estimate_size(candidate, rel, rows, whatif.major, gin)


def _has_extension(conn: psycopg.Connection[TupleRow], name: str) -> bool:
    return _exists(conn, "SELECT 1 FROM pg_catalog.pg_extension WHERE extname = %s", (name,))


def _exists(conn: psycopg.Connection[TupleRow], query: str, params: tuple[str, ...] = ()) -> bool:
    return conn.execute((MARK + query).encode(), params).fetchone() is not None


def _not_planned(query: WorkloadQuery, shape: QueryShape | None) -> str | None:
    """Why a statement of the workload cannot be planned, or None."""
    if shape is None:
        at = f" ({query.origin})" if query.origin else ""
        return f"cannot be parsed{at}: {parse_error(query.text)}"
    if shape.kind != "other" and shape.missing:
        missing = ", ".join(f'"{name}"' for name in shape.missing)
        return f"relation {missing} does not exist"
    return None


def _empty_workload(options: AdviseOptions) -> str:
    if options.queries_file is not None:
        return f"the workload is empty: {options.queries_file} holds no statement on a table"
    if options.log_file is not None:
        return (
            f"the workload is empty: {options.log_file} holds no "
            "'duration: … ms  statement:' or 'execute' line (log_min_duration_statement)"
        )
    return (
        "the workload is empty: pg_stat_statements holds no statement on a table of this "
        "database (within --min-calls, --min-mean-ms); run the application first, or give "
        "--queries FILE or --log FILE"
    )


def _hypopg_hint(conn: psycopg.Connection[TupleRow], major: int) -> str:
    available = _exists(
        conn, "SELECT 1 FROM pg_catalog.pg_available_extensions WHERE name = 'hypopg'"
    )
    how = (
        "run CREATE EXTENSION hypopg; in this database"
        if available
        else f"install it on the server (Debian/Ubuntu: apt install postgresql-{major}-hypopg; "
        "RHEL: hypopg_" + str(major) + "), then CREATE EXTENSION hypopg;"
    )
    return (
        f"the advisor needs HypoPG for hypothetical indexes: {how} — or rerun with "
        "--allow-real-indexes to build indexes inside a rolled-back transaction "
        "(it blocks writes to the tables while it runs)"
    )
