"""ADD CONSTRAINT ... UNIQUE builds its index under an ACCESS EXCLUSIVE lock."""

from __future__ import annotations

from collections.abc import Iterable

from pglast.enums.parsenodes import ConstrType

from pgsage.lint.context import Context
from pgsage.lint.model import Group, Statement
from pgsage.lint.rule import Hit, Rule
from pgsage.lint.syntax import added_constraints, relation_name


class DisallowedUniqueConstraint(Rule):
    id = "disallowed-unique-constraint"
    aliases = ("disallowed-unique-constraint",)
    group = Group.LOCKING
    size_graded = True
    summary = "A UNIQUE constraint added to an existing table without USING INDEX."
    why = (
        "ADD CONSTRAINT ... UNIQUE builds the unique index while holding an ACCESS EXCLUSIVE "
        "lock: reads and writes stop for the whole build."
    )
    fix_sql = (
        "CREATE UNIQUE INDEX CONCURRENTLY t_c_key_idx ON t (c);\n"
        "ALTER TABLE t ADD CONSTRAINT t_c_key UNIQUE USING INDEX t_c_key_idx;"
    )
    fix_alembic = (
        "with op.get_context().autocommit_block():\n"
        "    op.create_index('t_c_key_idx', 't', ['c'], unique=True,\n"
        "                    postgresql_concurrently=True)\n"
        "op.execute('ALTER TABLE t ADD CONSTRAINT t_c_key UNIQUE USING INDEX "
        "t_c_key_idx')"
    )

    def check(self, stmt: Statement, ctx: Context) -> Iterable[Hit]:
        table = relation_name(getattr(stmt.node, "relation", None))
        if not table or ctx.is_new_table(table):
            return
        for con in added_constraints(stmt.node):
            if con.contype == ConstrType.CONSTR_UNIQUE and not con.indexname:
                yield Hit(
                    f"adding a UNIQUE constraint to {table} builds its index under an "
                    "ACCESS EXCLUSIVE lock; build it CONCURRENTLY and add the "
                    "constraint USING INDEX",
                    table=table,
                )
