"""ban-alter-generated-expression, from squawk 2.70 (opt-in): a change that can break clients."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pglast.enums.parsenodes import AlterTableType

from pgsage.lint.banrule import StatementBan, altered_table, table_commands


class BanAlterGeneratedExpression(StatementBan):
    id = "ban-alter-generated-expression"
    aliases = ("ban-alter-generated-expression",)
    default_on = False
    summary = "ALTER COLUMN ... SET EXPRESSION (PG 17+)."
    why = (
        "Changing a generated column's expression changes the values existing clients read "
        "(and rewrites the table)."
    )

    def matches(self, node: Any) -> Iterable[str]:
        for _cmd in table_commands(node, AlterTableType.AT_SetExpression):
            yield altered_table(node)
