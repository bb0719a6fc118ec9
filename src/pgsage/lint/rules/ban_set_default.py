"""ban-set-default, from squawk 2.70 (opt-in): a change that can break clients."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pglast.enums.parsenodes import AlterTableType

from pgsage.lint.banrule import StatementBan, altered_table, table_commands


class BanSetDefault(StatementBan):
    id = "ban-set-default"
    aliases = ("ban-set-default",)
    default_on = False
    summary = "ALTER COLUMN ... SET DEFAULT on an existing table."
    why = (
        "A new default silently changes the values written by existing clients that omit the "
        "column."
    )

    def matches(self, node: Any) -> Iterable[str]:
        for cmd in table_commands(node, AlterTableType.AT_ColumnDefault):
            if cmd.def_ is not None:
                yield altered_table(node)
