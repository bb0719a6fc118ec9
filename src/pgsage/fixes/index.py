"""Fixes as data: each renders itself as safe SQL (``to_sql``) and as an Alembic operation.

Index builds and drops are always CONCURRENTLY with a lock_timeout, so that applying a fix never
queues behind (and then blocks) the application's traffic. Alembic forms run inside
``op.get_context().autocommit_block()`` because CONCURRENTLY cannot run in a transaction.

``CreateIndex`` is the one CREATE INDEX builder: the checks' fixes, the advisor's
recommendations (expressions, operator classes, INCLUDE, partial, partitioned parents), its
what-if costing and ``--apply`` all render their statements through it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from pgsage.fixes.quoting import (
    ALEMBIC_LOCK_TIMEOUT,
    LOCK_TIMEOUT,
    autocommit_block,
    ident,
    ident_as_server,
    index_name,
)
from pgsage.fixes.steps import Steps
from pgsage.model import Fix

NULLS_ORDER = frozenset({"first", "last"})
_PARAMETER = re.compile(r"[a-z_][a-z0-9_]*")
# name(arguments), with at most one level of nested parentheses inside.
_FUNCTION_CALL = re.compile(r"[A-Za-z_][\w.]*\((?:[^()]|\([^()]*\))*\)")


@dataclass(frozen=True)
class DropIndex:
    schema: str
    name: str
    # A partitioned parent's index cannot be dropped CONCURRENTLY (it has no storage of its
    # own; dropping it drops the partitions' attached indexes): the lock_timeout bounds the wait.
    concurrently: bool = True

    def statement(self) -> str:
        how = "CONCURRENTLY " if self.concurrently else ""
        return f"DROP INDEX {how}IF EXISTS {ident(self.schema, self.name)}"

    def to_sql(self) -> str:
        return f"{LOCK_TIMEOUT}\n{self.statement()};"

    def to_alembic(self) -> str:
        if not self.concurrently:
            return autocommit_block([ALEMBIC_LOCK_TIMEOUT, f"op.execute({self.statement()!r})"])
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
class PartitionStep:
    """One partition's part of a partitioned parent's index: ``index`` is the partition's
    index, built by ``create`` or (``create`` None) an equivalent one it had, reused."""

    schema: str
    partition: str
    index: str
    create: CreateIndex | None
    attach: str


@dataclass(frozen=True, order=True)
class IndexKey:
    """One key of an index: a column (quoted on output) or an expression (SQL text with
    unqualified columns, e.g. ``lower(email)``), with its operator class and order."""

    column: str | None = None
    expression: str | None = None
    opclass: str | None = None
    descending: bool = False
    nulls: str | None = None  # "first" or "last"; None: the default for the direction

    def __post_init__(self) -> None:
        if (self.column is None) == (self.expression is None):
            raise ValueError("an index key is a column or an expression")
        if self.nulls is not None and self.nulls not in NULLS_ORDER:
            raise ValueError(f"NULLS {self.nulls!r}: first or last")

    @staticmethod
    def of(column: str, opclass: str | None = None, function: str | None = None) -> IndexKey:
        """A column, or ``function(column)`` (``lower``), with an operator class."""
        if function is None:
            return IndexKey(column=column, opclass=opclass)
        return IndexKey(expression=f"{function}({ident(column)})", opclass=opclass)

    @property
    def plain(self) -> bool:
        """A bare column in its default order: Alembic lists it by name."""
        return self.column is not None and not (self.opclass or self.descending or self.nulls)

    def to_sql(self) -> str:
        if self.column is not None:
            item = ident(self.column)
        else:
            text = str(self.expression)
            # A function call stands bare in an index key; any other expression needs parentheses.
            item = text if _FUNCTION_CALL.fullmatch(text) else f"({text})"
        if self.opclass:
            item += f" {ident_as_server(self.opclass)}"
        if self.descending:
            item += " DESC"
        if self.nulls:
            item += f" NULLS {self.nulls.upper()}"
        return item


@dataclass(frozen=True)
class CreateIndex:
    """CREATE INDEX, CONCURRENTLY IF NOT EXISTS after a lock_timeout.

    ``columns`` holds column names (quoted on output) or ``IndexKey``s for expressions,
    operator classes and order. ``where`` and the expressions are SQL text from the catalog
    or the advisor's parse tree, never user input. A partitioned parent (``partitions`` set:
    its direct partitions as (schema, name)) cannot be indexed concurrently, so its index is
    created ON ONLY the parent (invalid, instantly), each partition's concurrently, then
    attached — the parent's index turns valid with the last. A partition that already has an
    equivalent index (``reuse``: (schema, partition, index)) gets that one attached instead of
    a second copy built.
    """

    schema: str
    table: str
    columns: tuple[str | IndexKey, ...]
    name: str
    method: str = "btree"
    unique: bool = False
    where: str | None = None
    include: tuple[str, ...] = ()
    storage: tuple[tuple[str, int], ...] = ()  # WITH (name = value): hnsw's m, ivfflat's lists
    partitions: tuple[tuple[str, str], ...] = ()
    concurrently: bool = True
    extension: str | None = None  # created first when the operator class needs it (pg_trgm)
    reuse: tuple[tuple[str, str, str], ...] = ()

    def __post_init__(self) -> None:
        # storage parameter names are constants of the code, written bare like PostgreSQL's own
        bad = [k for k, _ in self.storage if not _PARAMETER.fullmatch(k)]
        if bad:
            raise ValueError(f"storage parameter names: {bad}")

    @property
    def keys(self) -> tuple[IndexKey, ...]:
        return tuple(IndexKey(column=c) if isinstance(c, str) else c for c in self.columns)

    def statement(self, *, if_not_exists: bool = True, only: bool = False) -> str:
        """The CREATE INDEX statement alone (no ``;``); ``only`` gives ``ON ONLY`` (a
        partitioned parent). ``concurrently=False`` is the form built inside a transaction."""
        unique = "UNIQUE " if self.unique else ""
        how = "CONCURRENTLY " if self.concurrently and not only else ""
        exists = "IF NOT EXISTS " if if_not_exists else ""
        on = "ONLY " if only else ""
        using = "" if self.method == "btree" else f"USING {ident_as_server(self.method)} "
        keys = ", ".join(k.to_sql() for k in self.keys)
        text = (
            f"CREATE {unique}INDEX {how}{exists}{ident(self.name)} ON {on}"
            f"{ident(self.schema, self.table)} {using}({keys})"
        )
        if self.include:
            text += f" INCLUDE ({', '.join(ident(c) for c in self.include)})"
        if self.storage:
            text += f" WITH ({', '.join(f'{k} = {int(v)}' for k, v in self.storage)})"
        if self.where:
            text += f" WHERE {self.where}"
        return text

    def partition_index(self, schema: str, partition: str) -> CreateIndex:
        """The index one partition of a partitioned parent gets, attached to the parent's."""
        name = index_name(partition, [self.name.removesuffix("_idx")], "idx")
        return replace(self, schema=schema, table=partition, name=name, partitions=())

    def attach_statement(self, child: CreateIndex) -> str:
        return f"ALTER INDEX {ident(self.schema, self.name)} ATTACH PARTITION {ident(child.schema, child.name)}"

    def partition_steps(self) -> list[PartitionStep]:
        """Per partition of a partitioned parent: the index it gets (built, or reused), and
        the statement that attaches it to the parent's."""
        reused = {(schema, part): index for schema, part, index in self.reuse}
        found = []
        for schema, part in self.partitions:
            existing = reused.get((schema, part))
            if existing is not None:
                attach = f"ALTER INDEX {ident(self.schema, self.name)} ATTACH PARTITION {ident(schema, existing)}"
                found.append(PartitionStep(schema, part, existing, None, attach))
            else:
                child = self.partition_index(schema, part)
                found.append(
                    PartitionStep(schema, part, child.name, child, self.attach_statement(child))
                )
        return found

    def steps(self) -> list[str]:
        """The statements, in order, that build the index (several for a partitioned parent)."""
        if not self.partitions:
            return [self.statement()]
        found = [self.statement(only=True)]
        for step in self.partition_steps():
            if step.create is not None:
                found.append(step.create.statement())
            found.append(step.attach)
        return found

    def index_names(self) -> list[str]:
        """Every index the fix creates: its own and each partition's it builds (a reused one
        existed before)."""
        built = [s.index for s in self.partition_steps() if s.create is not None]
        return [self.name, *built]

    def drop(self) -> DropIndex:
        return DropIndex(self.schema, self.name, concurrently=not self.partitions)

    def undo(self) -> Fix:
        """What takes the fix back. Dropping a partitioned index drops every index attached to
        it, the reused ones too: those are built again as they were."""
        if not self.reuse:
            return self.drop()
        rebuilt = tuple(
            replace(
                self,
                schema=schema,
                table=part,
                name=index,
                partitions=(),
                reuse=(),
                concurrently=True,
                extension=None,
            )
            for schema, part, index in self.reuse
        )
        return Steps((self.drop(), *rebuilt))

    def _extension(self) -> list[str]:
        if self.extension is None:
            return []
        return [f"CREATE EXTENSION IF NOT EXISTS {ident(self.extension)};"]

    def to_sql(self) -> str:
        return "\n".join([*self._extension(), LOCK_TIMEOUT, *(f"{step};" for step in self.steps())])

    def to_alembic(self) -> str:
        if self.partitions or not self.concurrently:
            # ON ONLY and ATTACH PARTITION have no Alembic operation: the statements as they are.
            return autocommit_block(
                [
                    *(f"op.execute({e!r})" for e in self._extension()),
                    ALEMBIC_LOCK_TIMEOUT,
                    *(f"op.execute({step!r})" for step in self.steps()),
                ]
            )
        keys = ", ".join(
            repr(k.column) if k.plain else f"sa.text({k.to_sql()!r})" for k in self.keys
        )
        args = [
            repr(self.name),
            repr(self.table),
            f"[{keys}]",
            f"schema={self.schema!r}",
            "postgresql_concurrently=True",
            "if_not_exists=True",
        ]
        if self.unique:
            args.append("unique=True")
        if self.method != "btree":
            args.append(f"postgresql_using={self.method!r}")
        if self.include:
            args.append(f"postgresql_include={list(self.include)!r}")
        if self.storage:
            args.append(f"postgresql_with={ {k: int(v) for k, v in self.storage}!r}")
        if self.where:
            args.append(f"postgresql_where=sa.text({self.where!r})")
        return autocommit_block(
            [
                *(f"op.execute({e!r})" for e in self._extension()),
                ALEMBIC_LOCK_TIMEOUT,
                f"op.create_index({', '.join(args)})",
            ]
        )
