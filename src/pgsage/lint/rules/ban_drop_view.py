"""ban-drop-view, from squawk 2.70 (default on): a change that can break clients."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pglast.enums.parsenodes import ObjectType

from pgsage.lint.banrule import StatementBan, dropped


class BanDropView(StatementBan):
    id = "ban-drop-view"
    aliases = ("ban-drop-view",)
    summary = "DROP VIEW / DROP MATERIALIZED VIEW."
    why = "Dropping a view may break existing clients that query it."

    def matches(self, node: Any) -> Iterable[str]:
        yield from dropped(node, ObjectType.OBJECT_VIEW, ObjectType.OBJECT_MATVIEW)
