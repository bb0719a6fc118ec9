"""ALTER TYPE ... ADD VALUE should say where the value goes."""

from __future__ import annotations

from collections.abc import Iterable

from pglast import ast

from pgsage.lint.context import Context
from pgsage.lint.model import Group, Statement
from pgsage.lint.rule import Hit, Rule


class RequireEnumValueOrdering(Rule):
    id = "require-enum-value-ordering"
    aliases = ("require-enum-value-ordering",)
    group = Group.STYLE
    default_on = False
    summary = "ALTER TYPE ... ADD VALUE without BEFORE or AFTER."
    why = (
        "Enum values sort in declaration order; appending silently changes ORDER BY and "
        "comparisons on the enum for the new value."
    )
    fix_sql = "ALTER TYPE mood ADD VALUE 'meh' AFTER 'ok';"
    fix_alembic = "op.execute(\"ALTER TYPE mood ADD VALUE 'meh' AFTER 'ok'\")"

    def check(self, stmt: Statement, ctx: Context) -> Iterable[Hit]:
        node = stmt.node
        if (
            isinstance(node, ast.AlterEnumStmt)
            and node.newVal
            and not node.newValNeighbor
            and not node.oldVal
        ):
            yield Hit(
                f"ADD VALUE '{node.newVal}' without BEFORE/AFTER appends it last in the "
                "enum's sort order"
            )
