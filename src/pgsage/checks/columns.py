"""A table's columns by name, and its analyzed columns by attnum, for look-ups from many checks.

Built per table on first use and kept for the snapshot (see ``snapshot_cache``): most checks
look up the columns of a few tables, so mapping all of a big database's columns up front
(tens of thousands of dicts) costs more than the look-ups themselves.
"""

from __future__ import annotations

from pgsage.checks.snapshot_cache import per_snapshot
from pgsage.db.rows import Column
from pgsage.db.snapshot import Snapshot


class ColumnMaps:
    def __init__(self, columns_by_table: dict[tuple[str, str], list[Column]]) -> None:
        self._columns = columns_by_table  # the snapshot's own mapping, not the snapshot
        self._by_name: dict[tuple[str, str], dict[str, Column]] = {}
        self._analyzed: dict[tuple[str, str], dict[int, Column]] = {}

    def by_name(self, schema: str, table: str) -> dict[str, Column]:
        key = (schema, table)
        found = self._by_name.get(key)
        if found is None:
            found = self._by_name[key] = {c.name: c for c in self._columns.get(key, [])}
        return found

    def analyzed_by_attnum(self, schema: str, table: str) -> dict[int, Column]:
        """The columns that have statistics (an ``avg_width`` from pg_stats), by attnum."""
        key = (schema, table)
        found = self._analyzed.get(key)
        if found is None:
            found = self._analyzed[key] = {c.attnum: c for c in self._columns.get(key, [])
                                           if c.avg_width is not None}
        return found


@per_snapshot
def column_maps(snapshot: Snapshot) -> ColumnMaps:
    return ColumnMaps(snapshot.columns_by_table)
