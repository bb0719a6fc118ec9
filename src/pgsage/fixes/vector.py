"""Fixes for pgvector indexes: building an ANN index, and rebuilding one with new options.

Like every index fix, builds run CONCURRENTLY after a ``lock_timeout``; identifiers are quoted
with ``ident()``. A key is either a column (quoted here) or an expression text that came from
the catalog (``pg_get_indexdef``), which the server already printed as valid SQL.
"""

from __future__ import annotations

from dataclasses import dataclass

from pgsage.fixes.index import DropIndex
from pgsage.fixes.quoting import ALEMBIC_LOCK_TIMEOUT, LOCK_TIMEOUT, autocommit_block, ident


def column_key(column: str, cast: str | None = None) -> str:
    """The SQL of an index key on a column, optionally cast (``(col::halfvec(3072))``)."""
    if cast is None:
        return ident(column)
    return f"({ident(column)}::{cast})"


@dataclass(frozen=True)
class CreateAnnIndex:
    """CREATE INDEX CONCURRENTLY ... USING hnsw|ivfflat (key opclass) WITH (...)."""

    schema: str
    table: str
    name: str
    method: str  # hnsw or ivfflat
    key: str  # see column_key(); or a catalog expression text
    opclass: str
    options: tuple[tuple[str, int], ...] = ()
    where: str | None = None  # a catalog predicate text

    def statement(self) -> str:
        options = ""
        if self.options:
            options = " WITH (" + ", ".join(f"{k} = {int(v)}" for k, v in self.options) + ")"
        where = f" WHERE {self.where}" if self.where else ""
        return (
            f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {ident(self.name)} ON "
            f"{ident(self.schema, self.table)} USING {self.method} "
            f"({self.key} {ident(self.opclass)}){options}{where};"
        )

    def to_sql(self) -> str:
        return f"{LOCK_TIMEOUT}\n{self.statement()}"

    def to_alembic(self) -> str:
        return autocommit_block([ALEMBIC_LOCK_TIMEOUT, f"op.execute({self.statement()!r})"])


@dataclass(frozen=True)
class RebuildAnnIndex:
    """Build a replacement next to the old index, drop the old one, take over its name.

    Every step is online: the build and the drop are CONCURRENTLY, and renaming an index takes
    only a SHARE UPDATE EXCLUSIVE lock (PostgreSQL 12+).
    """

    old_name: str
    new: CreateAnnIndex

    def statements(self) -> list[str]:
        drop = DropIndex(self.new.schema, self.old_name).to_sql().splitlines()[-1]
        rename = (
            f"ALTER INDEX {ident(self.new.schema, self.new.name)} RENAME TO {ident(self.old_name)};"
        )
        return [self.new.statement(), drop, rename]

    def to_sql(self) -> str:
        return "\n".join([LOCK_TIMEOUT, *self.statements()])

    def to_alembic(self) -> str:
        return autocommit_block(
            [ALEMBIC_LOCK_TIMEOUT, *(f"op.execute({s!r})" for s in self.statements())]
        )
