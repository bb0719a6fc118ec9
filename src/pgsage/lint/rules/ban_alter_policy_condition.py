"""ban-alter-policy-condition, from squawk 2.70 (opt-in): a change that can break clients."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pglast import ast

from pgsage.lint.banrule import NO_TABLE, StatementBan


class BanAlterPolicyCondition(StatementBan):
    id = "ban-alter-policy-condition"
    aliases = ("ban-alter-policy-condition",)
    default_on = False
    summary = "ALTER POLICY ... USING / WITH CHECK."
    why = "Changing a policy's condition changes which rows existing clients can read or write."

    def matches(self, node: Any) -> Iterable[str]:
        if isinstance(node, ast.AlterPolicyStmt) and (
            node.qual is not None or node.with_check is not None
        ):
            yield NO_TABLE
