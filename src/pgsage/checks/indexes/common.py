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


def same_shape(a: Index, b: Index) -> bool:
    """Same method, keys, predicate and INCLUDE list: one index can do the other's work."""
    return (
        a.method == b.method
        and key_parts(a) == key_parts(b)
        and (a.predicate or "") == (b.predicate or "")
        and sorted(a.include_columns) == sorted(b.include_columns)
    )


def is_protected(index: Index) -> bool:
    """Indexes never proposed for dropping: they enforce something."""
    return index.is_unique or index.is_primary or index.is_exclusion or index.is_constraint_backed


def keep_rank(index: Index) -> tuple[bool, bool, bool, bool, int, str]:
    """Which of two equivalent indexes to keep: the one that enforces more, then the used one."""
    return (index.is_primary, index.is_constraint_backed, index.is_unique, index.is_valid,
            index.idx_scan or 0, _reverse(index.name))


def _reverse(name: str) -> str:
    # Prefer the alphabetically first name on a tie, inside a max(): invert the ordering.
    return "".join(chr(0x10FFFF - ord(ch)) for ch in name)


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
