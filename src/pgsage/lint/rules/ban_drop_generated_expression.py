"""ban-drop-generated-expression, from squawk 2.70 (default on): a change that can break clients."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pglast.enums.parsenodes import AlterTableType

from pgsage.lint.banrule import StatementBan, altered_table, table_commands


class BanDropGeneratedExpression(StatementBan):
    id = "ban-drop-generated-expression"
    aliases = ("ban-drop-generated-expression",)
    summary = "ALTER COLUMN ... DROP EXPRESSION."
    why = (
        "Dropping a generated expression turns the column into a plain one that existing "
        "clients no longer get computed."
    )

    def matches(self, node: Any) -> Iterable[str]:
        for _cmd in table_commands(node, AlterTableType.AT_DropExpression):
            yield altered_table(node)
