"""Dropping a table breaks running clients and loses its data."""

from __future__ import annotations

from collections.abc import Iterable

from pglast import ast
from pglast.enums.parsenodes import ObjectType

from pgsage.lint.context import Context
from pgsage.lint.model import Group, Statement
from pgsage.lint.rule import Hit, Rule
from pgsage.model import Severity


class BanDropTable(Rule):
    id = "ban-drop-table"
    aliases = ("ban-drop-table",)
    group = Group.COMPATIBILITY
    severity = Severity.ERROR
    summary = "DROP TABLE of a table this migration did not create."
    why = "Running clients that still use the table fail, and the data is gone."
    fix_sql = (
        "-- stop using the table in a release first; keep a backup or rename it aside:\n"
        "ALTER TABLE t RENAME TO t_deprecated;"
    )
    fix_alembic = "op.drop_table('t')  # only after no deployed code uses it"

    def check(self, stmt: Statement, ctx: Context) -> Iterable[Hit]:
        node = stmt.node
        if isinstance(node, ast.DropStmt) and node.removeType == ObjectType.OBJECT_TABLE:
            for obj in node.objects or ():
                name = ".".join(part.sval for part in obj)
                if not ctx.is_new_table(name):
                    yield Hit(f"dropping table {name} breaks running clients and loses its data")
