"""What index checks share: comparable index signatures and the statistics window."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from pgsage.db.rows import Index
from pgsage.db.snapshot import Snapshot
from pgsage.model import ObjectRef


@dataclass(frozen=True)
class KeyPart:
    """One key column as the planner sees it: text, operator class, collation, sort options."""

    expr: str
    opclass: str
    collation: str
    option: int


def key_parts(index: Index) -> tuple[KeyPart, ...]:
    return tuple(
        KeyPart(index.key_columns[i], index.opclasses[i], index.collations[i], index.options[i])
        for i in range(index.key_count)
    )


# indoption bits: 1 = DESC, 2 = NULLS FIRST. Scanning a btree backwards flips both, so
# (a DESC) — which defaults to NULLS FIRST — serves exactly what (a) serves.
_REVERSED = {0: 3, 3: 0, 1: 2, 2: 1}


def reversed_parts(parts: tuple[KeyPart, ...]) -> tuple[KeyPart, ...]:
    return tuple(KeyPart(p.expr, p.opclass, p.collation, _REVERSED.get(p.option, p.option))
                 for p in parts)


def equivalent_keys(a: tuple[KeyPart, ...], b: tuple[KeyPart, ...], method: str) -> bool:
    """Same keys, or (for btree) the same keys in exactly reversed order and null placement."""
    return a == b or (method == "btree" and a == reversed_parts(b))


def _canonical_keys(index: Index) -> tuple[tuple[str, str, str, int], ...]:
    """The keys as plain tuples; for btree, the smaller of the keys and their reversal, so that
    two indexes have equal canonical keys exactly when ``equivalent_keys`` holds (reversal
    is its own inverse)."""
    keys = tuple((p.expr, p.opclass, p.collation, p.option) for p in key_parts(index))
    if index.method != "btree":
        return keys
    flipped = tuple((e, o, c, _REVERSED.get(opt, opt)) for e, o, c, opt in keys)
    return min(keys, flipped)


def shape_key(index: Index) -> tuple[object, ...]:
    """Equal for two indexes exactly when ``same_shape`` holds: a key to group them by."""
    return (index.method, _canonical_keys(index), index.predicate or "",
            tuple(sorted(index.include_columns)))


def same_shape(a: Index, b: Index) -> bool:
    """Same method, keys, predicate and INCLUDE list: one index can do the other's work."""
    return shape_key(a) == shape_key(b)


def is_protected(index: Index) -> bool:
    """Indexes never proposed for dropping: they enforce something."""
    return index.is_unique or index.is_primary or index.is_exclusion or index.is_constraint_backed


def keep_order(index: Index) -> tuple[bool, bool, bool, bool, int, bool, str]:
    """Sort key, best first, for which of equivalent indexes to keep: the one that enforces
    more, then the valid one, the used one, the one in natural (ascending) order, and finally
    the alphabetically first name."""
    natural = not any(index.options[: index.key_count])
    return (not index.is_primary, not index.is_constraint_backed, not index.is_unique,
            not index.is_valid, -(index.idx_scan or 0), not natural, index.name)


def duplicate_losers(indexes: list[Index]) -> list[tuple[Index, Index]]:
    """(dropped, kept) pairs among same-shape indexes; protected indexes are never dropped."""
    if len(indexes) < 2:
        return []
    groups: dict[tuple[object, ...], list[Index]] = {}
    for index in indexes:
        groups.setdefault(shape_key(index), []).append(index)
    pairs = []
    for group in groups.values():
        if len(group) < 2:
            continue
        keeper = min(group, key=keep_order)
        pairs += [(ix, keeper) for ix in group if ix is not keeper and not is_protected(ix)]
    return sorted(pairs, key=lambda pair: pair[0].name)


def index_ref(index: Index) -> ObjectRef:
    return ObjectRef("index", index.schema, index.name, index.table)


def index_evidence(index: Index, prefix: str = "") -> dict[str, int | str | None]:
    return {
        f"{prefix}index": index.name,
        f"{prefix}definition": index.definition,
        f"{prefix}size_bytes": index.size_bytes,
        f"{prefix}scans": index.idx_scan,
    }


def valid_indexes(snapshot: Snapshot, schema: str, table: str) -> list[Index]:
    return [ix for ix in snapshot.indexes_by_table.get((schema, table), [])
            if ix.is_valid and ix.is_ready]


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
        return f"statistics cover at least {span} (never reset; server up since " \
               f"{self.since:%Y-%m-%d %H:%M})"


def stats_window(snapshot: Snapshot) -> StatsWindow | None:
    db = snapshot.database
    if db is None:
        return None
    if db.stats_reset is not None:
        return StatsWindow(db.stats_reset, exact=True)
    return StatsWindow(db.postmaster_start_time, exact=False)
