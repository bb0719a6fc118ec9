"""Fixes as data: each renders itself as safe SQL (``to_sql``) and as an Alembic operation.

Index builds and drops are always CONCURRENTLY with a lock_timeout, so that applying a fix never
queues behind (and then blocks) the application's traffic. Alembic forms run inside
``op.get_context().autocommit_block()`` because CONCURRENTLY cannot run in a transaction.
"""

from __future__ import annotations

from dataclasses import dataclass

from pgsage.fixes.quoting import (
    ALEMBIC_LOCK_TIMEOUT,
    LOCK_TIMEOUT,
    autocommit_block,
    ident,
)


@dataclass(frozen=True)
class DropIndex:
    schema: str
    name: str

    def to_sql(self) -> str:
        return f"{LOCK_TIMEOUT}\nDROP INDEX CONCURRENTLY IF EXISTS {ident(self.schema, self.name)};"

    def to_alembic(self) -> str:
        return autocommit_block(
            [
                ALEMBIC_LOCK_TIMEOUT,
                f"op.drop_index({self.name!r}, schema={self.schema!r}, postgresql_concurrently=True, "
                "if_exists=True)",
            ]
        )


@dataclass(frozen=True)
class ReindexIndex:
    schema: str
    name: str

    def to_sql(self) -> str:
        return f"{LOCK_TIMEOUT}\nREINDEX INDEX CONCURRENTLY {ident(self.schema, self.name)};"

    def to_alembic(self) -> str:
        return autocommit_block(
            [
                ALEMBIC_LOCK_TIMEOUT,
                f"op.execute({self.to_sql().splitlines()[-1]!r})",
            ]
        )


@dataclass(frozen=True)
class CreateIndex:
    schema: str
    table: str
    columns: tuple[str, ...]  # column names; quoted on output
    name: str
    method: str = "btree"
    unique: bool = False
    where: str | None = None

    def to_sql(self) -> str:
        cols = ", ".join(ident(c) for c in self.columns)
        using = "" if self.method == "btree" else f" USING {self.method}"
        unique = "UNIQUE " if self.unique else ""
        where = f" WHERE {self.where}" if self.where else ""
        return (
            f"{LOCK_TIMEOUT}\nCREATE {unique}INDEX CONCURRENTLY IF NOT EXISTS "
            f"{ident(self.name)} ON {ident(self.schema, self.table)}{using} ({cols}){where};"
        )

    def to_alembic(self) -> str:
        args = [
            repr(self.name),
            repr(self.table),
            repr(list(self.columns)),
            f"schema={self.schema!r}",
            "postgresql_concurrently=True",
            "if_not_exists=True",
        ]
        if self.unique:
            args.append("unique=True")
        if self.method != "btree":
            args.append(f"postgresql_using={self.method!r}")
        if self.where:
            args.append(f"postgresql_where=sa.text({self.where!r})")
        return autocommit_block(
            [
                ALEMBIC_LOCK_TIMEOUT,
                f"op.create_index({', '.join(args)})",
            ]
        )


@dataclass(frozen=True)
class DropConstraint:
    schema: str
    table: str
    name: str

    def to_sql(self) -> str:
        return (
            f"{LOCK_TIMEOUT}\nALTER TABLE {ident(self.schema, self.table)} "
            f"DROP CONSTRAINT {ident(self.name)};"
        )

    def to_alembic(self) -> str:
        return (
            f"    {ALEMBIC_LOCK_TIMEOUT}\n"
            f"    op.drop_constraint({self.name!r}, {self.table!r}, schema={self.schema!r})"
        )


Fix = DropIndex | ReindexIndex | CreateIndex | DropConstraint
