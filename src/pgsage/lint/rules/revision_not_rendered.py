"""Alembic: a revision whose upgrade() stops when rendered offline (it needs a connection)."""

from __future__ import annotations

from pgsage.lint.model import Group
from pgsage.lint.rule import Rule


class RevisionNotRendered(Rule):
    id = "revision-not-rendered"
    group = Group.TRANSACTIONS
    summary = "Alembic: upgrade() fails in offline mode (e.g. it reads data via op.get_bind())."
    why = (
        "pgsage renders revisions with Alembic's offline mode; statements after the failing "
        "line are not linted. Reading data in a migration also makes it depend on the data "
        "and breaks `alembic upgrade --sql`."
    )
    fix_sql = "-- express the data change as one UPDATE ... FROM / INSERT ... SELECT statement"
    fix_alembic = (
        "op.execute(sa.text('UPDATE orders SET note = ... WHERE ...'))\n"
        "# or: if context.is_offline_mode(): ... render a placeholder"
    )
