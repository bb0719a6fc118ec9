"""ban-add-column, from squawk 2.70 (opt-in): a change that can break clients."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pglast.enums.parsenodes import AlterTableType

from pgsage.lint.banrule import StatementBan, altered_table, table_commands


class BanAddColumn(StatementBan):
    id = "ban-add-column"
    aliases = ("ban-add-column",)
    default_on = False
    summary = "ALTER TABLE ... ADD COLUMN on an existing table."
    why = (
        "Adding a column changes the shape of rows existing clients receive (SELECT *) and "
        "breaks INSERTs without a column list."
    )

    def matches(self, node: Any) -> Iterable[str]:
        for _cmd in table_commands(node, AlterTableType.AT_AddColumn):
            yield altered_table(node)
