"""Fixes made of other fixes: several steps in order, a remark, and a step shown but not run.

A fix that ends a session or replaces one choice with another is a human decision: it is
written as ``CommentedOut`` so that running the SQL script (or the Alembic revision) as given
never does it by surprise.
"""

from __future__ import annotations

from dataclasses import dataclass

from pgsage.model import Fix

INDENT = "    "  # the body of an Alembic upgrade() function


@dataclass(frozen=True)
class Comment:
    """A remark between the steps: ``-- text`` in SQL, ``# text`` in Alembic."""

    text: str

    def to_sql(self) -> str:
        return "\n".join(f"-- {line}" for line in self.text.splitlines())

    def to_alembic(self) -> str:
        return "\n".join(f"{INDENT}# {line}" for line in self.text.splitlines())


@dataclass(frozen=True)
class CommentedOut:
    """A fix shown for a human to run by hand, not run by the script: each line commented."""

    fix: Fix

    def to_sql(self) -> str:
        return "\n".join(f"-- {line}" for line in self.fix.to_sql().splitlines())

    def to_alembic(self) -> str:
        return "\n".join(
            f"{INDENT}# {line.removeprefix(INDENT)}" for line in self.fix.to_alembic().splitlines()
        )


@dataclass(frozen=True)
class Steps:
    """Fixes to apply in order. An Alembic form with nothing but comments gets a ``pass`` so
    that it stays a valid function body."""

    steps: tuple[Fix, ...]

    def to_sql(self) -> str:
        return "\n".join(step.to_sql() for step in self.steps)

    def to_alembic(self) -> str:
        body = "\n".join(step.to_alembic() for step in self.steps)
        if all(line.strip().startswith("#") or not line.strip() for line in body.splitlines()):
            body += f"\n{INDENT}pass"
        return body


def alembic_lines(sql: str) -> str:
    """An Alembic body for SQL written one statement per line: each ``--`` comment becomes a
    ``#`` comment, each statement an ``op.execute``."""
    lines = []
    for line in sql.splitlines():
        if line.startswith("--"):
            lines.append(f"{INDENT}# {line.removeprefix('--').strip()}")
        elif line.strip():
            lines.append(f"{INDENT}op.execute({line!r})")
    return "\n".join(lines)
