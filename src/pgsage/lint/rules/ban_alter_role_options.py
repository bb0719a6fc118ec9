"""ban-alter-role-options, from squawk 2.70 (opt-in): a change that can break clients."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pglast import ast

from pgsage.lint.banrule import NO_TABLE, StatementBan


class BanAlterRoleOptions(StatementBan):
    id = "ban-alter-role-options"
    aliases = ("ban-alter-role-options",)
    default_on = False
    summary = "ALTER ROLE / USER options or settings."
    why = (
        "Changing a role's options or settings changes access and behaviour for the clients "
        "that log in with it."
    )

    def matches(self, node: Any) -> Iterable[str]:
        if isinstance(node, ast.AlterRoleStmt | ast.AlterRoleSetStmt):
            yield NO_TABLE
