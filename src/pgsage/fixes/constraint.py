"""Constraints changed without blocking the table: a unique constraint over an index built
CONCURRENTLY, a CHECK added NOT VALID and validated under a weaker lock, a drop."""

from __future__ import annotations

from dataclasses import dataclass

from pgsage.fixes.quoting import ALEMBIC_LOCK_TIMEOUT, LOCK_TIMEOUT, autocommit_block, ident


@dataclass(frozen=True)
class AddUniqueConstraint:
    """``UNIQUE (columns)``: the index is built CONCURRENTLY, then becomes the constraint (a
    short ACCESS EXCLUSIVE lock, no scan)."""

    schema: str
    table: str
    columns: tuple[str, ...]
    name: str

    def _statements(self) -> tuple[str, str]:
        columns = ", ".join(ident(c) for c in self.columns)
        build = (
            f"CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS {ident(self.name)} "
            f"ON {ident(self.schema, self.table)} ({columns});"
        )
        attach = (
            f"ALTER TABLE {ident(self.schema, self.table)} ADD CONSTRAINT {ident(self.name)} "
            f"UNIQUE USING INDEX {ident(self.name)};"
        )
        return build, attach

    def to_sql(self) -> str:
        build, attach = self._statements()
        return f"{LOCK_TIMEOUT}\n{build}\n{attach}"

    def to_alembic(self) -> str:
        build, attach = self._statements()
        return autocommit_block(
            [ALEMBIC_LOCK_TIMEOUT, f"op.execute({build!r})", f"op.execute({attach!r})"]
        )


@dataclass(frozen=True)
class _NotValidThenValidated:
    """A constraint added NOT VALID (no scan under the lock), then validated under SHARE UPDATE
    EXCLUSIVE while reads and writes go on; a subclass gives its definition."""

    schema: str
    table: str
    name: str

    def to_sql(self) -> str:
        return _not_valid_then_validated(self.schema, self.table, self.name, self._definition())

    def to_alembic(self) -> str:
        return _not_valid_then_validated_alembic(
            self.schema, self.table, self.name, self._definition()
        )

    def _definition(self) -> str:
        raise NotImplementedError


@dataclass(frozen=True)
class AddCheckConstraint(_NotValidThenValidated):
    """``CHECK (condition)``: added NOT VALID (no scan under the ACCESS EXCLUSIVE lock), then
    validated under SHARE UPDATE EXCLUSIVE, while reads and writes go on. ``condition`` is
    built by the caller from ``ident()``."""

    condition: str

    def _definition(self) -> str:
        return f"CHECK ({self.condition})"


def _alter_constraint(schema: str, table: str, action: str, name: str) -> str:
    return f"ALTER TABLE {ident(schema, table)} {action} CONSTRAINT {ident(name)};"


@dataclass(frozen=True)
class ValidateConstraint:
    """VALIDATE CONSTRAINT scans the table under SHARE UPDATE EXCLUSIVE: reads and writes go on."""

    schema: str
    table: str
    name: str

    def to_sql(self) -> str:
        return (
            f"{LOCK_TIMEOUT}\n{_alter_constraint(self.schema, self.table, 'VALIDATE', self.name)}"
        )

    def to_alembic(self) -> str:
        statement = _alter_constraint(self.schema, self.table, "VALIDATE", self.name)
        return f"    {ALEMBIC_LOCK_TIMEOUT}\n    op.execute({statement!r})"


@dataclass(frozen=True)
class DropConstraint:
    schema: str
    table: str
    name: str

    def to_sql(self) -> str:
        return f"{LOCK_TIMEOUT}\n{_alter_constraint(self.schema, self.table, 'DROP', self.name)}"

    def to_alembic(self) -> str:
        return (
            f"    {ALEMBIC_LOCK_TIMEOUT}\n"
            f"    op.drop_constraint({self.name!r}, {self.table!r}, schema={self.schema!r})"
        )


@dataclass(frozen=True)
class AddForeignKey(_NotValidThenValidated):
    """``FOREIGN KEY (columns) REFERENCES ref (ref_columns)``: added NOT VALID (a SHARE ROW
    EXCLUSIVE lock on both tables, no scan), then validated under SHARE UPDATE EXCLUSIVE while
    reads and writes go on."""

    columns: tuple[str, ...]
    ref_schema: str
    ref_table: str
    ref_columns: tuple[str, ...]

    def _definition(self) -> str:
        return (
            f"FOREIGN KEY ({', '.join(ident(c) for c in self.columns)}) REFERENCES "
            f"{ident(self.ref_schema, self.ref_table)} "
            f"({', '.join(ident(c) for c in self.ref_columns)})"
        )


def _not_valid_statements(schema: str, table: str, name: str, definition: str) -> tuple[str, str]:
    """ADD CONSTRAINT ... NOT VALID (no scan under the lock), then VALIDATE (a weaker lock)."""
    qualified = ident(schema, table)
    return (
        f"ALTER TABLE {qualified} ADD CONSTRAINT {ident(name)} {definition} NOT VALID;",
        f"ALTER TABLE {qualified} VALIDATE CONSTRAINT {ident(name)};",
    )


def _not_valid_then_validated(schema: str, table: str, name: str, definition: str) -> str:
    add, validate = _not_valid_statements(schema, table, name, definition)
    return f"{LOCK_TIMEOUT}\n{add}\n{validate}"


def _not_valid_then_validated_alembic(schema: str, table: str, name: str, definition: str) -> str:
    add, validate = _not_valid_statements(schema, table, name, definition)
    return f"    {ALEMBIC_LOCK_TIMEOUT}\n    op.execute({add!r})\n    op.execute({validate!r})"
