"""A `pgsage: ignore[...]` comment that suppresses nothing."""

from __future__ import annotations

from pgsage.lint.model import Group
from pgsage.lint.rule import Rule


class UnusedSuppression(Rule):
    id = "unused-suppression"
    aliases = ("unused-ignore",)
    group = Group.STYLE
    summary = "An ignore comment that matches no violation (or names no rule)."
    why = "Stale suppressions hide the next real problem on that line."
    fix_sql = "-- delete the comment"
    fix_alembic = "# delete the comment"
