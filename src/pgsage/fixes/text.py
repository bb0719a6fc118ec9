"""A fix known only as text: a statement (or template) a check or rule wrote out, with its
Alembic form when the author gave one. Prefer a structured fix from the other modules."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SqlText:
    sql: str
    alembic: str = ""

    def to_sql(self) -> str:
        return self.sql

    def to_alembic(self) -> str:
        if self.alembic:
            return self.alembic
        return f"    op.execute({self.sql!r})"
