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
    why = ("A plain CREATE INDEX takes a SHARE lock on the table for the whole build: every "
           "INSERT, UPDATE and DELETE waits until the index is built.")
    fix_sql = "CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_t_c ON t (c);  -- outside a transaction"
    fix_alembic = ("with op.get_context().autocommit_block():\n"
                   "    op.create_index('ix_t_c', 't', ['c'], postgresql_concurrently=True,\n"
                   "                    if_not_exists=True)")
    deviations = "None: tables created earlier in the same migration are skipped, as in squawk."

    def check(self, stmt: Statement, ctx: Context) -> Iterable[Hit]:
        node = stmt.node
        if isinstance(node, ast.IndexStmt) and not node.concurrent:
            table = relation_name(node.relation)
            if not ctx.is_new_table(table):
                yield Hit(f"CREATE INDEX on {table} takes a SHARE lock that blocks writes for "
                          "the whole build; use CREATE INDEX CONCURRENTLY", table=table)
