"""Partitioned parents and their partitions, built once per audit run (an AuditContext view)."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from pgsage.checks.context import AuditContext
from pgsage.db.rows import Table

TableKey = tuple[str, str]


def _partitions(context: AuditContext) -> Mapping[TableKey, tuple[Table, ...]]:
    by_full_name = {f"{t.schema}.{t.name}": t for t in context.snapshot.tables if t.kind == "p"}
    found: dict[TableKey, list[Table]] = {}
    for table in context.snapshot.tables:
        parent = by_full_name.get(table.parent or "") if table.is_partition else None
        if parent is not None:
            found.setdefault((parent.schema, parent.name), []).append(table)
    return MappingProxyType(
        {key: tuple(sorted(rows, key=lambda t: (t.schema, t.name))) for key, rows in found.items()}
    )


def partitions(context: AuditContext) -> Mapping[TableKey, tuple[Table, ...]]:
    """Per partitioned parent, its direct partitions (sorted by schema and name)."""
    return context.view(_partitions)


def _parents(context: AuditContext) -> Mapping[TableKey, TableKey]:
    return MappingProxyType(
        {
            (part.schema, part.name): parent
            for parent, parts in partitions(context).items()
            for part in parts
        }
    )


def parent_of(context: AuditContext) -> Mapping[TableKey, TableKey]:
    """Per partition, its partitioned parent."""
    return context.view(_parents)
