"""DETACH PARTITION without CONCURRENTLY takes an ACCESS EXCLUSIVE lock on the parent."""

from __future__ import annotations

from collections.abc import Iterable

from pglast.enums.parsenodes import AlterTableType

from pgsage.lint.context import Context
from pgsage.lint.model import Group, Statement
from pgsage.lint.rule import Hit, Rule
from pgsage.lint.syntax import alter_commands, relation_name


class RequireConcurrentPartitionDetach(Rule):
    id = "require-concurrent-partition-detach"
    aliases = ("require-concurrent-partition-detach",)
    group = Group.LOCKING
    summary = "ALTER TABLE ... DETACH PARTITION without CONCURRENTLY."
    why = (
        "DETACH PARTITION takes an ACCESS EXCLUSIVE lock on the partitioned table; since "
        "PostgreSQL 14, DETACH PARTITION ... CONCURRENTLY only takes SHARE UPDATE EXCLUSIVE."
    )
    fix_sql = "ALTER TABLE t DETACH PARTITION t_2020 CONCURRENTLY;  -- outside a transaction"
    fix_alembic = (
        "with op.get_context().autocommit_block():\n"
        "    op.execute('ALTER TABLE t DETACH PARTITION t_2020 CONCURRENTLY')"
    )

    def check(self, stmt: Statement, ctx: Context) -> Iterable[Hit]:
        for cmd in alter_commands(stmt.node, AlterTableType.AT_DetachPartition):
            part = cmd.def_
            if not part.concurrent:
                table = relation_name(stmt.node.relation)
                yield Hit(
                    f"DETACH PARTITION {relation_name(part.name)} takes an ACCESS EXCLUSIVE "
                    f"lock on {table}; use DETACH PARTITION ... CONCURRENTLY"
                )
