"""ban-alter-view-options, from squawk 2.70 (opt-in): a change that can break clients."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pglast.enums.parsenodes import AlterTableType, ObjectType

from pgsage.lint.banrule import NO_TABLE, StatementBan, table_commands


class BanAlterViewOptions(StatementBan):
    id = "ban-alter-view-options"
    aliases = ("ban-alter-view-options",)
    default_on = False
    summary = "ALTER VIEW ... SET / RESET (options)."
    why = (
        "Changing view options (security_barrier, security_invoker, check_option) changes what"
        " existing clients can see and write."
    )

    def matches(self, node: Any) -> Iterable[str]:
        for _cmd in table_commands(
            node,
            AlterTableType.AT_SetRelOptions,
            AlterTableType.AT_ResetRelOptions,
            objtype=ObjectType.OBJECT_VIEW,
        ):
            yield NO_TABLE
