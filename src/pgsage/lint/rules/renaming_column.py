"""Renaming a column breaks every running client that still uses the old name."""

from __future__ import annotations

from collections.abc import Iterable

from pglast import ast
from pglast.enums.parsenodes import ObjectType

from pgsage.lint.context import Context
from pgsage.lint.model import Group, Statement
from pgsage.lint.rule import Hit, Rule
from pgsage.lint.syntax import relation_name


class RenamingColumn(Rule):
    id = "renaming-column"
    aliases = ("renaming-column",)
    group = Group.COMPATIBILITY
    summary = "ALTER TABLE ... RENAME COLUMN."
    why = (
        "Application instances still running the previous release query the old name and fail "
        "until they are all replaced (and the rename takes an ACCESS EXCLUSIVE lock)."
    )
    fix_sql = (
        "-- expand/contract: add the new column, write both, backfill, move readers,\n"
        "-- then drop the old column in a later release\n"
        "ALTER TABLE t ADD COLUMN new_name text;"
    )
    fix_alembic = "op.add_column('t', sa.Column('new_name', sa.Text()))  # then migrate readers"

    def check(self, stmt: Statement, ctx: Context) -> Iterable[Hit]:
        node = stmt.node
        if isinstance(node, ast.RenameStmt) and node.renameType == ObjectType.OBJECT_COLUMN:
            table = relation_name(node.relation)
            if not ctx.is_new_table(table):
                yield Hit(
                    f"renaming {table}.{node.subname} to {node.newname} breaks running "
                    "clients that use the old name",
                    table=table,
                )
