"""How many rows an index makes a statement read, for breaking ties the planner cannot see.

Two candidates can cost the same to the planner yet read different numbers of rows: on
``WHERE a = $1 AND b = $2`` an index on ``(a)`` reads every row with that ``a`` and the plan's
filter then drops those with another ``b``, an index on ``(a, b)`` reads only the rows it
returns. When both plans round to the same cost (few rows either way), the planner's tie says
nothing about the heap pages the filter reads and throws away under a real load, so the search
prefers the index that reads materially fewer rows (at most ``MATERIAL`` of the other's), and
says why.

The estimate walks the index's keys in order as the btree does: each equality (or ``IN``) key
narrows the rows by its column's distinct values; a range key narrows by a third and ends the
walk; any other key ends it. A partial index's predicate narrows like an equality.
"""

from __future__ import annotations

from pgsage.advise.catalog import RelInfo
from pgsage.advise.model import Candidate, Key, Predicate, TableAccess

MATERIAL = 0.5  # reads at most half the rows: a difference worth a larger index
RANGE_SELECTIVITY = 1 / 3  # the planner's own default for an open range


def rows_read(candidate: Candidate, access: TableAccess, rel: RelInfo) -> float | None:
    """Rows the index reads for one statement's use of its table; None when the index does not
    serve the statement's conditions at all (its first key is not filtered on)."""
    by_key: dict[Key, Predicate] = {}
    for condition in access.predicates:
        if condition.conjunct and condition.kind in ("eq", "in", "range"):
            by_key.setdefault(condition.key, condition)
    selectivity = 1.0
    used = 0
    for key in candidate.keys:
        predicate = by_key.get(key)
        if predicate is None:
            break
        used += 1
        if predicate.kind == "range":
            selectivity *= RANGE_SELECTIVITY
            break
        selectivity *= _equality_share(predicate, rel)
    if used == 0:
        return None
    if candidate.where is not None:
        selectivity *= _partial_share(candidate, access, rel)
    return rel.rows * selectivity


def _equality_share(predicate: Predicate, rel: RelInfo) -> float:
    """The share of rows an equality keeps: a literal's own frequency when pg_stats lists it
    among the most common values, else one distinct value's share."""
    info = rel.columns.get(predicate.key.column or "")
    if info is None:
        return 0.1
    if predicate.constant is not None and predicate.operator == "=":
        value = predicate.constant.split("=", 1)[-1].strip()
        for common, freq in zip(info.common_values, info.common_freqs, strict=False):
            if value in (f"'{common}'", common):
                return freq
    return 1.0 / info.distinct_count(rel.rows)


def _partial_share(candidate: Candidate, access: TableAccess, rel: RelInfo) -> float:
    for predicate in access.predicates:
        if predicate.constant == candidate.where and predicate.key.column:
            return _equality_share(predicate, rel)
    return 1.0


def materially_fewer(fewer: float | None, more: float | None) -> bool:
    return fewer is not None and more is not None and more > 1 and fewer <= more * MATERIAL


def compare_reads(
    first: Candidate,
    second: Candidate,
    accesses: list[tuple[TableAccess, float]],
    rel: RelInfo | None,
) -> tuple[float, float] | None:
    """Weighted rows each candidate reads over the statements (access, weight) both serve."""
    if rel is None:
        return None
    totals = [0.0, 0.0]
    shared = False
    for access, weight in accesses:
        if access.table != first.table:
            continue
        a, b = rows_read(first, access, rel), rows_read(second, access, rel)
        if a is None or b is None:
            continue
        shared = True
        totals[0] += a * weight
        totals[1] += b * weight
    return (totals[0], totals[1]) if shared else None


def tie_note(chosen: Candidate, other: Candidate, reads: tuple[float, float]) -> str:
    def label(c: Candidate) -> str:
        return f"{c.table} ({', '.join(c.columns)})"

    return (
        f"{label(chosen)} preferred to {label(other)}: the planner costs them the same, but "
        f"it reads ~{reads[0]:,.0f} row(s) per run where the other reads ~{reads[1]:,.0f} "
        "(the plan's filter would discard the rest)"
    )
