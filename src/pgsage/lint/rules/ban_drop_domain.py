"""ban-drop-domain, from squawk 2.70 (default on): a change that can break clients."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pglast.enums.parsenodes import ObjectType

from pgsage.lint.banrule import StatementBan, dropped


class BanDropDomain(StatementBan):
    id = "ban-drop-domain"
    aliases = ("ban-drop-domain",)
    summary = "DROP DOMAIN."
    why = "Dropping a domain may break existing clients and columns that use it."

    def matches(self, node: Any) -> Iterable[str]:
        yield from dropped(node, ObjectType.OBJECT_DOMAIN)
