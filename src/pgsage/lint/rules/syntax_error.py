"""A statement pglast (PostgreSQL's own parser) cannot read."""

from __future__ import annotations

from pgsage.lint.model import Group
from pgsage.lint.rule import Rule
from pgsage.model import Severity


class SyntaxErrorRule(Rule):
    id = "syntax-error"
    group = Group.STYLE
    severity = Severity.ERROR
    summary = "A statement PostgreSQL's parser rejects (pglast); the rest is still linted."
    why = "PostgreSQL would reject it too, so the migration fails at that statement."
    fix_sql = "-- fix the statement's syntax"
    fix_alembic = "# fix the SQL passed to op.execute()"
    deviations = (
        "squawk's own parser accepts some non-PostgreSQL syntax (e.g. `int array[]` "
        "without a size); pglast reports it here and lints the other statements."
    )
