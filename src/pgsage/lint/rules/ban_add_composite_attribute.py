"""ban-add-composite-attribute, from squawk 2.70 (opt-in): a change that can break clients."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pglast.enums.parsenodes import AlterTableType, ObjectType

from pgsage.lint.banrule import NO_TABLE, StatementBan, table_commands


class BanAddCompositeAttribute(StatementBan):
    id = "ban-add-composite-attribute"
    aliases = ("ban-add-composite-attribute",)
    default_on = False
    summary = "ALTER TYPE ... ADD ATTRIBUTE."
    why = "Adding an attribute changes the shape of composite values existing clients receive."

    def matches(self, node: Any) -> Iterable[str]:
        for _cmd in table_commands(
            node, AlterTableType.AT_AddColumn, objtype=ObjectType.OBJECT_TYPE
        ):
            yield NO_TABLE
