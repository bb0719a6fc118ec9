"""ban-disable-trigger, from squawk 2.70 (opt-in): a change that can break clients."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pglast.enums.parsenodes import AlterTableType

from pgsage.lint.banrule import StatementBan, altered_table, table_commands

_TRIGGER_SWITCHES = tuple(
    t
    for t in AlterTableType
    if t.name.startswith(("AT_Enable", "AT_Disable"))
    and t.name.endswith(("Trig", "TrigAll", "TrigUser", "Rule"))
)


class BanDisableTrigger(StatementBan):
    id = "ban-disable-trigger"
    aliases = ("ban-disable-trigger",)
    default_on = False
    summary = "ALTER TABLE ... ENABLE / DISABLE TRIGGER or RULE."
    why = "Changing which triggers or rules fire changes the side effects existing clients rely on."

    def matches(self, node: Any) -> Iterable[str]:
        for _cmd in table_commands(node, *_TRIGGER_SWITCHES):
            yield altered_table(node)
