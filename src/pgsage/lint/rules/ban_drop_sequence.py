"""ban-drop-sequence, from squawk 2.70 (default on): a change that can break clients."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pglast.enums.parsenodes import ObjectType

from pgsage.lint.banrule import StatementBan, dropped


class BanDropSequence(StatementBan):
    id = "ban-drop-sequence"
    aliases = ("ban-drop-sequence",)
    summary = "DROP SEQUENCE."
    why = "Dropping a sequence may break existing clients and column defaults that use it."

    def matches(self, node: Any) -> Iterable[str]:
        yield from dropped(node, ObjectType.OBJECT_SEQUENCE)
