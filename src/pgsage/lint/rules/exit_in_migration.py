"""Alembic: exit() or sys.exit() inside a revision's upgrade() or downgrade()."""

from __future__ import annotations

from collections.abc import Iterable

from pgsage.lint.context import Context
from pgsage.lint.model import Group
from pgsage.lint.pysource import anchor, called_name, function_calls
from pgsage.lint.rule import Hit, Rule
from pgsage.model import Severity

_EXITS = {"exit", "quit", "sys.exit", "os._exit"}


class ExitInMigration(Rule):
    id = "exit-in-migration"
    group = Group.TRANSACTIONS
    severity = Severity.ERROR
    summary = "Alembic: exit()/sys.exit() inside upgrade() or downgrade()."
    why = (
        "exit() raises SystemExit in the middle of the revision's transaction: the work so far "
        "is rolled back (or, after an autocommit_block, half applied), alembic_version is not "
        "moved, and exit(0) reports success to the deploy although nothing was migrated."
    )
    fix_sql = "-- stop with an error the deploy sees: RAISE EXCEPTION 'reason';"
    fix_alembic = "raise RuntimeError('why this revision cannot run')"
    deviations = "Not in squawk (it reads SQL only): read from the revision's Python."

    def finish(self, ctx: Context) -> Iterable[Hit]:
        for call in function_calls(ctx):
            name = called_name(call)
            if name in _EXITS:
                yield Hit(
                    f"{name}() inside {ctx.unit.function}(): the transaction is rolled back "
                    "and the process exits — raise an exception instead",
                    statement=anchor(call),
                )
