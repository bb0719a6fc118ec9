"""Fixes for the table and sequence checks, as data: maintenance (VACUUM, ANALYZE), storage
parameters, primary keys and column type changes.

Like ``pgsage.fixes.index``: identifiers are quoted with ``ident()``, every statement that takes a lock
comes after a lock_timeout, and statements that cannot run in a transaction (VACUUM) run inside
``autocommit_block()`` in their Alembic form. Statements that rewrite a table or block its
readers say so in a comment above them.
"""

from __future__ import annotations

from dataclasses import dataclass

from pgsage.fixes.quoting import (
    ALEMBIC_LOCK_TIMEOUT,
    LOCK_TIMEOUT,
    autocommit_block,
    ident,
    literal,
)

# Options VACUUM accepts here; they are constants of the checks, never text from the database.
VACUUM_OPTIONS = frozenset({"VERBOSE", "ANALYZE", "FREEZE", "FULL"})


def _op_execute(statement: str) -> str:
    return f"op.execute({statement!r})"


@dataclass(frozen=True)
class Vacuum:
    """VACUUM (options) schema.table. FULL rewrites the table under an ACCESS EXCLUSIVE lock."""

    schema: str
    table: str
    options: tuple[str, ...] = ("VERBOSE", "ANALYZE")

    def statement(self) -> str:
        unknown = set(self.options) - VACUUM_OPTIONS
        if unknown:
            raise ValueError(f"unknown VACUUM option(s): {sorted(unknown)}")
        options = f"({', '.join(self.options)}) " if self.options else ""
        return f"VACUUM {options}{ident(self.schema, self.table)};"

    def to_sql(self) -> str:
        lines = [LOCK_TIMEOUT]
        if "FULL" in self.options:
            lines = [
                "-- VACUUM FULL rewrites the table and its indexes under an ACCESS EXCLUSIVE lock:",
                "-- reads and writes wait until it ends. Prefer pg_repack online.",
                *lines,
            ]
        return "\n".join([*lines, self.statement()])

    def to_alembic(self) -> str:
        return autocommit_block([ALEMBIC_LOCK_TIMEOUT, _op_execute(self.statement())])


@dataclass(frozen=True)
class VacuumTables:
    """One VACUUM per table, in order, after one lock_timeout (the oldest tables of a database
    to freeze first, say)."""

    tables: tuple[tuple[str, str], ...]  # (schema, table)
    options: tuple[str, ...] = ("VERBOSE", "ANALYZE")

    def statements(self) -> list[str]:
        return [Vacuum(schema, table, self.options).statement() for schema, table in self.tables]

    def to_sql(self) -> str:
        return "\n".join([LOCK_TIMEOUT, *self.statements()])

    def to_alembic(self) -> str:
        return autocommit_block([ALEMBIC_LOCK_TIMEOUT, *map(_op_execute, self.statements())])


@dataclass(frozen=True)
class Analyze:
    schema: str
    table: str

    def statement(self) -> str:
        return f"ANALYZE {ident(self.schema, self.table)};"

    def to_sql(self) -> str:
        return f"{LOCK_TIMEOUT}\n{self.statement()}"

    def to_alembic(self) -> str:
        return f"    {ALEMBIC_LOCK_TIMEOUT}\n    {_op_execute(self.statement())}"


@dataclass(frozen=True)
class ResetStorageParameter:
    """ALTER TABLE ... RESET (parameter): back to the server's setting."""

    schema: str
    table: str
    parameter: str

    def statement(self) -> str:
        return f"ALTER TABLE {ident(self.schema, self.table)} RESET ({ident(self.parameter)});"

    def to_sql(self) -> str:
        return f"{LOCK_TIMEOUT}\n{self.statement()}"

    def to_alembic(self) -> str:
        return f"    {ALEMBIC_LOCK_TIMEOUT}\n    {_op_execute(self.statement())}"


@dataclass(frozen=True)
class SetStorageParameter:
    """ALTER TABLE ... SET (parameter = value): per-table autovacuum tuning and the like. For
    the autovacuum parameters it takes a SHARE UPDATE EXCLUSIVE lock: reads and writes go on."""

    schema: str
    table: str
    parameter: str
    value: int | float

    def statement(self) -> str:
        return (
            f"ALTER TABLE {ident(self.schema, self.table)} SET "
            f"({ident(self.parameter)} = {literal(self.value)});"
        )

    def to_sql(self) -> str:
        return f"{LOCK_TIMEOUT}\n{self.statement()}"

    def to_alembic(self) -> str:
        return f"    {ALEMBIC_LOCK_TIMEOUT}\n    {_op_execute(self.statement())}"


@dataclass(frozen=True)
class PromoteUniqueIndex:
    """ADD CONSTRAINT ... PRIMARY KEY USING INDEX: an existing unique index on NOT NULL columns
    becomes the primary key without a rebuild. An index that already backs a UNIQUE constraint
    cannot be promoted; a copy of it is built CONCURRENTLY first (``copy_columns``)."""

    schema: str
    table: str
    index: str
    constraint: str
    copy_columns: tuple[str, ...] = ()

    def statements(self) -> list[str]:
        lines = []
        if self.copy_columns:
            cols = ", ".join(ident(c) for c in self.copy_columns)
            lines.append(
                f"CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS {ident(self.index)} "
                f"ON {ident(self.schema, self.table)} ({cols});"
            )
        lines.append(
            f"ALTER TABLE {ident(self.schema, self.table)} ADD CONSTRAINT "
            f"{ident(self.constraint)} PRIMARY KEY USING INDEX {ident(self.index)};"
        )
        return lines

    def to_sql(self) -> str:
        return "\n".join([LOCK_TIMEOUT, *self.statements()])

    def to_alembic(self) -> str:
        if not self.copy_columns:
            return f"    {ALEMBIC_LOCK_TIMEOUT}\n    {_op_execute(self.statements()[0])}"
        create, promote = self.statements()
        return (
            autocommit_block([ALEMBIC_LOCK_TIMEOUT, _op_execute(create)])
            + f"\n    {_op_execute(promote)}"
        )


@dataclass(frozen=True)
class AddIdentityPrimaryKey:
    """A new bigint identity column as the primary key: rewrites the table (every row gets a
    value) under an ACCESS EXCLUSIVE lock."""

    schema: str
    table: str
    column: str

    def statement(self) -> str:
        return (
            f"ALTER TABLE {ident(self.schema, self.table)} ADD COLUMN {ident(self.column)} "
            "bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY;"
        )

    def to_sql(self) -> str:
        return "\n".join(
            [
                "-- rewrites the table under an ACCESS EXCLUSIVE lock (reads and "
                "writes wait): run it in a maintenance window",
                LOCK_TIMEOUT,
                self.statement(),
            ]
        )

    def to_alembic(self) -> str:
        return f"    {ALEMBIC_LOCK_TIMEOUT}\n    {_op_execute(self.statement())}"


@dataclass(frozen=True)
class ColumnRef:
    schema: str
    table: str
    column: str


@dataclass(frozen=True)
class WidenSequence:
    """Move a sequence and the columns it feeds (and the foreign keys referencing them) to
    bigint. ALTER COLUMN ... TYPE rewrites each table under an ACCESS EXCLUSIVE lock."""

    sequence_schema: str
    sequence: str
    columns: tuple[ColumnRef, ...] = ()  # owning column first, then referencing columns
    alter_sequence: bool = True  # identity sequences follow their column's type by themselves
    drop_maxvalue: bool = False  # an explicit MAXVALUE below the type's own maximum

    def statements(self) -> list[str]:
        lines = [
            f"ALTER TABLE {ident(c.schema, c.table)} ALTER COLUMN {ident(c.column)} TYPE bigint;"
            for c in self.columns
        ]
        seq = ident(self.sequence_schema, self.sequence)
        if self.alter_sequence and self.drop_maxvalue:
            lines.append(f"ALTER SEQUENCE {seq} AS bigint NO MAXVALUE;")
        elif self.alter_sequence:
            lines.append(f"ALTER SEQUENCE {seq} AS bigint;")
        elif self.drop_maxvalue:
            lines.append(f"ALTER SEQUENCE {seq} NO MAXVALUE;")
        return lines

    def to_sql(self) -> str:
        header = []
        if self.columns:
            header = [
                "-- ALTER COLUMN ... TYPE bigint rewrites the table and its indexes under "
                "an ACCESS EXCLUSIVE lock",
                "-- (reads and writes wait): plan a "
                "maintenance window, or migrate through a new column online.",
            ]
        return "\n".join([*header, LOCK_TIMEOUT, *self.statements()])

    def to_alembic(self) -> str:
        return "\n".join(
            [f"    {ALEMBIC_LOCK_TIMEOUT}", *(f"    {_op_execute(s)}" for s in self.statements())]
        )


@dataclass(frozen=True)
class AlterColumnType:
    """``ALTER COLUMN ... TYPE new_type [USING ...]``, with the default dropped and set again
    when it cannot be cast (an integer flag's ``DEFAULT 0`` becoming ``false``). ``using`` and
    ``default`` are SQL built by the caller from ``ident()``/``literal()``. Rewrites the table
    and its indexes under an ACCESS EXCLUSIVE lock unless the change is binary-coercible."""

    schema: str
    table: str
    column: str
    new_type: str  # a type name of the check's, never text from the database
    using: str | None = None
    default: str | None = None  # the new default, set after the type change
    rewrites: bool = True
    prelude: tuple[str, ...] = ()  # session settings the change relies on (constants)

    def statements(self) -> list[str]:
        table, column = ident(self.schema, self.table), ident(self.column)
        lines = list(self.prelude)
        if self.default is not None:
            lines.append(f"ALTER TABLE {table} ALTER COLUMN {column} DROP DEFAULT;")
        using = f" USING {self.using}" if self.using else ""
        lines.append(f"ALTER TABLE {table} ALTER COLUMN {column} TYPE {self.new_type}{using};")
        if self.default is not None:
            lines.append(f"ALTER TABLE {table} ALTER COLUMN {column} SET DEFAULT {self.default};")
        return lines

    def to_sql(self) -> str:
        header = []
        if self.rewrites:
            header = [
                f"-- ALTER COLUMN ... TYPE {self.new_type} rewrites the table and its indexes "
                "under an ACCESS EXCLUSIVE lock",
                "-- (reads and writes wait): plan a maintenance window, or migrate through a "
                "new column online. Update the application's code for the new type first.",
            ]
        return "\n".join([*header, LOCK_TIMEOUT, *self.statements()])

    def to_alembic(self) -> str:
        return "\n".join(
            [
                f"    {ALEMBIC_LOCK_TIMEOUT}",
                *(
                    f"    # {s.removeprefix('--').strip()}"
                    if s.startswith("--")
                    else f"    {_op_execute(s)}"
                    for s in self.statements()
                ),
            ]
        )


@dataclass(frozen=True)
class ReplaceWithGenerated:
    """A column that copies another (Pagila's ``customer.active`` beside ``activebool``)
    replaced by a generated column computed from the one kept, so that readers of the old name
    go on working and the two can no longer disagree. ``expression`` is SQL built by the caller
    from ``ident()``. Dropping the column takes an ACCESS EXCLUSIVE lock; adding a STORED
    generated column rewrites the table."""

    schema: str
    table: str
    column: str
    column_type: str  # a type name of the check's, never text from the database
    expression: str

    def statements(self) -> list[str]:
        table, column = ident(self.schema, self.table), ident(self.column)
        return [
            f"ALTER TABLE {table} DROP COLUMN {column}, ADD COLUMN {column} {self.column_type} "
            f"GENERATED ALWAYS AS ({self.expression}) STORED;"
        ]

    def to_sql(self) -> str:
        return "\n".join(
            [
                "-- Rewrites the table under an ACCESS EXCLUSIVE lock; writers of the dropped "
                "column must stop writing it first.",
                LOCK_TIMEOUT,
                *self.statements(),
            ]
        )

    def to_alembic(self) -> str:
        return "\n".join(
            [f"    {ALEMBIC_LOCK_TIMEOUT}", *(f"    {_op_execute(s)}" for s in self.statements())]
        )
