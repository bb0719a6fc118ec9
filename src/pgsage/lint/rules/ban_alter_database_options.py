"""ban-alter-database-options, from squawk 2.70 (opt-in): a change that can break clients."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pglast import ast

from pgsage.lint.banrule import NO_TABLE, StatementBan


class BanAlterDatabaseOptions(StatementBan):
    id = "ban-alter-database-options"
    aliases = ("ban-alter-database-options",)
    default_on = False
    summary = "ALTER DATABASE options or settings."
    why = "Changing database configuration changes behaviour for every existing client."

    def matches(self, node: Any) -> Iterable[str]:
        if isinstance(node, ast.AlterDatabaseStmt | ast.AlterDatabaseSetStmt):
            yield NO_TABLE
