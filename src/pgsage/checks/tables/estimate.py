"""Statistical bloat estimates: how many pages a table or btree index would need if it were
freshly written, from the planner's statistics, against how many it has.

The arithmetic follows PostgreSQL's page layout:

* a heap page is a 24-byte header, then one 4-byte line pointer per tuple; each tuple is a
  23-byte header (plus a null bitmap of one bit per column when the table has nulls), padded to
  MAXALIGN (8), then the column values, each aligned to its type, and the whole tuple padded to
  MAXALIGN. INSERTs leave ``100 - fillfactor`` percent of each page free.
* a btree page also ends in a 16-byte special area; an index tuple is an 8-byte header (16 with
  a null bitmap), the key (and INCLUDE) values, padded to MAXALIGN. Leaf pages are filled to the
  index's fillfactor (90 by default), inner pages to 70 %, each non-rightmost page carries one
  high key, and page 0 is the metapage.

Column widths come from pg_stats: ``avg_width`` is the average stored width of the non-null
values (a TOASTed value counts as its 18-byte pointer, a compressed one as its compressed size),
weighted by ``1 - null_frac``. Short variable-length values (under 127 bytes) carry a 1-byte
header and are not aligned; longer ones are aligned to 4 bytes.

It is an estimate: btree deduplication (PostgreSQL 13+) makes indexes with many duplicates
smaller than estimated, so their bloat is under-stated, never over-stated; pages half-filled by
random-order inserts show up as bloat, which they are.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pgsage.checks.base import Param
from pgsage.checks.columns import analyzed_columns
from pgsage.checks.context import AuditContext
from pgsage.db.rows import Column, Index, Table
from pgsage.db.snapshot import Snapshot
from pgsage.model import Severity

MAXALIGN = 8
PAGE_HEADER = 24
LINE_POINTER = 4
HEAP_TUPLE_HEADER = 23
INDEX_TUPLE_HEADER = 8
INDEX_NULL_BITMAP = 4
BTREE_SPECIAL = 16
BTREE_LEAF_FILLFACTOR = 90
BTREE_INNER_FILLFACTOR = 70
HEAP_FILLFACTOR = 100
SHORT_VARLENA_MAX = 126
DEFAULT_BLOCK_SIZE = 8192

# Alignment (typalign) of common fixed-length types; others go by their length.
_ALIGN_BY_TYPE = {
    "bool": 1,
    "char": 1,
    "uuid": 1,
    "name": 1,
    "macaddr": 4,
    "macaddr8": 4,
    "int2": 2,
    "int4": 4,
    "float4": 4,
    "date": 4,
    "oid": 4,
    "xid": 4,
    "cid": 4,
    "regclass": 4,
    "int8": 8,
    "float8": 8,
    "money": 8,
    "timestamp": 8,
    "timestamptz": 8,
    "time": 8,
    "timetz": 8,
    "interval": 8,
    "point": 8,
    "lseg": 8,
    "box": 8,
    "line": 8,
    "circle": 8,
    "pg_lsn": 8,
    "tid": 2,
}


def align(offset: float, alignment: int) -> float:
    return math.ceil(offset / alignment) * alignment


def block_size(snapshot: Snapshot) -> int:
    try:
        return int(snapshot.setting("block_size") or DEFAULT_BLOCK_SIZE)
    except ValueError:
        return DEFAULT_BLOCK_SIZE


def fillfactor(options: list[str], default: int) -> int:
    for option in options:
        if option.startswith("fillfactor="):
            try:
                return int(option.split("=", 1)[1])
            except ValueError:
                return default
    return default


def _alignment(column: Column) -> int:
    if column.type_length == -1:  # varlena: short values are stored unaligned
        width = column.avg_width or 0
        return 1 if width <= SHORT_VARLENA_MAX else 4
    if column.type_length < 0:
        return 1
    known = _ALIGN_BY_TYPE.get(column.type_name)
    if known is not None:
        return known
    return column.type_length if column.type_length in (2, 4, 8) else 1


def _data_width(columns: list[Column]) -> float:
    """Average bytes of the column values, with alignment padding of the values present in
    most rows."""
    offset = 0.0
    for column in columns:
        null_frac = column.null_frac or 0.0
        if null_frac < 0.5:
            offset = align(offset, _alignment(column))
        offset += (column.avg_width or 0) * (1.0 - null_frac)
    return offset


def _has_stats(columns: list[Column]) -> bool:
    return bool(columns) and all(c.avg_width is not None for c in columns)


@dataclass(frozen=True)
class Estimate:
    actual_bytes: int
    expected_bytes: int
    rows: float
    tuple_bytes: int  # one tuple as stored, padded, without its line pointer
    rows_per_page: int
    fillfactor: int

    @property
    def wasted_bytes(self) -> int:
        return max(self.actual_bytes - self.expected_bytes, 0)

    @property
    def ratio(self) -> float:
        return self.wasted_bytes / self.actual_bytes if self.actual_bytes else 0.0

    def waste_evidence(self) -> dict[str, int | float]:
        return {
            "expected_bytes": self.expected_bytes,
            "wasted_bytes": self.wasted_bytes,
            "bloat_ratio": round(self.ratio, 4),
        }


def bloat_params(relation: str) -> tuple[Param, ...]:
    """The thresholds of a bloat check on a ``relation`` ("table", "index"), read by
    ``BloatLimits``: the table and index checks judge their estimates alike."""
    return (
        Param("max_ratio", 0.3, f"report an estimated wasted share of the {relation} above this"),
        Param(
            "min_wasted_bytes",
            10 * 1024 * 1024,
            "and only when at least this many bytes are wasted",
        ),
        Param("error_ratio", 0.7, "an estimated wasted share above this is an error"),
    )


@dataclass(frozen=True)
class BloatLimits:
    """When an estimate is worth a finding, and when that finding is an error."""

    max_ratio: float
    min_wasted_bytes: int
    error_ratio: float

    @classmethod
    def from_params(cls, params: Mapping[str, Any]) -> BloatLimits:
        return cls(
            float(params["max_ratio"]),
            int(params["min_wasted_bytes"]),
            float(params["error_ratio"]),
        )

    def exceeded_by(self, estimate: Estimate) -> bool:
        # Both limits: a high share of a small relation wastes too little to rebuild for.
        return estimate.ratio > self.max_ratio and estimate.wasted_bytes >= self.min_wasted_bytes

    def severity(self, estimate: Estimate) -> Severity | None:
        """ERROR above ``error_ratio``; None keeps the check's own severity."""
        return Severity.ERROR if estimate.ratio > self.error_ratio else None

    def evidence(self) -> dict[str, float | int]:
        return {"max_ratio": self.max_ratio, "min_wasted_bytes": self.min_wasted_bytes}


def stored_columns(snapshot: Snapshot, table: Table) -> list[Column]:
    """The table's columns that take space in its rows (virtual generated columns do not)."""
    columns = snapshot.columns_by_table.get((table.schema, table.name), [])
    return sorted((c for c in columns if c.generated != "v"), key=lambda c: c.attnum)


def table_estimate(snapshot: Snapshot, table: Table) -> Estimate | None:
    """None when the table has no storage or no statistics to estimate from."""
    if table.kind not in ("r", "m") or table.table_bytes <= 0:
        return None
    columns = stored_columns(snapshot, table)
    if not _has_stats(columns):
        return None
    rows = max(table.reltuples, float(table.n_live_tup or 0))
    if rows <= 0:
        return None
    bs = block_size(snapshot)
    has_nulls = any((c.null_frac or 0.0) > 0 for c in columns)
    bitmap = math.ceil(len(columns) / 8) if has_nulls else 0
    header = align(HEAP_TUPLE_HEADER + bitmap, MAXALIGN)
    tuple_bytes = int(align(header + _data_width(columns), MAXALIGN))
    ff = fillfactor(table.reloptions, HEAP_FILLFACTOR)
    usable = bs - PAGE_HEADER - bs * (100 - ff) / 100
    max_per_page = (bs - PAGE_HEADER) // (align(HEAP_TUPLE_HEADER, MAXALIGN) + LINE_POINTER)
    per_page = int(max(1, min(usable // (tuple_bytes + LINE_POINTER), max_per_page)))
    expected_pages = math.ceil(rows / per_page)
    return Estimate(table.table_bytes, expected_pages * bs, rows, tuple_bytes, per_page, ff)


def index_estimate(context: AuditContext, index: Index) -> Estimate | None:
    """None for non-btree indexes, expression keys, or columns without statistics."""
    if index.method != "btree" or 0 in index.key_attnums or index.reltuples < 0:
        return None
    # Most indexes of a big database are rejected here, so the columns are looked up among
    # those with statistics (mapped once per run).
    snapshot = context.snapshot
    analyzed = analyzed_columns(context).get((index.schema, index.table), {})
    present = []
    for attnum in index.key_attnums:
        column = analyzed.get(attnum)
        if column is None:
            return None  # a column without statistics (or not in the snapshot)
        present.append(column)
    if not present:
        return None
    bs = block_size(snapshot)
    has_nulls = any((c.null_frac or 0.0) > 0 for c in present)
    header = align(INDEX_TUPLE_HEADER + (INDEX_NULL_BITMAP if has_nulls else 0), MAXALIGN)
    tuple_bytes = int(align(header + _data_width(present), MAXALIGN))
    ff = fillfactor(index.reloptions, BTREE_LEAF_FILLFACTOR)

    def per_page(factor: int) -> int:
        usable = bs - PAGE_HEADER - BTREE_SPECIAL - bs * (100 - factor) / 100
        return int(max(2, usable // (tuple_bytes + LINE_POINTER) - 1))  # one slot: high key

    leaf = per_page(ff)
    pages = level = math.ceil(index.reltuples / leaf) if index.reltuples > 0 else 1
    inner = per_page(BTREE_INNER_FILLFACTOR)
    while level > 1:
        level = math.ceil(level / inner)
        pages += level
    expected_pages = pages + 1  # the metapage
    return Estimate(index.size_bytes, expected_pages * bs, index.reltuples, tuple_bytes, leaf, ff)
