"""Filtered search: the same queries with a WHERE condition (a tenant, a category), where an
ANN index's post-filtering loses neighbours; and iterative scans (pgvector 0.8+)."""

from __future__ import annotations

import time
from dataclasses import replace
from typing import TYPE_CHECKING

from pgsage.vector import measure
from pgsage.vector.analysis import at_value, cheapest
from pgsage.vector.measure import Probe
from pgsage.vector.model import FilteredTune, SweepPoint

if TYPE_CHECKING:
    from pgsage.vector.tune import Context

NOTICEABLE_DROP = 0.02


def filtered_tune(
    ctx: Context,
    probe: Probe,
    unfiltered: list[SweepPoint],
    best: SweepPoint | None,
    deadline: float,
) -> FilteredTune:
    """The unfiltered probe's queries again, with the filter: recall by setting, without and
    with iterative scans."""
    from pgsage.vector.tune import sweep

    condition = str(ctx.options.condition)
    target = probe.target
    filtered = replace(target, conditions=(*target.conditions, condition))
    fraction = measure.matching_fraction(ctx.conn, target, condition)
    now = time.perf_counter()
    budget = max(deadline - now, 0.0)
    truths, _ = measure.exact(ctx.conn, filtered, probe.queries, now + 0.3 * budget)
    again = Probe(filtered, probe.queries[: len(truths)], truths)
    values = sorted({p.value for p in unfiltered})
    points, _ = sweep(ctx, again, values, now + 0.65 * budget)
    iterative: list[SweepPoint] = []
    if ctx.iterative_available:
        name = f"{target.index.method}.iterative_scan"
        iterative, _ = sweep(ctx, again, values, deadline, (name, "relaxed_order"))
    reference = best or (max(unfiltered, key=lambda p: p.recall) if unfiltered else None)
    drop = None
    if reference is not None and (same := at_value(points, reference.value)) is not None:
        drop = reference.recall - same.recall
    result = FilteredTune(
        condition=condition,
        matching_fraction=fraction,
        sweep=tuple(points),
        iterative_sweep=tuple(iterative),
        recall_drop=drop,
        advice=(),
    )
    return replace(result, advice=tuple(advice(ctx, target.index.method, result)))


def advice(ctx: Context, method: str, result: FilteredTune) -> list[str]:
    goal = ctx.options.target
    drop, fraction = result.recall_drop, result.matching_fraction
    if (drop is None or drop < NOTICEABLE_DROP) and cheapest(result.sweep, goal) is not None:
        return ["filtered recall holds up: no change needed for this filter"]
    found = []
    share = f" (it keeps {fraction:.1%} of the rows)" if fraction is not None else ""
    found.append(
        f"the filter{share} is applied after the index scan: the {method} scan returns its "
        "candidates, then the filter drops most of them"
    )
    best_iterative = cheapest(result.iterative_sweep, goal)
    if best_iterative is not None:
        found.append(
            f"SET {method}.iterative_scan = relaxed_order (pgvector 0.8+) reaches recall "
            f"{best_iterative.recall:.3f} at {best_iterative.setting} = {best_iterative.value}"
        )
    elif ctx.iterative_available:
        found.append(
            f"{method}.iterative_scan = relaxed_order helps, but not up to the target here; "
            + ("raise hnsw.max_scan_tuples" if method == "hnsw" else "raise ivfflat.max_probes")
        )
    else:
        found.append("upgrade pgvector to 0.8+ for iterative index scans")
    found.append(
        "for a few hot filter values: a partial index per value (CREATE INDEX ... WHERE "
        "<filter>), or partition the table by the filter column so each partition has its "
        "own index"
    )
    return found
