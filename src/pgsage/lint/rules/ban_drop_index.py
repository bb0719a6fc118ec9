"""ban-drop-index, from squawk 2.70 (opt-in): a change that can break clients."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pglast.enums.parsenodes import ObjectType

from pgsage.lint.banrule import StatementBan, dropped


class BanDropIndex(StatementBan):
    id = "ban-drop-index"
    aliases = ("ban-drop-index",)
    default_on = False
    summary = "DROP INDEX (any form)."
    why = (
        "Dropping an index may remove a uniqueness guarantee or change the plans of existing "
        "clients' queries."
    )

    def matches(self, node: Any) -> Iterable[str]:
        yield from dropped(node, ObjectType.OBJECT_INDEX)
