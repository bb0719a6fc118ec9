"""Alembic: CONCURRENTLY operations must run inside op.get_context().autocommit_block()."""

from __future__ import annotations

from collections.abc import Iterable

from pgsage.lint.concurrency import concurrent_operation
from pgsage.lint.context import Context
from pgsage.lint.model import Group, Statement
from pgsage.lint.rule import Hit, Rule
from pgsage.model import Severity


class ConcurrentIndexOutsideAutocommitBlock(Rule):
    id = "concurrent-index-outside-autocommit-block"
    aliases = ("ban-concurrent-index-creation-in-transaction",)
    group = Group.TRANSACTIONS
    severity = Severity.ERROR
    summary = (
        "Alembic: CREATE/DROP INDEX CONCURRENTLY (or REINDEX/DETACH CONCURRENTLY) outside "
        "autocommit_block()."
    )
    why = (
        "Alembic runs each revision in a transaction on PostgreSQL; CONCURRENTLY operations "
        'fail there with "cannot run inside a transaction block".'
    )
    fix_sql = "-- run it outside the migration transaction"
    fix_alembic = (
        "with op.get_context().autocommit_block():\n"
        "    op.create_index('ix_t_c', 't', ['c'], postgresql_concurrently=True,\n"
        "                    if_not_exists=True)"
    )

    def check(self, stmt: Statement, ctx: Context) -> Iterable[Hit]:
        if not ctx.is_alembic or stmt.in_autocommit_block or not ctx.in_transaction:
            return
        operation = concurrent_operation(stmt.node)
        if operation:
            yield Hit(
                f"{operation} runs inside the revision's transaction and fails; wrap it in "
                "`with op.get_context().autocommit_block():`"
            )
