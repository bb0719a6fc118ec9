"""ban-revoke, from squawk 2.70 (opt-in): a change that can break clients."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pglast import ast

from pgsage.lint.banrule import NO_TABLE, StatementBan


class BanRevoke(StatementBan):
    id = "ban-revoke"
    aliases = ("ban-revoke",)
    default_on = False
    summary = "REVOKE of privileges or role membership."
    why = "Revoking privileges may make existing clients' statements fail with permission errors."

    def matches(self, node: Any) -> Iterable[str]:
        if isinstance(node, ast.GrantStmt | ast.GrantRoleStmt) and not node.is_grant:
            yield NO_TABLE
