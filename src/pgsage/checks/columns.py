"""Column look-ups shared by checks, built once per snapshot (see ``snapshot_cache``).

Mapping every column of a big database up front (tens of thousands of dicts) costs more than
the look-ups most checks make, so a table's columns by name are mapped on first use; the
analyzed columns, which the bloat estimates need for every index, are mapped in one pass.
"""

from __future__ import annotations

from pgsage.checks.snapshot_cache import per_snapshot
from pgsage.db.rows import Column
from pgsage.db.snapshot import Snapshot


class ColumnsByName:
    def __init__(self, columns_by_table: dict[tuple[str, str], list[Column]]) -> None:
        self._columns = columns_by_table  # the snapshot's own mapping, not the snapshot
        self._by_name: dict[tuple[str, str], dict[str, Column]] = {}

    def get(self, schema: str, table: str) -> dict[str, Column]:
        key = (schema, table)
        found = self._by_name.get(key)
        if found is None:
            found = self._by_name[key] = {c.name: c for c in self._columns.get(key, [])}
        return found


@per_snapshot
def columns_by_name(snapshot: Snapshot) -> ColumnsByName:
    return ColumnsByName(snapshot.columns_by_table)


@per_snapshot
def analyzed_columns(snapshot: Snapshot) -> dict[tuple[str, str], dict[int, Column]]:
    """Per table, its columns that have statistics (an ``avg_width`` from pg_stats) by attnum;
    a table without any is absent."""
    found: dict[tuple[str, str], dict[int, Column]] = {}
    for column in snapshot.columns:
        if column.avg_width is not None:
            found.setdefault((column.schema, column.table), {})[column.attnum] = column
    return found
