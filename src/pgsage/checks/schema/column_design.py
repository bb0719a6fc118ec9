"""What the column design checks share: a column's name in words, its sampled values as a flag
(pg_stats' most common values), and the columns that key a table."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from pgsage.checks.context import AuditContext
from pgsage.checks.security.plaintext_secret_columns import words
from pgsage.db.rows import Column, ColumnValues

INTEGER_TYPES = frozenset({"int2", "int4", "int8"})
ColumnKey = tuple[str, str, str]

__all__ = ["INTEGER_TYPES", "flag_values", "key_columns", "sampled_values", "words"]


def _sampled(context: AuditContext) -> Mapping[ColumnKey, ColumnValues]:
    return MappingProxyType(
        {(v.schema, v.table, v.column): v for v in context.snapshot.column_values}
    )


def sampled_values(context: AuditContext) -> Mapping[ColumnKey, ColumnValues]:
    """pg_stats' most common values per (schema, table, column) (low-cardinality columns)."""
    return context.view(_sampled)


def _keys(context: AuditContext) -> frozenset[ColumnKey]:
    return frozenset(
        (c.schema, c.table, name)
        for c in context.snapshot.constraints
        if c.type in ("p", "u", "f")
        for name in c.columns
    )


def key_columns(context: AuditContext) -> frozenset[ColumnKey]:
    """Columns in a primary key, unique constraint or foreign key: identifiers, never flags."""
    return context.view(_keys)


def flag_values(column: Column, sampled: ColumnValues | None) -> dict[str, float] | None:
    """The share of each value of an integer column that pg_stats saw only as 0 and 1 (at most
    two distinct values, every row sampled in its most common values); None otherwise."""
    if column.type_name not in INTEGER_TYPES or sampled is None:
        return None
    if column.n_distinct is None or not 0 < column.n_distinct <= 2:
        return None
    if not set(sampled.values) <= {"0", "1"}:
        return None
    non_null = 1.0 - (column.null_frac or 0.0)
    if abs(sum(sampled.freqs) - non_null) > 0.01:
        return None  # some values were not among the most common: not only 0 and 1
    return dict(zip(sampled.values, sampled.freqs, strict=True))
