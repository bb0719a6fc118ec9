"""What the table checks share: storage parameters over server settings (as autovacuum reads
them), the row counts autovacuum and ANALYZE wait for, and ages of timestamps."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from pgsage.db.rows import Table
from pgsage.db.snapshot import Snapshot
from pgsage.model import ObjectRef

# Relations autovacuum processes (partitioned parents have no storage of their own).
VACUUMED_KINDS = frozenset({"r", "m"})
FALSE_WORDS = frozenset({"false", "off", "no", "0", "f", "n"})


def table_ref(table: Table) -> ObjectRef:
    return ObjectRef("table", table.schema, table.name)


def reloption(options: list[str], name: str) -> str | None:
    prefix = f"{name}="
    return next((o[len(prefix) :] for o in options if o.startswith(prefix)), None)


def number(value: str | None) -> float | None:
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


def is_false(value: str | None) -> bool:
    return value is not None and value.strip().lower() in FALSE_WORDS


@dataclass(frozen=True)
class Effective:
    """A parameter's value for one table: its own storage parameter, else the server's."""

    value: float
    source: str  # "table" or "server"


def effective(snapshot: Snapshot, table: Table, name: str) -> Effective | None:
    own = number(reloption(table.reloptions, name))
    if own is not None:
        return Effective(own, "table")
    server = number(snapshot.setting(name))
    return Effective(server, "server") if server is not None else None


def autovacuum_disabled_by(snapshot: Snapshot, table: Table) -> str | None:
    """ "table" when the table's storage parameters switch autovacuum off, "server" when the
    server's autovacuum setting is off, None when autovacuum processes the table."""
    if is_false(reloption(table.reloptions, "autovacuum_enabled")):
        return "table"
    if is_false(snapshot.setting("autovacuum")):
        return "server"
    return None


@dataclass(frozen=True)
class Trigger:
    """Autovacuum's row count for one table: base threshold + scale factor x reltuples."""

    threshold: float
    scale_factor: float
    rows: float
    cap: float | None
    source: str  # where the scale factor came from: "table" or "server"

    @property
    def value(self) -> float:
        trigger = self.threshold + self.scale_factor * self.rows
        if self.cap is not None and self.cap >= 0:
            trigger = min(trigger, self.cap)
        return trigger


def _trigger(
    snapshot: Snapshot, table: Table, threshold_name: str, factor_name: str, cap_name: str | None
) -> Trigger | None:
    threshold = effective(snapshot, table, threshold_name)
    factor = effective(snapshot, table, factor_name)
    if threshold is None or factor is None:
        return None
    cap = effective(snapshot, table, cap_name) if cap_name else None
    # Like autovacuum itself: a table never vacuumed or analyzed (reltuples -1) counts as empty.
    rows = max(table.reltuples, 0.0)
    return Trigger(threshold.value, factor.value, rows, cap.value if cap else None, factor.source)


def vacuum_trigger(snapshot: Snapshot, table: Table) -> Trigger | None:
    """Dead rows after which autovacuum vacuums the table (PostgreSQL 18 caps it with
    autovacuum_vacuum_max_threshold)."""
    return _trigger(
        snapshot,
        table,
        "autovacuum_vacuum_threshold",
        "autovacuum_vacuum_scale_factor",
        "autovacuum_vacuum_max_threshold",
    )


def analyze_trigger(snapshot: Snapshot, table: Table) -> Trigger | None:
    """Rows modified since the last ANALYZE after which autovacuum analyzes the table."""
    return _trigger(
        snapshot, table, "autovacuum_analyze_threshold", "autovacuum_analyze_scale_factor", None
    )


def iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def age_hours(value: datetime | None, now: datetime) -> float | None:
    if value is None:
        return None
    return round(max((now - value).total_seconds(), 0.0) / 3600, 1)


def describe_age(hours: float | None) -> str:
    if hours is None:
        return "never"
    if hours < 1:
        return f"{hours * 60:.0f} min ago"
    if hours < 48:
        return f"{hours:.1f} h ago"
    return f"{hours / 24:.1f} days ago"


def last_vacuum(table: Table) -> datetime | None:
    times = [t for t in (table.last_vacuum, table.last_autovacuum) if t is not None]
    return max(times) if times else None


def last_analyze(table: Table) -> datetime | None:
    times = [t for t in (table.last_analyze, table.last_autoanalyze) if t is not None]
    return max(times) if times else None


def writes(table: Table) -> int:
    return (table.n_tup_ins or 0) + (table.n_tup_upd or 0) + (table.n_tup_del or 0)


def partition_rows(snapshot: Snapshot, table: Table) -> float:
    """Rows of a partitioned table: the sum over its partitions, sub-partitions included."""
    total = 0.0
    for child in snapshot.tables:
        if child.parent != table.qualified:
            continue
        total += partition_rows(snapshot, child) if child.kind == "p" else child.estimated_rows
    return total


def partition_columns(table: Table) -> str:
    """The partition key without its method: "RANGE (created_at)" -> "created_at"."""
    key = table.partition_key or ""
    if "(" in key and key.endswith(")"):
        return key[key.index("(") + 1 : -1]
    return key
