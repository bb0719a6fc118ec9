"""TRUNCATE ... CASCADE empties every table that references the named ones."""

from __future__ import annotations

from collections.abc import Iterable

from pglast import ast
from pglast.enums.parsenodes import DropBehavior

from pgsage.lint.context import Context
from pgsage.lint.model import Group, Statement
from pgsage.lint.rule import Hit, Rule
from pgsage.model import Severity


class BanTruncateCascade(Rule):
    id = "ban-truncate-cascade"
    aliases = ("ban-truncate-cascade",)
    group = Group.COMPATIBILITY
    severity = Severity.ERROR
    summary = "TRUNCATE ... CASCADE."
    why = (
        "CASCADE truncates every table with a foreign key to the named tables, recursively, "
        "under ACCESS EXCLUSIVE locks: far more data than intended can vanish."
    )
    fix_sql = "TRUNCATE a, b;  -- name every table explicitly"
    fix_alembic = "op.execute('TRUNCATE a, b')"

    def check(self, stmt: Statement, ctx: Context) -> Iterable[Hit]:
        node = stmt.node
        if isinstance(node, ast.TruncateStmt) and node.behavior == DropBehavior.DROP_CASCADE:
            yield Hit(
                "TRUNCATE ... CASCADE also empties every table referencing these, under "
                "ACCESS EXCLUSIVE locks"
            )
