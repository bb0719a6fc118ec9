"""Fixes on the server rather than on a table: ending a session, dropping a replication slot,
creating an extension. Ending a session and dropping a slot cannot be undone; the checks show
the first commented out (``steps.CommentedOut``), and the slot's form carries a warning."""

from __future__ import annotations

from dataclasses import dataclass

from psycopg import sql

from pgsage.fixes.quoting import autocommit_block, ident
from pgsage.fixes.steps import INDENT


@dataclass(frozen=True)
class EndSession:
    """pg_terminate_backend (the session ends, its transaction rolls back) or, with
    ``cancel``, pg_cancel_backend (only the running statement is cancelled)."""

    pid: int
    cancel: bool = False

    @property
    def function(self) -> str:
        return "pg_cancel_backend" if self.cancel else "pg_terminate_backend"

    def statement(self) -> str:
        return f"SELECT {self.function}({int(self.pid)});"

    def to_sql(self) -> str:
        return self.statement()

    def to_alembic(self) -> str:
        return f"{INDENT}op.execute({self.statement()!r})"


SLOT_WARNING = (
    "WARNING: dropping a slot cannot be undone; the replica or logical consumer",
    "that used it must then be rebuilt or resynchronised from scratch.",
)


@dataclass(frozen=True)
class DropReplicationSlot:
    name: str

    def statement(self) -> str:
        return f"SELECT pg_drop_replication_slot({sql.Literal(self.name).as_string(None)});"

    def to_sql(self) -> str:
        return "\n".join([*(f"-- {line}" for line in SLOT_WARNING), self.statement()])

    def to_alembic(self) -> str:
        # A logical slot cannot be dropped by a transaction that has written anything.
        execute = f"op.execute({self.statement()!r})"
        return autocommit_block([*(f"# {line}" for line in SLOT_WARNING), execute])


@dataclass(frozen=True)
class CreateExtension:
    name: str

    def statement(self) -> str:
        return f"CREATE EXTENSION IF NOT EXISTS {ident(self.name)};"

    def to_sql(self) -> str:
        return self.statement()

    def to_alembic(self) -> str:
        return f"{INDENT}op.execute({self.statement()!r})"
