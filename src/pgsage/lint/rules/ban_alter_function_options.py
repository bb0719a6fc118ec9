"""ban-alter-function-options, from squawk 2.70 (opt-in): a change that can break clients."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pglast import ast

from pgsage.lint.banrule import NO_TABLE, StatementBan


class BanAlterFunctionOptions(StatementBan):
    id = "ban-alter-function-options"
    aliases = ("ban-alter-function-options",)
    default_on = False
    summary = "ALTER FUNCTION / PROCEDURE options (SECURITY DEFINER, volatility, SET, …)."
    why = (
        "Changing a function's options changes its behaviour (privileges, planning, settings) "
        "for existing clients."
    )

    def matches(self, node: Any) -> Iterable[str]:
        if isinstance(node, ast.AlterFunctionStmt):
            yield NO_TABLE
