"""CREATE INDEX CONCURRENTLY on a partitioned table fails; plain CREATE INDEX locks every
partition."""

from __future__ import annotations

from collections.abc import Iterable

from pglast import ast

from pgsage.lint.context import Context
from pgsage.lint.model import Group, Statement
from pgsage.lint.rule import Hit, Rule
from pgsage.lint.syntax import relation_name
from pgsage.model import Severity


class ConcurrentIndexOnPartitionedTable(Rule):
    id = "concurrent-index-on-partitioned-table"
    group = Group.LOCKING
    severity = Severity.ERROR
    summary = (
        "CREATE INDEX CONCURRENTLY on a partitioned table (known from PARTITION BY in the "
        "migration, or from the server with --dsn)."
    )
    why = (
        'PostgreSQL cannot build an index concurrently on a partitioned table ("cannot create '
        'index on partitioned table concurrently"); the plain CREATE INDEX takes a SHARE '
        "lock on every partition for the whole build."
    )
    fix_sql = (
        "CREATE INDEX ix_p_c ON ONLY p (c);  -- invalid until every partition is attached\n"
        "CREATE INDEX CONCURRENTLY ix_p_2024_c ON p_2024 (c);\n"
        "ALTER INDEX ix_p_c ATTACH PARTITION ix_p_2024_c;  -- repeat per partition"
    )
    fix_alembic = (
        "op.execute('CREATE INDEX ix_p_c ON ONLY p (c)')\n"
        "with op.get_context().autocommit_block():\n"
        "    op.create_index('ix_p_2024_c', 'p_2024', ['c'], "
        "postgresql_concurrently=True)\n"
        "op.execute('ALTER INDEX ix_p_c ATTACH PARTITION ix_p_2024_c')"
    )
    deviations = "pgsage-only rule."

    def check(self, stmt: Statement, ctx: Context) -> Iterable[Hit]:
        node = stmt.node
        if (
            isinstance(node, ast.IndexStmt)
            and node.concurrent
            and node.relation is not None
            and node.relation.inh
        ):
            table = relation_name(node.relation)
            if ctx.is_partitioned(table):
                yield Hit(
                    f"{table} is partitioned: CREATE INDEX CONCURRENTLY fails on it; "
                    "create the index ON ONLY the parent, build it CONCURRENTLY on each "
                    "partition and ATTACH them"
                )
