"""ALTER DOMAIN ... ADD CONSTRAINT checks every column of that domain in every table."""

from __future__ import annotations

from collections.abc import Iterable

from pglast import ast

from pgsage.lint.context import Context
from pgsage.lint.model import Group, Statement
from pgsage.lint.rule import Hit, Rule


class BanAlterDomainWithAddConstraint(Rule):
    id = "ban-alter-domain-with-add-constraint"
    aliases = ("ban-alter-domain-with-add-constraint",)
    group = Group.LOCKING
    summary = "ALTER DOMAIN ... ADD CONSTRAINT."
    why = (
        "PostgreSQL checks every column using the domain in every table, under locks that "
        "block writes, and the domain constraint cannot be changed cheaply later."
    )
    fix_sql = "ALTER TABLE t ADD CONSTRAINT t_c_check CHECK (c > 0) NOT VALID;  -- per table"
    fix_alembic = "op.create_check_constraint('t_c_check', 't', 'c > 0', postgresql_not_valid=True)"

    def check(self, stmt: Statement, ctx: Context) -> Iterable[Hit]:
        node = stmt.node
        if isinstance(node, ast.AlterDomainStmt) and node.subtype == "C":
            yield Hit(
                "ALTER DOMAIN ... ADD CONSTRAINT checks every column of the domain in "
                "every table while blocking writes; use table CHECK constraints NOT VALID"
            )
