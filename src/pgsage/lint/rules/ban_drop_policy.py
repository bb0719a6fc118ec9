"""ban-drop-policy, from squawk 2.70 (opt-in): a change that can break clients."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pglast.enums.parsenodes import ObjectType

from pgsage.lint.banrule import StatementBan, dropped


class BanDropPolicy(StatementBan):
    id = "ban-drop-policy"
    aliases = ("ban-drop-policy",)
    default_on = False
    summary = "DROP POLICY / DROP RULE."
    why = "Dropping a policy or rule silently changes which rows existing clients see and write."

    def matches(self, node: Any) -> Iterable[str]:
        yield from dropped(node, ObjectType.OBJECT_POLICY, ObjectType.OBJECT_RULE)
