"""The advisor's pipeline on one connection: workload → shapes → candidates → what-if costing →
search → recommendations. ``pgsage.commands.advise`` opens the session and rolls it back."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import psycopg
from psycopg.rows import TupleRow

from pgsage.advise.analysis import analyze_query, parse, relation_names
from pgsage.advise.candidates import Capabilities, candidates_for
from pgsage.advise.catalog import Catalog, ScopedCatalog
from pgsage.advise.confidence import mark_confidence, table_statistics
from pgsage.advise.constants import workload_constants
from pgsage.advise.ddl import candidate_name, candidate_names
from pgsage.advise.defaults import MARK
from pgsage.advise.model import (
    Advice,
    Candidate,
    Costing,
    DropProposal,
    HelpedQuery,
    QueryResult,
    QueryShape,
    Recommendation,
    WorkloadQuery,
)
from pgsage.advise.partitions import exists_on_every_partition, new_share, reuse_plan
from pgsage.advise.sampled import DEFAULT_SAMPLE_ROWS, SampleContext, cost_on_sample
from pgsage.advise.search import Budget, Search, droppable, superseded_by
from pgsage.advise.searchpath import scope_workload, scoped_catalog, unresolved_reason
from pgsage.advise.sizing import estimate_size
from pgsage.advise.uncosted import costing_label
from pgsage.advise.volatility import not_immutable
from pgsage.advise.whatif import HYPOPG_METHODS, PlannedQuery, WhatIf
from pgsage.advise.workload import HIDDEN_TEXT, StatementFilter, hidden_texts_hint, parse_error
from pgsage.errors import MissingExtension

if TYPE_CHECKING:
    from pgsage.advise.samplestore import SampleStore

NO_TRIGRAM = "pg_trgm is not installed: CREATE EXTENSION pg_trgm; then create this index"
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
    # statements the caller read elsewhere (the web: the workload its store recorded)
    workload: tuple[WorkloadQuery, ...] | None = None
    # Candidates HypoPG cannot simulate are costed on a sampled copy of this many rows a table
    # (0: listed as not costed), on the server of ``scratch_dsn`` (None: the embedded server).
    sample_rows: int = DEFAULT_SAMPLE_ROWS
    scratch_dsn: str | None = None
    # Plan every statement under this search_path (``--search-path``); None: recorded
    # statements under their role's path, given ones under the session's (advise.searchpath).
    search_path: str | None = None
    # A long-lived process's sampled copies kept between calls (advise.samplestore); None:
    # each call makes its own and drops it.
    sample_store: SampleStore | None = field(default=None, compare=False)


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
    analysed, skipped = _analyse(workload, catalog, str(conn.info.user))
    progress(f"{len(analysed)} statements to plan ({len(skipped)} skipped before planning)")
    if not analysed and not skipped:
        notes.append(_empty_workload(options))

    candidates, needs_trigram = _candidates(conn, analysed, catalog, caps, progress)
    names = candidate_names(sorted(candidates + needs_trigram, key=lambda c: c.sort_key))
    if needs_trigram:
        notes.append(
            "LIKE/ILIKE '%…%' patterns seen: a trigram GIN index serves them, and needs "
            "CREATE EXTENSION pg_trgm; first (not installed in this database)"
        )

    whatif = WhatIf(
        conn, catalog, major=major, hypopg=hypopg, real_allowed=options.allow_real_indexes
    )
    planned = whatif.plan_queries(analysed)
    whatif.prepare(candidates, names)
    _cost_on_sample(conn, catalog, whatif, planned, names, options, progress)
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
    statistics = table_statistics(conn, {a.table for _, s in analysed for a in s.accesses})
    recommendations = mark_confidence(
        (_recommendation(c, search, final, names, sizes, catalog) for c in chosen),
        statistics,
        {q.text: s.tables for q, s in analysed},
    )
    results = tuple(_query_result(q, search, final) for q in planned) + tuple(skipped)
    unplanned = sum(1 for r in results if r.skipped is not None)
    progress(f"{len(results) - unplanned} planned, {unplanned} skipped")
    notes += _left_out(search, final, names)
    notes += [note for candidate, note in search.ties.items() if candidate in final]
    drops = tuple(_drops(chosen, catalog, names))
    whatif.close()
    return Advice(
        recommendations=recommendations,
        queries=results,
        drops=drops,
        uncosted=tuple(
            sorted(
                [*whatif.backend.failed.items(), *((c, NO_TRIGRAM) for c in needs_trigram)],
                key=lambda i: i[0].sort_key,
            )
        ),
        notes=tuple(notes),
        tables=tuple(sorted({a.table for _, shape in analysed for a in shape.accesses})),
        statistics=statistics,
        costing=_costing(whatif),
        objective_before=round(search.workload(frozenset()), 3),
        objective_after=round(search.workload(final), 3),
    )


def _hidden(query: WorkloadQuery) -> bool:
    """A pg_stat_statements text the role may not read (another role's statement)."""
    return query.source == "pg_stat_statements" and query.text == HIDDEN_TEXT


def _analyse(
    workload: list[WorkloadQuery], catalog: Catalog, user: str
) -> tuple[list[tuple[WorkloadQuery, QueryShape]], list[QueryResult]]:
    """The statements to plan with their shapes, and those skipped before planning (hidden
    texts name the GRANT that shows them)."""
    skipped: list[QueryResult] = []
    analysed: list[tuple[WorkloadQuery, QueryShape]] = []
    # Each statement parsed once; the relations they name loaded in one go, not one by one.
    parsed = [None if _hidden(query) else parse(query.text) for query in workload]
    # Recorded statements resolve their names on their role's search_path (advise.searchpath).
    workload = scope_workload(workload, parsed, catalog)
    views = [scoped_catalog(catalog, query) for query in workload]
    catalog.preload(
        ref
        for view, tree in zip(views, parsed, strict=True)
        if tree
        for ref in (
            view.qualified(relation_names(tree))
            if isinstance(view, ScopedCatalog)
            else relation_names(tree)
        )
    )
    for query, tree, view in zip(workload, parsed, views, strict=True):
        hidden = _hidden(query)
        shape = None if hidden else analyze_query(query.text, view, tree)
        why = hidden_texts_hint(user) if hidden else _not_planned(query, shape, catalog)
        if why is not None:
            skipped.append(QueryResult(query, None, None, skipped=why))
        elif shape is None or shape.kind == "other" or not shape.accesses:
            continue  # utility statements, catalog and table-less queries: no index work
        else:
            analysed.append((query, shape))
    return analysed, skipped


def _left_out(
    search: Search, final: frozenset[Candidate], names: dict[Candidate, str]
) -> list[str]:
    """The near-duplicates the search weighed against what they supersede, and why not."""
    return [
        f"left out: {names[c]} on {c.table} ({reason})"
        for c, reason in sorted(search.rejected.items(), key=lambda i: i[0].sort_key)
        if c not in final
    ]


def _candidates(
    conn: psycopg.Connection[TupleRow],
    analysed: list[tuple[WorkloadQuery, QueryShape]],
    catalog: Catalog,
    caps: Capabilities,
    progress: Callable[[str], None],
) -> tuple[list[Candidate], list[Candidate]]:
    """The candidates to cost, and the trigram ones that need pg_trgm first (reported)."""
    candidates: list[Candidate] = []
    relations = {rel.name: rel for rel in catalog.loaded()}
    constants = workload_constants(analysed, relations)
    for _, shape in analysed:
        for access in shape.accesses:
            rel = catalog.get(access.table)
            if rel is not None and rel.kind in ("r", "p", "m"):
                candidates += candidates_for(access, rel, caps, constants)
    candidates = sorted(
        (c for c in dict.fromkeys(candidates) if not exists_on_every_partition(c, catalog)),
        key=lambda c: c.sort_key,
    )
    candidates = _immutable_only(conn, candidates, catalog, progress)
    needs_trigram = [c for c in candidates if c.opclass == "gin_trgm_ops" and not caps.trigram]
    return [c for c in candidates if c not in needs_trigram], needs_trigram


def _immutable_only(
    conn: psycopg.Connection[TupleRow],
    candidates: list[Candidate],
    catalog: Catalog,
    progress: Callable[[str], None],
) -> list[Candidate]:
    """Expression candidates the server would refuse (a function that is not IMMUTABLE) are
    never proposed (``advise.volatility``)."""
    kept = []
    for candidate in candidates:
        rel = catalog.get(candidate.table)
        reason = (
            not_immutable(conn, candidate, rel)
            if rel is not None and any(k.expression is not None for k in candidate.keys)
            else None
        )
        if reason is None:
            kept.append(candidate)
        else:
            progress(f"not proposed: {candidate_name(candidate)}: {reason}")
    return kept


def _costing(whatif: WhatIf) -> str:
    backend = whatif.backend
    costing = (
        "hypopg"
        if whatif.hypopg and not backend.real
        else (
            "real indexes (rolled back)"
            if not whatif.hypopg
            else "hypopg + real indexes (rolled back)"
        )
    )
    if backend.sampled:
        costing += f" + a sampled copy ({len(backend.sampled)} candidates)"
    return costing


def _cost_on_sample(
    conn: psycopg.Connection[TupleRow],
    catalog: Catalog,
    whatif: WhatIf,
    planned: list[PlannedQuery],
    names: dict[Candidate, str],
    options: AdviseOptions,
    progress: Callable[[str], None],
) -> None:
    """Without real indexes allowed here, what HypoPG cannot simulate is costed on a sampled
    copy (pgsage.advise.sampled); what that cannot cost keeps its reason, extended."""
    if options.allow_real_indexes or options.sample_rows <= 0:
        return
    pending = sorted(
        (c for c in whatif.backend.failed if c.method not in HYPOPG_METHODS),
        key=lambda c: c.sort_key,
    )
    if not pending:
        return
    context = SampleContext(conn, catalog, names, options.sample_rows, options.sample_store)
    outcome = cost_on_sample(context, planned, pending, options.scratch_dsn, progress)
    whatif.adopt_sampled(outcome.costed)
    for candidate, why in outcome.failed.items():
        whatif.backend.failed[candidate] = f"{why}; {whatif.backend.failed[candidate]}"


def _say_costing(progress: Callable[[str], None], whatif: WhatIf, usable: int) -> None:
    backend = whatif.backend
    label = costing_label(len(backend.hypo), len(backend.real), whatif.hypopg, len(backend.sampled))
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
    reuse, _ = reuse_plan(candidate, names[candidate], catalog)
    sampled = search.whatif.backend.sampled.get(candidate)
    if sampled is not None:
        costing = sampled.costing
    elif candidate in search.whatif.backend.real:
        costing = Costing("real index (rolled back)")
    else:
        costing = Costing("hypopg")
    return Recommendation(
        candidate=candidate,
        name=names[candidate],
        size_bytes=sizes[candidate],
        partitions=rel.partitions if rel is not None else (),
        queries=tuple(helped),
        reuse=reuse,
        costing=costing,
    )


def _query_result(query: PlannedQuery, search: Search, final: frozenset[Candidate]) -> QueryResult:
    before = search.whatif.cost(query, frozenset())
    after = search.whatif.cost(query, final)
    if before is None:
        why = query.skipped or "could not be planned"
        if query.query.resolution is not None:  # which tables its names meant
            why += f" (planned under {query.query.resolution.line()})"
        return QueryResult(query.query, None, None, skipped=why)
    if after is None:
        after = before
    return QueryResult(query.query, before.cost, after.cost, before.nodes, after.nodes)


def _drops(
    chosen: list[Candidate], catalog: Catalog, names: dict[Candidate, str]
) -> list[DropProposal]:
    """Existing plain btree indexes whose keys lead a recommended index, or that it
    supersedes (same keys, fewer INCLUDE columns): it serves them too."""
    found: list[DropProposal] = []
    for candidate in chosen:
        rel = catalog.get(candidate.table)
        if rel is None:
            continue
        found += reuse_plan(candidate, names[candidate], catalog)[1]
        found += [
            DropProposal(
                schema=index.schema,
                name=index.name,
                table=str(rel.name),
                definition=index.definition,
                reason=f"the recommended {names[candidate]} has its keys and INCLUDEs "
                f"{', '.join(candidate.include)}: it serves every statement this one served",
                by=names[candidate],
            )
            for index in superseded_by(candidate, rel.indexes)
            if droppable(index)
        ]
        if candidate.method != "btree" or candidate.where is not None:
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
                        by=names[candidate],
                    )
                )
    first: dict[
        tuple[str, str], DropProposal
    ] = {}  # one proposal per index, from the first recommendation that makes it redundant
    for drop in found:
        first.setdefault((drop.schema, drop.name), drop)
    return sorted(first.values(), key=lambda d: (d.schema, d.name))


def _size(candidate: Candidate, catalog: Catalog, whatif: WhatIf) -> int:
    sampled = whatif.backend.sampled.get(candidate)
    if sampled is not None and sampled.size_bytes > 0:
        return sampled.size_bytes  # measured on the sample, scaled to the table's rows
    rel = catalog.get(candidate.table)
    if rel is None:
        return 0
    rows = whatif.estimate_rows(candidate.table, candidate.where) if candidate.where else None
    gin = whatif.gin_sample(candidate, rel.rows) if candidate.method == "gin" else None
    # on a partitioned parent, only what the partitions lack is built (the rest is attached)
    return round(
        estimate_size(candidate, rel, rows, whatif.major, gin) * new_share(candidate, catalog)
    )


def _has_extension(conn: psycopg.Connection[TupleRow], name: str) -> bool:
    return _exists(conn, "SELECT 1 FROM pg_catalog.pg_extension WHERE extname = %s", (name,))


def _exists(conn: psycopg.Connection[TupleRow], query: str, params: tuple[str, ...] = ()) -> bool:
    return conn.execute((MARK + query).encode(), params).fetchone() is not None


def _not_planned(query: WorkloadQuery, shape: QueryShape | None, catalog: Catalog) -> str | None:
    """Why a statement of the workload cannot be planned, or None."""
    if shape is None:
        at = f" ({query.origin})" if query.origin else ""
        return f"cannot be parsed{at}: {parse_error(query.text)}"
    if shape.kind != "other" and shape.missing:
        return unresolved_reason(query, shape.missing, catalog)
    return None


def _empty_workload(options: AdviseOptions) -> str:
    if options.workload is not None:
        return "the workload is empty: no recorded statement on a table of this database"
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
