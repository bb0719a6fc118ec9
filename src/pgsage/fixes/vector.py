"""Fixes for pgvector indexes: building an ANN index, and rebuilding one with new options.

Like every index fix, builds run CONCURRENTLY after a ``lock_timeout``; identifiers are quoted
with ``ident()``. A key is either a column (quoted here) or an expression text that came from
the catalog (``pg_get_indexdef``), which the server already printed as valid SQL.
"""

from __future__ import annotations

from dataclasses import dataclass

from pgsage.fixes.index import CreateIndex, DropIndex, IndexKey
from pgsage.fixes.quoting import ALEMBIC_LOCK_TIMEOUT, LOCK_TIMEOUT, autocommit_block, ident


def column_key(column: str, opclass: str | None = None, cast: str | None = None) -> IndexKey:
    """An ANN index key on a column, optionally cast (``col::halfvec(3072)``), with the operator
    class of its distance; the index itself is a ``CreateIndex`` like every other."""
    if cast is None:
        return IndexKey(column=column, opclass=opclass)
    return IndexKey(expression=f"{ident(column)}::{cast}", opclass=opclass)


@dataclass(frozen=True)
class RebuildAnnIndex:
    """Build a replacement next to the old index, drop the old one, take over its name.

    Every step is online: the build and the drop are CONCURRENTLY, and renaming an index takes
    only a SHARE UPDATE EXCLUSIVE lock (PostgreSQL 12+).
    """

    old_name: str
    new: CreateIndex

    def statements(self) -> list[str]:
        drop = DropIndex(self.new.schema, self.old_name).to_sql().splitlines()[-1]
        rename = (
            f"ALTER INDEX {ident(self.new.schema, self.new.name)} RENAME TO {ident(self.old_name)};"
        )
        return [f"{self.new.statement()};", drop, rename]

    def to_sql(self) -> str:
        return "\n".join([LOCK_TIMEOUT, *self.statements()])

    def to_alembic(self) -> str:
        return autocommit_block(
            [ALEMBIC_LOCK_TIMEOUT, *(f"op.execute({s!r})" for s in self.statements())]
        )
