"""ban-set-schema, from squawk 2.70 (default on): a change that can break clients."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pglast import ast

from pgsage.lint.banrule import NO_TABLE, StatementBan


class BanSetSchema(StatementBan):
    id = "ban-set-schema"
    aliases = ("ban-set-schema",)
    summary = "ALTER ... SET SCHEMA."
    why = (
        "Moving an object to another schema breaks existing clients that find it through the "
        "old schema or search_path."
    )

    def matches(self, node: Any) -> Iterable[str]:
        if isinstance(node, ast.AlterObjectSchemaStmt):
            yield NO_TABLE
