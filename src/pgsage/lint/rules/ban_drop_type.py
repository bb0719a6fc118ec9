"""ban-drop-type, from squawk 2.70 (default on): a change that can break clients."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pglast.enums.parsenodes import ObjectType

from pgsage.lint.banrule import StatementBan, dropped
from pgsage.lint.context import Context
from pgsage.lint.model import Statement
from pgsage.lint.rule import Hit


class BanDropType(StatementBan):
    id = "ban-drop-type"
    aliases = ("ban-drop-type",)
    summary = "DROP TYPE."
    why = "Dropping a type may break existing clients that use it."

    def check(self, stmt: Statement, ctx: Context) -> Iterable[Hit]:
        if ctx.drops_only_transient(stmt.node):
            return ()  # created (or renamed away and replaced) earlier in this migration
        return super().check(stmt, ctx)

    def matches(self, node: Any) -> Iterable[str]:
        yield from dropped(node, ObjectType.OBJECT_TYPE)
