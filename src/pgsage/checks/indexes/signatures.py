"""What index checks share: comparable index signatures and the statistics window."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from types import MappingProxyType

from pgsage.checks.context import AuditContext
from pgsage.db.rows import Index
from pgsage.db.snapshot import Snapshot
from pgsage.model import ObjectRef

# An index's keys as the planner sees them: (expression, operator class, collation, indoption)
# per key column.
Keys = tuple[tuple[str, str, str, int], ...]


def key_tuples(index: Index) -> Keys:
    """Plain tuples rather than a dataclass per key column: they are built, compared and
    hashed for every index of the database."""
    n = index.key_count
    return tuple(
        zip(
            index.key_columns[:n],
            index.opclasses[:n],
            index.collations[:n],
            index.options[:n],
            strict=True,
        )
    )


# indoption bits: 1 = DESC, 2 = NULLS FIRST. Scanning a btree backwards flips both, so
# (a DESC) — which defaults to NULLS FIRST — serves exactly what (a) serves.
_REVERSED = {0: 3, 3: 0, 1: 2, 2: 1}


def reversed_keys(keys: Keys) -> Keys:
    return tuple((e, o, c, _REVERSED.get(opt, opt)) for e, o, c, opt in keys)


def equivalent_keys(a: Keys, b: Keys, method: str) -> bool:
    """Same keys, or (for btree) the same keys in exactly reversed order and null placement."""
    return a == b or (method == "btree" and a == reversed_keys(b))


def _canonical_keys(keys: Keys, method: str) -> Keys:
    """For btree, the smaller of the keys and their reversal, so that two indexes have equal
    canonical keys exactly when ``equivalent_keys`` holds (reversal is its own inverse)."""
    return min(keys, reversed_keys(keys)) if method == "btree" else keys


def shape_key(index: Index) -> tuple[object, ...]:
    """Equal for two indexes exactly when ``same_shape`` holds: a key to group them by."""
    return (
        index.method,
        _canonical_keys(key_tuples(index), index.method),
        index.predicate or "",
        tuple(sorted(index.include_columns)),
    )


def rough_shape(index: Index) -> tuple[object, ...]:
    """Equal whenever ``shape_key`` is (the key expressions keep their order in a reversed
    btree): a cheap first comparison, so that the full keys are built only for the few
    indexes that could be the same shape. A big database has tens of thousands of indexes."""
    return (index.method, tuple(index.key_columns[: index.key_count]), index.predicate or "")


def same_shape(a: Index, b: Index) -> bool:
    """Same method, keys, predicate and INCLUDE list: one index can do the other's work."""
    return rough_shape(a) == rough_shape(b) and shape_key(a) == shape_key(b)


def is_protected(index: Index) -> bool:
    """Indexes never proposed for dropping: they enforce something."""
    return index.is_unique or index.is_primary or index.is_exclusion or index.is_constraint_backed


def keep_order(index: Index) -> tuple[bool, bool, bool, bool, bool, str]:
    """Sort key, best first, for which of equivalent indexes to keep: the one that enforces
    more, then the valid one, the one in natural (ascending) order, and finally the
    alphabetically first name. Never the scan counters: they change from one run to the next,
    and the finding (which a --baseline records by name) must not."""
    natural = not any(index.options[: index.key_count])
    return (
        not index.is_primary,
        not index.is_constraint_backed,
        not index.is_unique,
        not index.is_valid,
        not natural,
        index.name,
    )


def duplicate_losers(indexes: Sequence[Index]) -> list[tuple[Index, Index]]:
    """(dropped, kept) pairs among same-shape indexes; protected indexes are never dropped."""
    if len(indexes) < 2:
        return []
    firsts = {ix.key_columns[0] for ix in indexes if ix.key_columns}
    if len(firsts) == len(indexes):
        return []  # the usual case: no two indexes start with the same key expression
    # Grouped by rough shape first: the full shape is built only where two indexes could match.
    candidates: dict[tuple[object, ...], list[Index]] = {}
    for index in indexes:
        candidates.setdefault(rough_shape(index), []).append(index)
    groups: dict[tuple[object, ...], list[Index]] = {}
    for candidate in candidates.values():
        if len(candidate) > 1:
            for index in candidate:
                groups.setdefault(shape_key(index), []).append(index)
    pairs = []
    for group in groups.values():
        if len(group) < 2:
            continue
        keeper = min(group, key=keep_order)
        pairs += [(ix, keeper) for ix in group if ix is not keeper and not is_protected(ix)]
    return sorted(pairs, key=lambda pair: pair[0].name)


TableKey = tuple[str, str]


def table_indexes(context: AuditContext) -> Mapping[TableKey, tuple[Index, ...]]:
    """Every table with indexes, in (schema, table) order, with its valid, ready indexes."""
    return context.view(_table_indexes)


def _table_indexes(context: AuditContext) -> Mapping[TableKey, tuple[Index, ...]]:
    return MappingProxyType(
        {
            key: tuple(ix for ix in indexes if ix.is_valid and ix.is_ready)
            for key, indexes in sorted(context.snapshot.indexes_by_table.items())
        }
    )


def table_duplicates(context: AuditContext) -> Mapping[TableKey, tuple[tuple[Index, Index], ...]]:
    """``duplicate_losers`` of each table's valid indexes, for the tables that have any, in
    (schema, table) order: duplicate-index reports them, redundant-index leaves them out."""
    return context.view(_table_duplicates)


def _table_duplicates(context: AuditContext) -> Mapping[TableKey, tuple[tuple[Index, Index], ...]]:
    found = {}
    for key, indexes in table_indexes(context).items():
        pairs = duplicate_losers(indexes)
        if pairs:
            found[key] = tuple(pairs)
    return MappingProxyType(found)


def index_ref(index: Index) -> ObjectRef:
    return ObjectRef("index", index.schema, index.name, index.table)


def index_evidence(index: Index, prefix: str = "") -> dict[str, int | str | None]:
    return {
        f"{prefix}index": index.name,
        f"{prefix}definition": index.definition,
        f"{prefix}size_bytes": index.size_bytes,
        f"{prefix}scans": index.idx_scan,
    }


@dataclass(frozen=True)
class StatsWindow:
    since: datetime
    exact: bool  # False: statistics were never reset, so they cover at least this long

    def days(self, now: datetime) -> float:
        return max((now - self.since).total_seconds(), 0.0) / 86400

    def describe(self, now: datetime) -> str:
        days = self.days(now)
        span = f"{days:.1f} days" if days >= 1 else f"{days * 24:.1f} hours"
        if self.exact:
            return f"statistics cover {span} (reset {self.since:%Y-%m-%d %H:%M})"
        return (
            f"statistics cover at least {span} (never reset; server up since "
            f"{self.since:%Y-%m-%d %H:%M})"
        )


def stats_window(snapshot: Snapshot) -> StatsWindow | None:
    db = snapshot.database
    if db is None:
        return None
    if db.stats_reset is not None:
        return StatsWindow(db.stats_reset, exact=True)
    return StatsWindow(db.postmaster_start_time, exact=False)
