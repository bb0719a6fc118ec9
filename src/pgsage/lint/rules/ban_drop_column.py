"""Dropping a column breaks running clients that still select or insert it."""

from __future__ import annotations

from collections.abc import Iterable

from pglast.enums.parsenodes import AlterTableType

from pgsage.lint.context import Context
from pgsage.lint.model import Group, Statement
from pgsage.lint.rule import Hit, Rule
from pgsage.lint.syntax import alter_commands, relation_name


class BanDropColumn(Rule):
    id = "ban-drop-column"
    aliases = ("ban-drop-column",)
    group = Group.COMPATIBILITY
    summary = "ALTER TABLE ... DROP COLUMN."
    why = (
        "Clients of the previous release that still read or write the column fail (SQLAlchemy "
        "models list every column in SELECT and INSERT); the drop takes an ACCESS EXCLUSIVE "
        "lock."
    )
    fix_sql = (
        "-- release 1: stop using the column in the code (SQLAlchemy: deferred / removed)\n"
        "-- release 2: ALTER TABLE t DROP COLUMN IF EXISTS c;"
    )
    fix_alembic = "op.drop_column('t', 'c')  # only after no deployed code reads it"

    def check(self, stmt: Statement, ctx: Context) -> Iterable[Hit]:
        table = relation_name(getattr(stmt.node, "relation", None))
        if not table or ctx.is_new_table(table):
            return
        for cmd in alter_commands(stmt.node, AlterTableType.AT_DropColumn):
            yield Hit(
                f"dropping {table}.{cmd.name} breaks running clients that still use it", table=table
            )
