"""ban-add-enum-value, from squawk 2.70 (opt-in): a change that can break clients."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pglast import ast

from pgsage.lint.banrule import NO_TABLE, StatementBan


class BanAddEnumValue(StatementBan):
    id = "ban-add-enum-value"
    aliases = ("ban-add-enum-value",)
    default_on = False
    summary = "ALTER TYPE ... ADD VALUE."
    why = (
        "Existing clients can start receiving an enum value they do not know (and may fail to "
        "map it)."
    )

    def matches(self, node: Any) -> Iterable[str]:
        if isinstance(node, ast.AlterEnumStmt) and node.newVal and not node.oldVal:
            yield NO_TABLE
