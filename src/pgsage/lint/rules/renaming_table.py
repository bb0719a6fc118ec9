"""Renaming a table breaks every running client that still uses the old name."""

from __future__ import annotations

from collections.abc import Iterable

from pglast import ast
from pglast.enums.parsenodes import ObjectType

from pgsage.lint.context import Context
from pgsage.lint.model import Group, Statement
from pgsage.lint.rule import Hit, Rule
from pgsage.lint.syntax import relation_name


class RenamingTable(Rule):
    id = "renaming-table"
    aliases = ("renaming-table",)
    group = Group.COMPATIBILITY
    summary = "ALTER TABLE ... RENAME TO."
    why = (
        "Running application instances query the old name and fail until they are replaced; "
        "the rename also takes an ACCESS EXCLUSIVE lock."
    )
    fix_sql = (
        "ALTER TABLE old_name RENAME TO new_name;\n"
        "CREATE VIEW old_name AS SELECT * FROM new_name;  -- until every client moved"
    )
    fix_alembic = (
        "op.rename_table('old_name', 'new_name')\n"
        "op.execute('CREATE VIEW old_name AS SELECT * FROM new_name')"
    )

    def check(self, stmt: Statement, ctx: Context) -> Iterable[Hit]:
        node = stmt.node
        if isinstance(node, ast.RenameStmt) and node.renameType == ObjectType.OBJECT_TABLE:
            table = relation_name(node.relation)
            if not ctx.is_new_table(table):
                yield Hit(
                    f"renaming table {table} to {node.newname} breaks running clients "
                    "that use the old name",
                    table=table,
                )
