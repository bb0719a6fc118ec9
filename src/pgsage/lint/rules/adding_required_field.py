"""ADD COLUMN ... NOT NULL without a default fails on a non-empty table and breaks inserts."""

from __future__ import annotations

from collections.abc import Iterable

from pglast.enums.parsenodes import AlterTableType, ConstrType

from pgsage.lint.context import Context
from pgsage.lint.model import Group, Statement
from pgsage.lint.rule import Hit, Rule
from pgsage.lint.syntax import alter_commands, column_constraints, relation_name


class AddingRequiredField(Rule):
    id = "adding-required-field"
    aliases = ("adding-required-field",)
    group = Group.COMPATIBILITY
    summary = "ADD COLUMN ... NOT NULL without a DEFAULT."
    why = (
        "It fails on a table with rows, and INSERTs from running clients that do not know "
        "the column fail once it exists."
    )
    fix_sql = "ALTER TABLE t ADD COLUMN c boolean NOT NULL DEFAULT false;  -- no rewrite on 11+"
    fix_alembic = (
        "op.add_column('t', sa.Column('c', sa.Boolean(), nullable=False,\n"
        "                             server_default=sa.false()))"
    )

    def check(self, stmt: Statement, ctx: Context) -> Iterable[Hit]:
        table = relation_name(getattr(stmt.node, "relation", None))
        if not table or ctx.is_new_table(table):
            return
        for cmd in alter_commands(stmt.node, AlterTableType.AT_AddColumn):
            column = cmd.def_
            if (
                column_constraints(column, ConstrType.CONSTR_NOTNULL)
                and not column_constraints(column, ConstrType.CONSTR_DEFAULT)
                and not column_constraints(column, ConstrType.CONSTR_GENERATED)
                and not column_constraints(column, ConstrType.CONSTR_IDENTITY)
            ):
                yield Hit(
                    f"adding NOT NULL column {table}.{column.colname} without a DEFAULT "
                    "fails on existing rows and breaks inserts from running clients",
                    table=table,
                )
