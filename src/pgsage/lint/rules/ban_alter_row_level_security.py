"""ban-alter-row-level-security, from squawk 2.70 (opt-in): a change that can break clients."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pglast.enums.parsenodes import AlterTableType

from pgsage.lint.banrule import StatementBan, altered_table, table_commands


class BanAlterRowLevelSecurity(StatementBan):
    id = "ban-alter-row-level-security"
    aliases = ("ban-alter-row-level-security",)
    default_on = False
    summary = "ALTER TABLE ... ENABLE / DISABLE / FORCE ROW LEVEL SECURITY."
    why = "Turning row level security on or off changes which rows existing clients can access."

    def matches(self, node: Any) -> Iterable[str]:
        for _cmd in table_commands(
            node,
            AlterTableType.AT_EnableRowSecurity,
            AlterTableType.AT_DisableRowSecurity,
            AlterTableType.AT_ForceRowSecurity,
            AlterTableType.AT_NoForceRowSecurity,
        ):
            yield altered_table(node)
