"""ban-replace-view-function, from squawk 2.70 (opt-in): a change that can break clients."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pglast import ast

from pgsage.lint.banrule import NO_TABLE, StatementBan


class BanReplaceViewFunction(StatementBan):
    id = "ban-replace-view-function"
    aliases = ("ban-replace-view-function",)
    default_on = False
    summary = "CREATE OR REPLACE VIEW / FUNCTION / PROCEDURE."
    why = "Replacing a view or function in place silently changes what existing clients get back."

    def matches(self, node: Any) -> Iterable[str]:
        if isinstance(node, ast.ViewStmt | ast.CreateFunctionStmt) and node.replace:
            yield NO_TABLE
