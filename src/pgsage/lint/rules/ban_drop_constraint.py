"""ban-drop-constraint, from squawk 2.70 (default on): a change that can break clients."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pglast.enums.parsenodes import AlterTableType

from pgsage.lint.banrule import StatementBan, altered_table, table_commands


class BanDropConstraint(StatementBan):
    id = "ban-drop-constraint"
    aliases = ("ban-drop-constraint",)
    summary = "ALTER TABLE ... DROP CONSTRAINT on an existing table."
    why = (
        "Dropping a constraint removes a guarantee (uniqueness, a valid reference, a check) "
        "that existing clients may rely on."
    )

    def matches(self, node: Any) -> Iterable[str]:
        for _cmd in table_commands(node, AlterTableType.AT_DropConstraint):
            yield altered_table(node)
