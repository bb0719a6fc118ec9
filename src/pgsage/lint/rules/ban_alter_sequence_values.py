"""ban-alter-sequence-values, from squawk 2.70 (opt-in): a change that can break clients."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pglast import ast

from pgsage.lint.banrule import NO_TABLE, StatementBan


class BanAlterSequenceValues(StatementBan):
    id = "ban-alter-sequence-values"
    aliases = ("ban-alter-sequence-values",)
    default_on = False
    summary = "ALTER SEQUENCE (RESTART, INCREMENT, MINVALUE, …)."
    why = (
        "Changing a sequence's options changes the values generated for existing clients (and "
        "can collide with existing ids)."
    )

    def matches(self, node: Any) -> Iterable[str]:
        if isinstance(node, ast.AlterSeqStmt):
            yield NO_TABLE
