"""A migration must never drop a database."""

from __future__ import annotations

from collections.abc import Iterable

from pglast import ast

from pgsage.lint.context import Context
from pgsage.lint.model import Group, Statement
from pgsage.lint.rule import Hit, Rule
from pgsage.model import Severity


class BanDropDatabase(Rule):
    id = "ban-drop-database"
    aliases = ("ban-drop-database",)
    group = Group.COMPATIBILITY
    severity = Severity.ERROR
    summary = "DROP DATABASE in a migration."
    why = "Dropping a database in a migration destroys every table and client connection."
    fix_sql = "-- drop databases by hand, never from a migration"
    fix_alembic = "# remove the op.execute('DROP DATABASE ...')"

    def check(self, stmt: Statement, ctx: Context) -> Iterable[Hit]:
        if isinstance(stmt.node, ast.DropdbStmt):
            yield Hit(f"DROP DATABASE {stmt.node.dbname} in a migration")
