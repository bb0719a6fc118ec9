"""SET NOT NULL scans the whole table under an ACCESS EXCLUSIVE lock."""

from __future__ import annotations

from collections.abc import Iterable

from pglast.enums.parsenodes import AlterTableType

from pgsage.lint.context import Context
from pgsage.lint.model import Group, Statement
from pgsage.lint.rule import Hit, Rule
from pgsage.lint.syntax import alter_commands, bare_name, relation_name

# Since PostgreSQL 12 a validated CHECK (col IS NOT NULL) lets SET NOT NULL skip the scan.
CHECK_SHORTCUT_VERSION = 12


class AddingNotNullableField(Rule):
    id = "adding-not-nullable-field"
    aliases = ("adding-not-nullable-field",)
    group = Group.LOCKING
    size_graded = True
    summary = "ALTER COLUMN ... SET NOT NULL on an existing table without a validated CHECK."
    why = (
        "SET NOT NULL holds an ACCESS EXCLUSIVE lock while it scans every row. On PostgreSQL "
        "12+ a validated CHECK (col IS NOT NULL) constraint lets it skip the scan."
    )
    fix_sql = (
        "ALTER TABLE t ADD CONSTRAINT t_c_not_null CHECK (c IS NOT NULL) NOT VALID;\n"
        "-- separate transaction:\n"
        "ALTER TABLE t VALIDATE CONSTRAINT t_c_not_null;\n"
        "ALTER TABLE t ALTER COLUMN c SET NOT NULL;  -- no scan on PG 12+\n"
        "ALTER TABLE t DROP CONSTRAINT t_c_not_null;"
    )
    fix_alembic = (
        "op.create_check_constraint('t_c_not_null', 't', 'c IS NOT NULL',\n"
        "                          postgresql_not_valid=True)\n"
        "# next revision:\n"
        "op.execute('ALTER TABLE t VALIDATE CONSTRAINT t_c_not_null')\n"
        "op.alter_column('t', 'c', nullable=False)\n"
        "op.drop_constraint('t_c_not_null', 't', type_='check')"
    )
    deviations = (
        "Like squawk, a constraint validated earlier in the file whose definition is "
        "not in the file counts when its name contains the column name."
    )

    def check(self, stmt: Statement, ctx: Context) -> Iterable[Hit]:
        table = relation_name(getattr(stmt.node, "relation", None))
        if not table or ctx.is_new_table(table):
            return
        for cmd in alter_commands(stmt.node, AlterTableType.AT_SetNotNull):
            if ctx.pg_version >= CHECK_SHORTCUT_VERSION and self._has_validated_check(
                ctx, bare_name(table), str(cmd.name)
            ):
                continue
            yield Hit(
                f"SET NOT NULL on {table}.{cmd.name} scans the whole table under an ACCESS "
                "EXCLUSIVE lock; validate a CHECK (... IS NOT NULL) NOT VALID constraint "
                "first",
                table=table,
            )

    @staticmethod
    def _has_validated_check(ctx: Context, table: str, column: str) -> bool:
        for vtable, name in ctx.validated:
            if vtable != table:
                continue
            known = ctx.check_columns.get((vtable, name))
            if known == column or (known is None and column in name):
                return True
        return False
