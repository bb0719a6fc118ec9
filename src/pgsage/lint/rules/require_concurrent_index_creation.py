"""CREATE INDEX without CONCURRENTLY blocks writes for the whole build."""

from __future__ import annotations

from collections.abc import Iterable

from pglast import ast

from pgsage.lint.context import Context
from pgsage.lint.model import Group, Statement
from pgsage.lint.rule import Hit, Rule
from pgsage.lint.syntax import relation_name


class RequireConcurrentIndexCreation(Rule):
    id = "require-concurrent-index-creation"
    aliases = ("require-concurrent-index-creation",)
    group = Group.LOCKING
    size_graded = True
    summary = "CREATE INDEX without CONCURRENTLY on an existing table."
    why = (
        "A plain CREATE INDEX takes a SHARE lock on the table for the whole build: every "
        "INSERT, UPDATE and DELETE waits until the index is built."
    )
    fix_sql = "CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_t_c ON t (c);  -- outside a transaction"
    fix_alembic = (
        "with op.get_context().autocommit_block():\n"
        "    op.create_index('ix_t_c', 't', ['c'], postgresql_concurrently=True,\n"
        "                    if_not_exists=True)"
    )
    deviations = (
        "Tables created earlier in the same migration are skipped, as in squawk. On a "
        "partitioned table (PARTITION BY in the migration, or --dsn) CREATE INDEX ON "
        "ONLY is not reported (it builds nothing) and the advice is the per-partition "
        "CONCURRENTLY build."
    )

    def check(self, stmt: Statement, ctx: Context) -> Iterable[Hit]:
        node = stmt.node
        if isinstance(node, ast.IndexStmt) and not node.concurrent:
            table = relation_name(node.relation)
            if ctx.is_new_table(table):
                return
            if ctx.is_partitioned(table):
                if getattr(node.relation, "inh", True):  # ON ONLY builds nothing itself
                    yield Hit(
                        f"CREATE INDEX on partitioned {table} builds the index on every "
                        "partition under SHARE locks that block writes; create it ON ONLY "
                        f"{table}, build each partition's index CONCURRENTLY and ATTACH "
                        "it",
                        table=table,
                    )
            else:
                yield Hit(
                    f"CREATE INDEX on {table} takes a SHARE lock that blocks writes for "
                    "the whole build; use CREATE INDEX CONCURRENTLY",
                    table=table,
                )
