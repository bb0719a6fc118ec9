"""A foreign key added without NOT VALID scans the table under a SHARE ROW EXCLUSIVE lock."""

from __future__ import annotations

from collections.abc import Iterable

from pglast.enums.parsenodes import ConstrType

from pgsage.lint.context import Context
from pgsage.lint.model import Group, Statement
from pgsage.lint.rule import Hit, Rule
from pgsage.lint.syntax import added_constraints, relation_name


class AddingForeignKeyConstraint(Rule):
    id = "adding-foreign-key-constraint"
    aliases = ("adding-foreign-key-constraint",)
    group = Group.LOCKING
    size_graded = True
    summary = "A foreign key added to an existing table without NOT VALID."
    why = (
        "Adding a foreign key takes SHARE ROW EXCLUSIVE locks on both tables and checks every "
        "row while holding them: writes to both tables stop for the whole scan."
    )
    fix_sql = (
        "ALTER TABLE t ADD CONSTRAINT t_u_fk FOREIGN KEY (u_id) REFERENCES u (id)\n"
        "  NOT VALID;\n"
        "-- later, in its own transaction (takes SHARE UPDATE EXCLUSIVE only):\n"
        "ALTER TABLE t VALIDATE CONSTRAINT t_u_fk;"
    )
    fix_alembic = (
        "op.create_foreign_key('t_u_fk', 't', 'u', ['u_id'], ['id'],\n"
        "                      postgresql_not_valid=True)\n"
        "# next revision:\n"
        "op.execute('ALTER TABLE t VALIDATE CONSTRAINT t_u_fk')"
    )

    def check(self, stmt: Statement, ctx: Context) -> Iterable[Hit]:
        table = relation_name(getattr(stmt.node, "relation", None))
        if not table or ctx.is_new_table(table):
            return
        for con in added_constraints(stmt.node):
            if con.contype == ConstrType.CONSTR_FOREIGN and not con.skip_validation:
                target = relation_name(con.pktable)
                yield Hit(
                    f"adding a foreign key on {table} → {target} takes SHARE ROW "
                    "EXCLUSIVE locks on both tables while every row is checked; add "
                    "it NOT VALID, then VALIDATE CONSTRAINT separately",
                    table=table,
                )
