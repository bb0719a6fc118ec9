"""CONCURRENTLY operations fail inside a transaction block."""

from __future__ import annotations

from collections.abc import Iterable

from pgsage.lint.concurrency import concurrent_operation
from pgsage.lint.context import Context
from pgsage.lint.model import Group, Statement
from pgsage.lint.rule import Hit, Rule
from pgsage.model import Severity


class BanConcurrentIndexCreationInTransaction(Rule):
    id = "ban-concurrent-index-creation-in-transaction"
    aliases = ("ban-concurrent-index-creation-in-transaction",)
    group = Group.TRANSACTIONS
    severity = Severity.ERROR
    summary = "CREATE/DROP INDEX, REINDEX or DETACH PARTITION CONCURRENTLY inside a transaction."
    why = (
        "PostgreSQL refuses CONCURRENTLY operations inside a transaction block "
        '("cannot run inside a transaction block"): the migration fails.'
    )
    fix_sql = (
        "COMMIT;\nCREATE INDEX CONCURRENTLY IF NOT EXISTS ix_t_c ON t (c);\nBEGIN;\n"
        "-- better: a migration of its own that runs outside a transaction"
    )
    fix_alembic = (
        "with op.get_context().autocommit_block():\n"
        "    op.create_index('ix_t_c', 't', ['c'], postgresql_concurrently=True)"
    )
    deviations = (
        "Also covers DROP INDEX, REINDEX and DETACH PARTITION CONCURRENTLY (squawk: "
        "CREATE INDEX only). With --assume-in-transaction, a migration whose only "
        "statement is the concurrent one is not reported, as in squawk. Alembic "
        "revisions are checked by concurrent-index-outside-autocommit-block instead."
    )

    def check(self, stmt: Statement, ctx: Context) -> Iterable[Hit]:
        if ctx.is_alembic or not ctx.in_transaction:
            return
        operation = concurrent_operation(stmt.node)
        if not operation:
            return
        if not ctx.explicit_transaction and ctx.facts.single_work_statement:
            return
        yield Hit(
            f"{operation} cannot run inside a transaction block; run it outside the "
            "transaction (its own migration)"
        )
