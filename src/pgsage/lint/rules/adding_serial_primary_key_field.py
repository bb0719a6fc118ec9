"""Adding a primary key builds its index under an ACCESS EXCLUSIVE lock."""

from __future__ import annotations

from collections.abc import Iterable

from pglast.enums.parsenodes import ConstrType

from pgsage.lint.context import Context
from pgsage.lint.model import Group, Statement
from pgsage.lint.rule import Hit, Rule
from pgsage.lint.syntax import added_constraints, relation_name


class AddingSerialPrimaryKeyField(Rule):
    id = "adding-serial-primary-key-field"
    aliases = ("adding-serial-primary-key-field",)
    group = Group.LOCKING
    size_graded = True
    summary = "ALTER TABLE ... ADD PRIMARY KEY without USING INDEX."
    why = (
        "Adding a primary key builds a unique index while holding an ACCESS EXCLUSIVE lock; a "
        "serial primary-key column also rewrites the table to fill it."
    )
    fix_sql = (
        "CREATE UNIQUE INDEX CONCURRENTLY t_pkey_idx ON t (id);\n"
        "ALTER TABLE t ADD CONSTRAINT t_pkey PRIMARY KEY USING INDEX t_pkey_idx;"
    )
    fix_alembic = (
        "with op.get_context().autocommit_block():\n"
        "    op.create_index('t_pkey_idx', 't', ['id'], unique=True,\n"
        "                    postgresql_concurrently=True)\n"
        "op.execute('ALTER TABLE t ADD CONSTRAINT t_pkey PRIMARY KEY USING INDEX "
        "t_pkey_idx')"
    )

    def check(self, stmt: Statement, ctx: Context) -> Iterable[Hit]:
        table = relation_name(getattr(stmt.node, "relation", None))
        if not table or ctx.is_new_table(table):
            return
        for con in added_constraints(stmt.node):
            if con.contype == ConstrType.CONSTR_PRIMARY and not con.indexname:
                yield Hit(
                    f"adding a primary key to {table} builds its index under an ACCESS "
                    "EXCLUSIVE lock; build a unique index CONCURRENTLY and add the key "
                    "USING INDEX",
                    table=table,
                )
