"""Constraints on domains are hard to change later; keep them on tables."""

from __future__ import annotations

from collections.abc import Iterable

from pglast import ast

from pgsage.lint.context import Context
from pgsage.lint.model import Group, Statement
from pgsage.lint.rule import Hit, Rule


class BanCreateDomainWithConstraint(Rule):
    id = "ban-create-domain-with-constraint"
    aliases = ("ban-create-domain-with-constraint",)
    group = Group.STYLE
    summary = "CREATE DOMAIN with a CHECK or NOT NULL constraint."
    why = (
        "Changing a domain constraint later (ALTER DOMAIN ... ADD CONSTRAINT) checks every "
        "column of that domain in every table under blocking locks."
    )
    fix_sql = (
        "CREATE DOMAIN positive_int AS integer;\n"
        "ALTER TABLE t ADD CONSTRAINT t_c_check CHECK (c > 0) NOT VALID;"
    )
    fix_alembic = "op.create_check_constraint('t_c_check', 't', 'c > 0', postgresql_not_valid=True)"

    def check(self, stmt: Statement, ctx: Context) -> Iterable[Hit]:
        node = stmt.node
        if isinstance(node, ast.CreateDomainStmt) and node.constraints:
            yield Hit(
                "a constraint on a domain cannot later be changed without checking every "
                "column that uses it; put CHECK constraints on the tables"
            )
