"""ban-drop-extension, from squawk 2.70 (default on): a change that can break clients."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pglast.enums.parsenodes import ObjectType

from pgsage.lint.banrule import StatementBan, dropped


class BanDropExtension(StatementBan):
    id = "ban-drop-extension"
    aliases = ("ban-drop-extension",)
    summary = "DROP EXTENSION."
    why = (
        "Dropping an extension also removes its functions, types and operators, which existing"
        " clients may use."
    )

    def matches(self, node: Any) -> Iterable[str]:
        yield from dropped(node, ObjectType.OBJECT_EXTENSION)
