"""Column look-ups shared by checks, built once per audit run (AuditContext views).

Mapping every column of a big database up front (tens of thousands of dicts) costs more than
the look-ups most checks make, so a table's columns by name are mapped on first use; the
analyzed columns, which the bloat estimates need for every index, are mapped in one pass.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from pgsage.checks.context import AuditContext
from pgsage.db.rows import Column

TableKey = tuple[str, str]


class ColumnsByName:
    """A table's columns by name, each table mapped when first asked for."""

    def __init__(self, columns_by_table: Mapping[TableKey, list[Column]]) -> None:
        self._columns = columns_by_table  # the snapshot's own mapping, not the snapshot
        self._by_name: dict[TableKey, Mapping[str, Column]] = {}

    def get(self, schema: str, table: str) -> Mapping[str, Column]:
        key = (schema, table)
        found = self._by_name.get(key)
        if found is None:
            mapped = {c.name: c for c in self._columns.get(key, ())}
            found = self._by_name[key] = MappingProxyType(mapped)
        return found


def _columns_by_name(context: AuditContext) -> ColumnsByName:
    return ColumnsByName(context.snapshot.columns_by_table)


def columns_by_name(context: AuditContext) -> ColumnsByName:
    return context.view(_columns_by_name)


def _analyzed_columns(context: AuditContext) -> Mapping[TableKey, Mapping[int, Column]]:
    found: dict[TableKey, dict[int, Column]] = {}
    for column in context.snapshot.columns:
        if column.avg_width is not None:
            found.setdefault((column.schema, column.table), {})[column.attnum] = column
    return MappingProxyType({key: MappingProxyType(value) for key, value in found.items()})


def analyzed_columns(context: AuditContext) -> Mapping[TableKey, Mapping[int, Column]]:
    """Per table, its columns that have statistics (an ``avg_width`` from pg_stats) by attnum;
    a table without any is absent."""
    return context.view(_analyzed_columns)
