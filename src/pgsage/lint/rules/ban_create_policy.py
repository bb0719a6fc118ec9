"""ban-create-policy, from squawk 2.70 (opt-in): a change that can break clients."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pglast import ast

from pgsage.lint.banrule import StatementBan
from pgsage.lint.syntax import relation_name


class BanCreatePolicy(StatementBan):
    id = "ban-create-policy"
    aliases = ("ban-create-policy",)
    default_on = False
    summary = "CREATE POLICY on an existing table."
    why = (
        "A new policy can hide rows from, or reject writes by, existing clients once row level"
        " security is on."
    )

    def matches(self, node: Any) -> Iterable[str]:
        if isinstance(node, ast.CreatePolicyStmt):
            yield relation_name(node.table)
