"""A BEGIN without COMMIT leaves the migration's locks held (or its work rolled back)."""

from __future__ import annotations

from collections.abc import Iterable

from pgsage.lint.context import Context
from pgsage.lint.model import Group
from pgsage.lint.rule import Hit, Rule


class BanUncommittedTransaction(Rule):
    id = "ban-uncommitted-transaction"
    aliases = ("ban-uncommitted-transaction",)
    group = Group.TRANSACTIONS
    summary = "BEGIN without a matching COMMIT at the end of the file."
    why = (
        "The migration ends with a transaction open: depending on the runner its work is "
        "rolled back or its locks stay held until the session ends."
    )
    fix_sql = "BEGIN;\n-- ...\nCOMMIT;"
    fix_alembic = "# Alembic manages the transaction: remove op.execute('BEGIN')"

    def finish(self, ctx: Context) -> Iterable[Hit]:
        if ctx.explicit_transaction and ctx.in_transaction and not ctx.is_alembic:
            yield Hit(
                "the transaction opened here is never committed", statement=ctx.begin_statement
            )
