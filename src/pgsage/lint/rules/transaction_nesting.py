"""BEGIN inside a transaction, or COMMIT/ROLLBACK of a transaction the runner owns."""

from __future__ import annotations

from collections.abc import Iterable

from pglast import ast
from pglast.enums.parsenodes import TransactionStmtKind

from pgsage.lint.context import Context
from pgsage.lint.model import Group, Statement
from pgsage.lint.rule import Hit, Rule

_BEGIN = (TransactionStmtKind.TRANS_STMT_BEGIN, TransactionStmtKind.TRANS_STMT_START)
_END = (TransactionStmtKind.TRANS_STMT_COMMIT, TransactionStmtKind.TRANS_STMT_ROLLBACK)


class TransactionNesting(Rule):
    id = "transaction-nesting"
    aliases = ("transaction-nesting",)
    group = Group.TRANSACTIONS
    summary = "BEGIN inside an open transaction, or COMMIT/ROLLBACK without one of your own."
    why = (
        "A nested BEGIN is ignored with a warning, so its COMMIT ends the outer transaction "
        "early; a COMMIT inside a migration the tool wraps in a transaction commits half of "
        "it."
    )
    fix_sql = "-- remove the inner BEGIN/COMMIT; let the migration runner own the transaction"
    fix_alembic = "# remove op.execute('COMMIT'); use op.get_context().autocommit_block()"
    deviations = "Alembic revisions are rendered with their own BEGIN/COMMIT and not checked."

    def check(self, stmt: Statement, ctx: Context) -> Iterable[Hit]:
        node = stmt.node
        if ctx.is_alembic or not isinstance(node, ast.TransactionStmt):
            return
        if node.kind in _BEGIN and ctx.in_transaction:
            yield Hit(
                "BEGIN inside an open transaction is ignored; the next COMMIT ends the "
                "outer transaction"
            )
        elif node.kind in _END:
            if ctx.in_transaction and not ctx.explicit_transaction:
                yield Hit(
                    f"{node.kind.name.rsplit('_', 1)[-1]} ends the transaction the "
                    "migration runner opened (--assume-in-transaction)"
                )
            elif not ctx.in_transaction:
                yield Hit(f"{node.kind.name.rsplit('_', 1)[-1]} without an open transaction")
