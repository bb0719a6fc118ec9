"""One tune: for each chosen ANN index, sample queries, compute the truth, sweep the setting,
recommend; under one time budget shared by the indexes."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, replace
from pathlib import Path

from pgsage.vector import measure
from pgsage.vector.analysis import (
    at_value,
    cheapest,
    rebuild_for,
    recommend,
    sweep_values,
)
from pgsage.vector.catalog import OPERATOR_NAMES, AnnIndex, ann_indexes, select_indexes
from pgsage.vector.filtered import filtered_tune
from pgsage.vector.measure import MIN_QUERIES, Conn, Probe, Target
from pgsage.vector.model import IndexTune, SweepPoint, TuneResult
from pgsage.vector.queries import QueryVector, is_unit, read_query_file

# Stop raising the setting once recall is at least this (and the target is reached).
SATURATED = 0.995


class NothingToMeasure(Exception):
    """An index that cannot be measured (an empty table): a note, the others go on."""


@dataclass(frozen=True)
class TuneOptions:
    table: str | None = None
    column: str | None = None
    index: str | None = None
    queries_file: Path | None = None
    sample: int = 100
    k: int = 10
    target: float = 0.95
    condition: str | None = None  # --filter: a WHERE condition measured separately
    operator: str | None = None  # --operator: the distance the application orders by
    time_budget_s: float = 60.0
    seed: int = 42


@dataclass
class Context:
    conn: Conn
    options: TuneOptions
    role: str
    database: str
    pgvector: str
    session: dict[str, str]

    @property
    def iterative_available(self) -> bool:
        parts = [int(p) for p in self.pgvector.split(".")[:2] if p.isdigit()]
        return tuple(parts) >= (0, 8)


def tune(conn: Conn, options: TuneOptions) -> TuneResult:
    started = time.perf_counter()
    pgvector = measure.load_pgvector(conn)
    settings = ("hnsw.ef_search", "ivfflat.probes")
    role, database, session = measure.session_info(conn, settings)
    chosen = select_indexes(ann_indexes(conn), options.table, options.column, options.index)
    ctx = Context(conn, options, role, database, pgvector, session)
    results = []
    notes: list[str] = []
    for position, index in enumerate(chosen):
        remaining = options.time_budget_s - (time.perf_counter() - started)
        share = max(remaining, 1.0) / (len(chosen) - position)
        if index.column is None or index.operator is None:
            notes.append(
                f"{index.schema}.{index.name}: built on an expression or an operator class "
                "pgsage cannot query; not measured"
            )
            continue
        try:
            results.append(tune_index(ctx, index, time.perf_counter() + share))
        except NothingToMeasure as exc:
            notes.append(str(exc))
    return TuneResult(
        database=database,
        pgvector=pgvector,
        indexes=tuple(results),
        elapsed_s=time.perf_counter() - started,
        notes=tuple(notes),
    )


def _queries(ctx: Context, target: Target) -> tuple[list[QueryVector], str]:
    options = ctx.options
    if options.queries_file is not None:
        found = read_query_file(options.queries_file, target.index.dims)
        return found[: options.sample] if options.sample else found, str(options.queries_file)
    found = measure.sample_queries(ctx.conn, target, options.sample, options.seed)
    if not found:
        raise NothingToMeasure(f"{target.index.schema}.{target.index.name}: no rows to sample")
    return found, "a random sample of the column's rows (each held out from its own neighbours)"


def rule_of_thumb(index: AnnIndex, k: int, session_value: int) -> int:
    """What the audit checks advise: ef_search at least the LIMIT (hnsw-params), probes about
    sqrt(lists) (ivfflat-probes)."""
    if index.method == "hnsw":
        return max(session_value, k)
    return max(1, math.ceil(math.sqrt(index.option("lists", 100))))


def session_value(ctx: Context, index: AnnIndex) -> int:
    name = "hnsw.ef_search" if index.method == "hnsw" else "ivfflat.probes"
    default = 40 if index.method == "hnsw" else 1
    try:
        return int(ctx.session.get(name) or default)
    except ValueError:
        return default


def sweep(
    ctx: Context,
    probe: Probe,
    values: list[int],
    deadline: float,
    iterative: tuple[str, str] | None = None,
) -> tuple[list[SweepPoint], bool]:
    """The sweep, cheapest first, until recall saturates or the deadline passes; whether it
    stopped at the deadline."""
    name = setting_name(probe.target.index)
    points: list[SweepPoint] = []
    for value in values:
        if points and time.perf_counter() > deadline:
            return points, True
        point = measure.through_index(ctx.conn, probe, (name, value), iterative)
        points.append(point)
        if point.recall >= max(SATURATED, ctx.options.target):
            break
    return points, False


def setting_name(index: AnnIndex) -> str:
    return "hnsw.ef_search" if index.method == "hnsw" else "ivfflat.probes"


def tune_index(ctx: Context, index: AnnIndex, deadline: float) -> IndexTune:
    options = ctx.options
    operator = str(index.operator)
    conditions = (index.predicate,) if index.predicate else ()
    target = Target(index, operator, options.k, conditions)
    queries, source = _queries(ctx, target)
    notes: list[str] = []
    if options.queries_file is None:
        notes.append(
            "the queries are rows of the table, which an index finds more easily than real "
            "query embeddings: confirm the recommendation with --queries FILE"
        )
    now = time.perf_counter()
    budget = deadline - now
    exact_share = 0.3 if options.condition else 0.45
    truths, exact_ms = measure.exact(ctx.conn, target, queries, now + exact_share * budget)
    if len(truths) < len(queries):
        notes.append(
            f"the exact top-{options.k} (a sequential scan, {exact_ms:.0f} ms each) fit the "
            f"time budget for {len(truths)} of {len(queries)} queries: recall is measured "
            f"on those {len(truths)}"
        )
    queries = queries[: len(truths)]
    if not measure.uses_index(ctx.conn, target, queries[0]):
        notes.append(
            f"the planner does not choose {index.name} for ORDER BY {index.column} "
            f"{operator} ... LIMIT {options.k} (another index on the column?): the sweep "
            "measures the plan it chooses"
        )
    current = session_value(ctx, index)
    thumb = rule_of_thumb(index, options.k, current)
    values = sweep_values(index.method, index.option("lists", 100), (current, thumb))
    sweep_deadline = now + (0.65 if options.condition else 1.0) * budget
    probe = Probe(target, queries, truths)
    points, stopped = sweep(ctx, probe, values, sweep_deadline)
    if stopped:
        notes.append("the sweep stopped at the time budget")
    points = _with_value(ctx, probe, points, thumb)
    points = _with_value(ctx, probe, points, current)
    best = cheapest(points, options.target)
    recommendation = recommend(best, ctx.role, ctx.database) if best else None
    rebuild = None
    if best is None:
        top = max(points, key=lambda p: p.recall) if points else None
        rebuild = rebuild_for(index.shape(), top, options.target)
    elif best.p50_ms >= exact_ms:
        notes.append(
            f"at {best.setting} = {best.value} the index answers no faster than the exact "
            f"sequential scan ({best.p50_ms:.1f} ms against {exact_ms:.1f} ms): at this target "
            "the index does not pay; see the rebuild"
        )
        rebuild = rebuild_for(index.shape(), best, options.target)
    filtered = None
    if options.condition:
        filtered = filtered_tune(ctx, probe, points, best, deadline)
    notes += opclass_notes(ctx, target, queries, deadline)
    notes += operator_notes(ctx, target, queries, deadline)
    return IndexTune(
        schema=index.schema,
        index=index.name,
        table=index.table,
        column=str(index.column),
        method=index.method,
        opclass=index.opclass,
        operator=operator,
        definition=index.definition,
        k=options.k,
        queries=len(truths),
        query_source=source,
        sweep=tuple(sorted(points, key=lambda p: p.value)),
        recommendation=recommendation,
        rebuild=rebuild,
        target=options.target,
        current=at_value(points, current),
        rule_of_thumb=at_value(points, thumb),
        filtered=filtered,
        notes=tuple(notes),
        exact_ms=exact_ms,
    )


def _with_value(
    ctx: Context, probe: Probe, points: list[SweepPoint], value: int
) -> list[SweepPoint]:
    """The sweep with a point at ``value`` (measured now if the sweep stopped before it)."""
    if at_value(points, value) is not None:
        return points
    setting = (setting_name(probe.target.index), value)
    return [*points, measure.through_index(ctx.conn, probe, setting)]


def opclass_notes(
    ctx: Context, target: Target, queries: list[QueryVector], deadline: float
) -> list[str]:
    """For unit-length vectors, whether inner product ranks like the index's distance."""
    sample = queries[:MIN_QUERIES]
    if not sample:
        return []
    unit = all(is_unit(q.values()) for q in queries)
    operator = target.operator
    if not unit:
        if operator == "<#>":
            return [
                "the vectors are not unit length: inner product (<#>) is not a distance "
                "between them; normalise them, or use cosine (vector_cosine_ops)"
            ]
        return []
    if operator == "<#>":
        return ["the vectors are unit length: inner product (<#>) is the cheapest distance"]
    if time.perf_counter() > deadline:
        return ["the vectors are unit length: inner product (<#>) would rank the same"]
    same, count = agreement(ctx, target, "<#>", sample, deadline)
    name = OPERATOR_NAMES.get(operator, operator)
    verdict = "equivalent" if same >= 0.999 else "not equivalent"
    ip_opclass = target.index.opclass.rsplit("_", 2)[0] + "_ip_ops"
    return [
        f"the sampled vectors are unit length; the exact top-{target.k} by inner product "
        f"(<#>) shares {same:.0%} of its rows with {name} ({operator}) on {count} "
        f"queries: inner product is {verdict} here"
        + (
            f" — {ip_opclass} with ORDER BY {target.index.column} <#> $1 returns the same "
            "neighbours and is the cheapest distance to compute"
            if same >= 0.999
            else ""
        )
    ]


def agreement(
    ctx: Context, target: Target, other: str, sample: list[QueryVector], deadline: float
) -> tuple[float, int]:
    """The share of the exact top-k by the index's operator that the exact top-k by another
    operator holds too, over the sample; and the number of queries."""
    by_index, _ = measure.exact(ctx.conn, target, sample, deadline)
    by_other, _ = measure.exact(ctx.conn, replace(target, operator=other), sample, deadline)
    same = sum(
        len({n.row for n in a} & {n.row for n in b}) / max(len(a), 1)
        for a, b in zip(by_index, by_other, strict=False)
    ) / max(len(by_index), 1)
    return same, len(by_index)


def operator_notes(
    ctx: Context, target: Target, queries: list[QueryVector], deadline: float
) -> list[str]:
    """--operator: the application orders by another distance than the index serves."""
    other = ctx.options.operator
    if other is None or other == target.operator or not queries:
        return []
    ix = target.index
    same, count = agreement(ctx, target, other, queries[:MIN_QUERIES], deadline)
    verdict = (
        f"rewrite them with {target.operator}: the same neighbours, and the index serves them"
        if same >= 0.999
        else f"build an index with the {OPERATOR_NAMES.get(other, other)} operator class "
        "for them, or change the distance the application uses"
    )
    return [
        f"queries ordering by {other} cannot use {ix.name} ({ix.opclass} serves "
        f"{target.operator}); the exact top-{target.k} by {target.operator} shares {same:.0%} "
        f"of its rows with the top-{target.k} by {other} on {count} queries: {verdict}"
    ]
