"""Index size estimates from row counts, column widths and the fill factor.

A btree leaf entry is an 8-byte tuple header (the heap TID and flags) plus the keys, each at
its alignment, padded to 8 bytes, plus a 4-byte line pointer; leaf pages are filled to the
fill factor (90 % by default) of their 8,152 usable bytes. Since PostgreSQL 13 a non-unique
btree stores a run of equal keys once with a 6-byte TID per row (deduplication), which is why
an index on a low-cardinality column is a fraction of the naive size; INCLUDE indexes and
types without "image equality" (numeric, jsonb, floats) are never deduplicated. Upper levels
add about one entry per leaf page. GIN and HNSW sizes are rougher: per-row posting entries for
GIN (trigrams: one per three characters), vectors plus graph links for HNSW.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from pgsage.advise.catalog import ColumnInfo, RelInfo
from pgsage.advise.model import Candidate, Key

PAGE = 8192
USABLE = PAGE - 24 - 16  # page header, btree special space
TUPLE_HEADER = 8
LINE_POINTER = 4
TID = 6
MAX_POSTING_TIDS = 400  # a posting list tuple stays under ~1/3 of a page
NO_DEDUP_TYPES = frozenset(
    {"numeric", "float4", "float8", "jsonb", "json", "interval", "money", "inet", "cidr"}
)
ALIGN = {"c": 1, "s": 2, "i": 4, "d": 8}
EXPRESSION_WIDTH = {"date_trunc": 8, "date": 4, "extract": 8, "date_part": 8}


@dataclass(frozen=True)
class GinSample:
    """What a GIN index would hold, read from a sample of the column: the keys (trigrams,
    JSON paths or keys and values, array elements) per non-null row, and how many distinct
    keys the sample has."""

    keys_per_row: float
    distinct_keys: float
    # posting-list bytes per row: each key's entries weighed by how dense the key is
    bytes_per_row: float


def estimate_size(
    candidate: Candidate,
    rel: RelInfo,
    rows: float | None = None,
    major: int = 18,
    gin: GinSample | None = None,
) -> int:
    """Bytes the index would take once built. ``rows``: the rows it holds (a partial index's
    share of the table; the planner's estimate for its WHERE), default all rows. ``gin``: a
    sample of the column for a GIN index (without it, a rough guess from the column width)."""
    total = rel.rows if rows is None else max(rows, 0.0)
    if candidate.method == "gin":
        if gin is not None:
            return _sampled_gin_size(candidate, rel, total, gin)
        return _gin_size(candidate, rel, total)
    if candidate.method == "hnsw":
        return _hnsw_size(candidate, rel, total)
    return _btree_size(candidate, rel, total, major)


def _btree_size(candidate: Candidate, rel: RelInfo, rows: float, major: int) -> int:
    widths = [_key_width(k, rel) for k in candidate.keys]
    widths += [_column_width(rel.columns.get(c)) for c in candidate.include]
    data = 0
    for width, align in widths:
        data = _align(data, align) + width
    entry = _align(TUPLE_HEADER + data, 8) + LINE_POINTER
    fill = (rel_fillfactor(candidate) or 90) / 100
    distinct = _distinct(candidate, rel, rows)
    dedup = (
        not candidate.include
        and distinct < rows
        and not any(_no_dedup(k, rel, major) for k in candidate.keys)
    )
    if dedup:
        # Each run of equal keys: one entry (key + first TID), 6 bytes per further row, and
        # a new posting tuple every MAX_POSTING_TIDS rows. Unique keys cost a plain entry.
        per_key = rows / distinct
        tuples_per_key = max(1, math.ceil(per_key / MAX_POSTING_TIDS))
        leaf_bytes = distinct * tuples_per_key * entry + (rows - distinct) * TID
    else:
        leaf_bytes = rows * entry
    leaf_pages = max(1, math.ceil(leaf_bytes / (USABLE * fill)))
    upper = 0
    level = leaf_pages
    fanout = max(2, int(USABLE * 0.7 / (entry + 8)))
    while level > 1:
        level = math.ceil(level / fanout)
        upper += level
    return int((1 + leaf_pages + upper) * PAGE)


def rel_fillfactor(candidate: Candidate) -> int | None:
    return None  # advisor indexes use the default; kept as a hook for --fillfactor


def _distinct(candidate: Candidate, rel: RelInfo, rows: float) -> float:
    product = 1.0
    for key in candidate.keys:
        info = rel.columns.get(key.columns[0]) if key.columns else None
        if info is None or (key.expression is not None and _truncates(key)):
            product *= (
                max(1.0, rows / 50)
                if info is None
                else min(info.distinct_count(rel.rows), max(1.0, rows / 50))
            )
        else:
            product *= info.distinct_count(rel.rows)
    return max(1.0, min(rows, product)) if rows >= 1 else 1.0


def _truncates(key: Key) -> bool:
    return bool(key.expression and key.expression.startswith(("date_trunc", "date(")))


def _no_dedup(key: Key, rel: RelInfo, major: int) -> bool:
    info = rel.columns.get(key.columns[0]) if key.columns else None
    if info is None or key.expression is not None:
        return False
    # Measured: a char(n) key is not deduplicated on PostgreSQL 15, and is on 18.
    return info.type_name in NO_DEDUP_TYPES or (info.type_name == "bpchar" and major < 18)


def _key_width(key: Key, rel: RelInfo) -> tuple[int, int]:
    info = rel.columns.get(key.columns[0]) if key.columns else None
    if key.expression is not None:
        name = re.match(r"\s*([a-z_]+)\s*\(", key.expression)
        fixed = EXPRESSION_WIDTH.get(name.group(1)) if name else None
        if fixed is not None:
            return fixed, 8 if fixed == 8 else 4
        if "->>" in key.expression or "->" in key.expression:
            return 16, 4
    return _column_width(info)


def _column_width(info: ColumnInfo | None) -> tuple[int, int]:
    if info is None:
        return 8, 4
    if info.typlen > 0:
        return info.typlen, ALIGN.get(info.typalign, 4)
    width = info.avg_width if info.avg_width is not None else 32
    # pg_stats' avg_width is the stored (possibly compressed) size; short varlenas in an index
    # carry a 1-byte header, which avg_width already includes.
    return max(1, width), 1 if width < 127 else 4


def _gin_size(candidate: Candidate, rel: RelInfo, rows: float) -> int:
    info = rel.columns.get(candidate.keys[0].columns[0]) if candidate.keys[0].columns else None
    width = info.avg_width if info is not None and info.avg_width is not None else 32
    if candidate.opclass == "gin_trgm_ops":
        entries = rows * max(1.0, width / 3)
    elif candidate.opclass == "jsonb_path_ops":
        entries = rows * max(1.0, width / 24)
    else:
        entries = rows * max(1.0, width / 12)
    # Posting lists are compressed to ~2 bytes per item plus the distinct keys themselves.
    return int(max(2 * PAGE, entries * 2.5 + PAGE * math.ceil(entries / 50_000)))


def _sampled_gin_size(candidate: Candidate, rel: RelInfo, rows: float, gin: GinSample) -> int:
    """Entries (key, row) are kept in compressed posting lists: the denser a key (the larger
    the share of rows it is in), the smaller the TID deltas and their varbyte codes, from
    about 1.5 bytes an entry for keys in most rows up to 6 for rare ones (the sample weighs
    each key by its own share). Calibrated on the demo database's trigram, jsonb_ops and
    jsonb_path_ops indexes; each distinct key adds its entry tuple, and the metapage one."""
    info = rel.columns.get(candidate.keys[0].columns[0]) if candidate.keys[0].columns else None
    non_null = rows * (1.0 - ((info.null_frac or 0.0) if info is not None else 0.0))
    data = non_null * gin.bytes_per_row + gin.distinct_keys * 24
    return int(max(2, math.ceil(data / USABLE) + 1) * PAGE)


def _hnsw_size(candidate: Candidate, rel: RelInfo, rows: float) -> int:
    info = rel.columns.get(candidate.keys[0].column or "")
    match = re.search(r"\((\d+)\)", info.type) if info is not None else None
    dims = int(match.group(1)) if match else 128
    element = 4 * dims + 8 + 16 * 2 * 6 + 24  # vector, header, m=16 neighbours on layer 0
    per_page = max(1, USABLE // element)
    return int((math.ceil(rows / per_page) + 2) * PAGE)


def _align(offset: int, alignment: int) -> int:
    return (offset + alignment - 1) // alignment * alignment
