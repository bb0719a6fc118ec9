"""ban-replica-identity, from squawk 2.70 (opt-in): a change that can break clients."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pglast.enums.parsenodes import AlterTableType

from pgsage.lint.banrule import StatementBan, altered_table, table_commands


class BanReplicaIdentity(StatementBan):
    id = "ban-replica-identity"
    aliases = ("ban-replica-identity",)
    default_on = False
    summary = "ALTER TABLE ... REPLICA IDENTITY."
    why = (
        "Changing the replica identity silently changes what logical replication and CDC "
        "consumers receive."
    )

    def matches(self, node: Any) -> Iterable[str]:
        for _cmd in table_commands(node, AlterTableType.AT_ReplicaIdentity):
            yield altered_table(node)
