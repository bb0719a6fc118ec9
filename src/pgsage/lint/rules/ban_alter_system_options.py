"""ban-alter-system-options, from squawk 2.70 (opt-in): a change that can break clients."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pglast import ast

from pgsage.lint.banrule import NO_TABLE, StatementBan


class BanAlterSystemOptions(StatementBan):
    id = "ban-alter-system-options"
    aliases = ("ban-alter-system-options",)
    default_on = False
    summary = "ALTER SYSTEM."
    why = (
        "Server configuration changes affect every database and client on the server, outside "
        "any migration's transaction."
    )

    def matches(self, node: Any) -> Iterable[str]:
        if isinstance(node, ast.AlterSystemStmt):
            yield NO_TABLE
