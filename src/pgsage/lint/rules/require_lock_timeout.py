"""DDL without lock_timeout can queue behind a long query and block everything behind it."""

from __future__ import annotations

from collections.abc import Iterable

from pgsage.lint.context import Context
from pgsage.lint.model import Group, Statement
from pgsage.lint.rule import Hit, Rule
from pgsage.lint.timeouts import locked_tables, needs_timeout


class RequireLockTimeout(Rule):
    id = "require-lock-timeout"
    aliases = ("require-lock-timeout", "require-timeout-settings")
    group = Group.TRANSACTIONS
    summary = "A lock-taking statement before SET lock_timeout."
    why = (
        "An ALTER TABLE waiting for its lock blocks every query that arrives after it; "
        "lock_timeout makes it give up (and the deploy retry) instead of stalling the "
        "application."
    )
    fix_sql = "SET lock_timeout = '2s';  -- first statement of the migration"
    fix_alembic = (
        "# env.py, before context.run_migrations():\n"
        "connection.exec_driver_sql(\"SET lock_timeout = '2s'\")\n"
        "# or in the revision: op.execute(\"SET lock_timeout = '2s'\")"
    )
    deviations = (
        "Reported once per migration, at the first statement that needs it (as "
        "squawk); CREATE TABLE without a foreign key locks nothing existing and does "
        "not need it; neither does DML (ROW EXCLUSIVE), nor a statement on tables created "
        "earlier in the same migration (new and empty: no query can hold them; squawk's case "
        "sq-require-timeout-settings-019 asks for it on such a table). For "
        "Alembic revisions, an env.py that sets lock_timeout counts for every "
        "revision."
    )

    setting = "lock_timeout"

    def check(self, stmt: Statement, ctx: Context) -> Iterable[Hit]:
        if self.setting in ctx.timeouts or self.setting in ctx.unit.preset_settings:
            return
        if not needs_timeout(stmt.node) or self.id in ctx.reported_once:
            return
        tables = locked_tables(stmt.node)
        if tables is not None and all(ctx.is_new_table(t) for t in tables):
            return  # tables created earlier in this migration: new and empty, no one waits
        ctx.reported_once.add(self.id)
        yield Hit(
            f"this statement takes locks before SET {self.setting}: it can queue "
            "behind a long query and block everything after it"
        )
