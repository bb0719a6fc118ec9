"""ban-drop-function, from squawk 2.70 (default on): a change that can break clients."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pglast.enums.parsenodes import ObjectType

from pgsage.lint.banrule import StatementBan, dropped


class BanDropFunction(StatementBan):
    id = "ban-drop-function"
    aliases = ("ban-drop-function",)
    summary = "DROP FUNCTION / PROCEDURE / ROUTINE / AGGREGATE."
    why = "Dropping a function may break existing clients (and triggers or defaults) that call it."

    def matches(self, node: Any) -> Iterable[str]:
        yield from dropped(
            node,
            ObjectType.OBJECT_FUNCTION,
            ObjectType.OBJECT_PROCEDURE,
            ObjectType.OBJECT_ROUTINE,
            ObjectType.OBJECT_AGGREGATE,
        )
