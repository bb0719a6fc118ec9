"""ban-alter-extension, from squawk 2.70 (opt-in): a change that can break clients."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pglast import ast

from pgsage.lint.banrule import NO_TABLE, StatementBan


class BanAlterExtension(StatementBan):
    id = "ban-alter-extension"
    aliases = ("ban-alter-extension",)
    default_on = False
    summary = "ALTER EXTENSION ... UPDATE / ADD / DROP."
    why = "Updating an extension can change or remove functions and types existing clients use."

    def matches(self, node: Any) -> Iterable[str]:
        if isinstance(node, ast.AlterExtensionStmt | ast.AlterExtensionContentsStmt):
            yield NO_TABLE
