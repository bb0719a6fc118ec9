"""ban-detach-inheritance, from squawk 2.70 (opt-in): a change that can break clients."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pglast.enums.parsenodes import AlterTableType

from pgsage.lint.banrule import StatementBan, altered_table, table_commands


class BanDetachInheritance(StatementBan):
    id = "ban-detach-inheritance"
    aliases = ("ban-detach-inheritance",)
    default_on = False
    summary = "ALTER TABLE ... NO INHERIT."
    why = (
        "Detaching a child table changes which rows existing clients read and write through "
        "the parent."
    )

    def matches(self, node: Any) -> Iterable[str]:
        for _cmd in table_commands(node, AlterTableType.AT_DropInherit):
            yield altered_table(node)
