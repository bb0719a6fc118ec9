"""ban-alter-identity, from squawk 2.70 (default on): a change that can break clients."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pglast.enums.parsenodes import AlterTableType

from pgsage.lint.banrule import StatementBan, altered_table, table_commands


class BanAlterIdentity(StatementBan):
    id = "ban-alter-identity"
    aliases = ("ban-alter-identity",)
    summary = "ALTER COLUMN ... ADD / SET / DROP IDENTITY."
    why = (
        "Changing a column's identity may break inserts from existing clients (GENERATED "
        "ALWAYS rejects explicit values)."
    )

    def matches(self, node: Any) -> Iterable[str]:
        for _cmd in table_commands(
            node,
            AlterTableType.AT_AddIdentity,
            AlterTableType.AT_SetIdentity,
            AlterTableType.AT_DropIdentity,
        ):
            yield altered_table(node)
