"""DROP NOT NULL lets NULLs in that clients of the current release may not handle."""

from __future__ import annotations

from collections.abc import Iterable

from pglast.enums.parsenodes import AlterTableType

from pgsage.lint.context import Context
from pgsage.lint.model import Group, Statement
from pgsage.lint.rule import Hit, Rule
from pgsage.lint.syntax import alter_commands, relation_name


class BanDropNotNull(Rule):
    id = "ban-drop-not-null"
    aliases = ("ban-drop-not-null",)
    group = Group.COMPATIBILITY
    summary = "ALTER COLUMN ... DROP NOT NULL."
    why = (
        "Code of the running release assumes the column is never NULL; rows written by the "
        "new release can break it."
    )
    fix_sql = "-- make every deployed reader NULL-safe first, then DROP NOT NULL"
    fix_alembic = "op.alter_column('t', 'c', nullable=True)  # after readers handle NULL"

    def check(self, stmt: Statement, ctx: Context) -> Iterable[Hit]:
        table = relation_name(getattr(stmt.node, "relation", None))
        if not table or ctx.is_new_table(table):
            return
        for cmd in alter_commands(stmt.node, AlterTableType.AT_DropNotNull):
            yield Hit(
                f"DROP NOT NULL on {table}.{cmd.name} lets NULLs reach clients that do "
                "not expect them",
                table=table,
            )
