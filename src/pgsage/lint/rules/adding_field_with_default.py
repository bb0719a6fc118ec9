"""ADD COLUMN with a volatile default (or any default before PG 11) rewrites the table."""

from __future__ import annotations

from collections.abc import Iterable

from pglast.enums.parsenodes import AlterTableType, ConstrType

from pgsage.lint.context import Context
from pgsage.lint.model import Group, Statement
from pgsage.lint.rule import Hit, Rule
from pgsage.lint.syntax import alter_commands, is_constant_expression, relation_name

FAST_DEFAULT_VERSION = 11


class AddingFieldWithDefault(Rule):
    id = "adding-field-with-default"
    aliases = ("adding-field-with-default",)
    group = Group.LOCKING
    size_graded = True
    summary = "ADD COLUMN with a volatile default or a STORED generated column (rewrite)."
    why = (
        "Since PostgreSQL 11 a non-volatile default is stored once in the catalog. A volatile "
        "default (random(), gen_random_uuid(), clock_timestamp(), unknown functions), a STORED "
        "generated column, or any default before 11 rewrites the table under an ACCESS "
        "EXCLUSIVE lock."
    )
    fix_sql = (
        "ALTER TABLE t ADD COLUMN c uuid;\n"
        "ALTER TABLE t ALTER COLUMN c SET DEFAULT gen_random_uuid();\n"
        "-- backfill existing rows in batches: UPDATE t SET c = gen_random_uuid() "
        "WHERE id BETWEEN ...;"
    )
    fix_alembic = (
        "op.add_column('t', sa.Column('c', sa.Uuid()))\n"
        "op.alter_column('t', 'c', server_default=sa.text('gen_random_uuid()'))\n"
        "# backfill in batches in a separate (data) revision"
    )
    deviations = (
        "A default is volatile when it calls a function pgsage does not know to be "
        "stable or immutable, as in squawk. Deliberate disagreement "
        "(sq-adding-field-with-default-018): with --pg-version 11, squawk reports a "
        "constant default; PostgreSQL 11 introduced fast defaults, so pgsage does not."
    )

    def check(self, stmt: Statement, ctx: Context) -> Iterable[Hit]:
        table = relation_name(getattr(stmt.node, "relation", None))
        if not table or ctx.is_new_table(table):
            return
        for cmd in alter_commands(stmt.node, AlterTableType.AT_AddColumn):
            column = cmd.def_
            for con in column.constraints or ():
                if con.contype == ConstrType.CONSTR_GENERATED and con.generated_kind != "v":
                    yield Hit(
                        f"adding STORED generated column {column.colname} rewrites {table} "
                        "under an ACCESS EXCLUSIVE lock",
                        table=table,
                    )
                elif con.contype == ConstrType.CONSTR_DEFAULT:
                    if ctx.pg_version < FAST_DEFAULT_VERSION:
                        yield Hit(
                            f"before PostgreSQL 11, ADD COLUMN {column.colname} with a "
                            f"DEFAULT rewrites {table} under an ACCESS EXCLUSIVE lock; add "
                            "the column, then SET DEFAULT and backfill",
                            table=table,
                        )
                    elif not is_constant_expression(con.raw_expr):
                        yield Hit(
                            f"ADD COLUMN {column.colname} with a volatile DEFAULT rewrites "
                            f"{table} under an ACCESS EXCLUSIVE lock; add the column, then "
                            "SET DEFAULT and backfill in batches",
                            table=table,
                        )
