"""ban-drop-function, from squawk 2.70 (default on): a change that can break clients."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pglast.enums.parsenodes import ObjectType

from pgsage.lint.banrule import StatementBan, dropped
from pgsage.lint.context import Context
from pgsage.lint.model import Statement
from pgsage.lint.rule import Hit


class BanDropFunction(StatementBan):
    id = "ban-drop-function"
    aliases = ("ban-drop-function",)
    summary = "DROP FUNCTION / PROCEDURE / ROUTINE / AGGREGATE."
    why = "Dropping a function may break existing clients (and triggers or defaults) that call it."

    def check(self, stmt: Statement, ctx: Context) -> Iterable[Hit]:
        if ctx.drops_only_transient(stmt.node):
            return ()  # created (or renamed away and replaced) earlier in this migration
        return super().check(stmt, ctx)

    def matches(self, node: Any) -> Iterable[str]:
        yield from dropped(
            node,
            ObjectType.OBJECT_FUNCTION,
            ObjectType.OBJECT_PROCEDURE,
            ObjectType.OBJECT_ROUTINE,
            ObjectType.OBJECT_AGGREGATE,
        )
