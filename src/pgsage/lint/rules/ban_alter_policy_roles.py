"""ban-alter-policy-roles, from squawk 2.70 (opt-in): a change that can break clients."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pglast import ast

from pgsage.lint.banrule import NO_TABLE, StatementBan


class BanAlterPolicyRoles(StatementBan):
    id = "ban-alter-policy-roles"
    aliases = ("ban-alter-policy-roles",)
    default_on = False
    summary = "ALTER POLICY ... TO roles."
    why = "Changing a policy's roles changes which existing clients it applies to."

    def matches(self, node: Any) -> Iterable[str]:
        if isinstance(node, ast.AlterPolicyStmt) and node.roles:
            yield NO_TABLE
