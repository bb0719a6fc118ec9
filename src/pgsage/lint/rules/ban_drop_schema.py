"""ban-drop-schema, from squawk 2.70 (default on): a change that can break clients."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pglast.enums.parsenodes import ObjectType

from pgsage.lint.banrule import StatementBan, dropped


class BanDropSchema(StatementBan):
    id = "ban-drop-schema"
    aliases = ("ban-drop-schema",)
    summary = "DROP SCHEMA."
    why = "Dropping a schema removes everything in it and may break existing clients."

    def matches(self, node: Any) -> Iterable[str]:
        yield from dropped(node, ObjectType.OBJECT_SCHEMA)
