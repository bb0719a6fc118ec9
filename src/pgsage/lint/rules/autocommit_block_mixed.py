"""Alembic: a revision with autocommit_block() should contain nothing else."""

from __future__ import annotations

from collections.abc import Iterable

from pglast import ast

from pgsage.lint.concurrency import concurrent_operation
from pgsage.lint.context import Context
from pgsage.lint.model import Group, Statement
from pgsage.lint.rule import Hit, Rule


def _harmless(stmt: Statement) -> bool:
    # Settings and enum values (ADD VALUE cannot run in a transaction before PG 12) belong there.
    return isinstance(stmt.node, ast.VariableSetStmt | ast.TransactionStmt | ast.AlterEnumStmt)


class AutocommitBlockMixed(Rule):
    id = "autocommit-block-mixed"
    group = Group.TRANSACTIONS
    summary = "Alembic: autocommit_block() in a revision that also does transactional work."
    why = (
        "autocommit_block() commits the revision's transaction when it starts. Work before "
        "it is committed even if the revision fails later (and alembic_version is not "
        "updated, so the retry repeats it); non-concurrent work inside it runs without a "
        "transaction."
    )
    fix_sql = "-- one migration for the transactional DDL, another for the CONCURRENTLY steps"
    fix_alembic = (
        "# revision A: op.add_column(...)\n"
        "# revision B (only this):\n"
        "with op.get_context().autocommit_block():\n"
        "    op.create_index(..., postgresql_concurrently=True, if_not_exists=True)"
    )

    def check(self, stmt: Statement, ctx: Context) -> Iterable[Hit]:
        if not ctx.is_alembic or _harmless(stmt):
            return
        if not ctx.facts.autocommit_block:
            return
        if stmt.in_autocommit_block:
            if not concurrent_operation(stmt.node):
                yield Hit(
                    "this statement runs inside autocommit_block() without a transaction; "
                    "if the revision fails later it stays applied"
                )
        elif "outside" not in ctx.reported_once:
            ctx.reported_once.add("outside")
            yield Hit(
                "this revision mixes autocommit_block() with transactional work: the block "
                "commits it half-way; move the CONCURRENTLY steps to their own revision"
            )
