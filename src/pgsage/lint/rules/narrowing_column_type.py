"""ALTER COLUMN TYPE to a shorter VARCHAR/CHAR: fails on existing longer values."""

from __future__ import annotations

from collections.abc import Iterable

from pglast.enums.parsenodes import AlterTableType

from pgsage.lint.context import Context
from pgsage.lint.model import Group, Statement
from pgsage.lint.rule import Hit, Rule
from pgsage.lint.rules.changing_column_type import ChangingColumnType
from pgsage.lint.syntax import alter_commands, relation_name, type_label, type_name, type_typmods
from pgsage.lint.types import ColumnType

_BOUNDED = {"varchar", "bpchar"}
_UNBOUNDED = {"text", "varchar", "bpchar", "citext"}


def narrows(old: ColumnType, new: ColumnType) -> bool:
    """Whether ``new`` has a length limit that ``old`` values may exceed."""
    if new.name not in _BOUNDED or not new.mods or old.name not in _UNBOUNDED:
        return False
    return not old.mods or old.mods[0] > new.mods[0]


class NarrowingColumnType(Rule):
    id = "narrowing-column-type"
    group = Group.COMPATIBILITY
    summary = "ALTER COLUMN ... TYPE varchar(n) on a longer text column (fails on longer values)."
    why = (
        "Narrowing text or varchar to varchar(n) checks every row: one existing value longer "
        "than n makes the migration fail in production after it has waited for its ACCESS "
        "EXCLUSIVE lock (and the rewrite it does meanwhile blocks the table)."
    )
    fix_sql = (
        "SELECT max(length(c)) FROM t;  -- before: must be <= n\n"
        "ALTER TABLE t ADD CONSTRAINT t_c_length CHECK (length(c) <= 255) NOT VALID;"
    )
    fix_alembic = (
        "# check first: SELECT max(length(c)) FROM t\n"
        "op.create_check_constraint('t_c_length', 't', 'length(c) <= 255', postgresql_not_valid=True)"
    )
    deviations = (
        "Not in squawk. The old type must be known (as for changing-column-type). With --dsn "
        "the column's longest existing value decides (read-only, under the session timeouts): "
        "no finding when every value fits, an error naming the length when one does not."
    )

    def check(self, stmt: Statement, ctx: Context) -> Iterable[Hit]:
        table = relation_name(getattr(stmt.node, "relation", None))
        if not table or ctx.is_new_table(table):
            return
        for cmd in alter_commands(stmt.node, AlterTableType.AT_AlterColumnType):
            column = str(cmd.name)
            new = ColumnType.of(type_name(cmd.def_.typeName), type_typmods(cmd.def_.typeName))
            old = ChangingColumnType._hinted_type(stmt, table, column) or (
                ChangingColumnType._old_type(ctx, table, column)
            )
            if old is None or not narrows(old, new):
                continue
            limit = new.mods[0]
            yield Hit(
                f"narrowing {table}.{column} to {type_label(cmd.def_.typeName)} fails if any "
                f"existing value is longer than {limit} characters: check the longest "
                f"(max(length({column}))) on {table} before deploying",
                table=table,
            )
