"""ALTER COLUMN TYPE rewrites the table and its indexes unless the change is binary-coercible."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pglast import ast
from pglast.enums.parsenodes import AlterTableType

from pgsage.lint.context import Context
from pgsage.lint.model import Group, Statement
from pgsage.lint.rule import Hit, Rule
from pgsage.lint.syntax import (
    alter_commands,
    bare_name,
    relation_name,
    type_label,
    type_name,
    type_typmods,
)
from pgsage.lint.types import ColumnType, from_spelling, is_binary_coercible


class ChangingColumnType(Rule):
    id = "changing-column-type"
    aliases = ("changing-column-type",)
    group = Group.LOCKING
    size_graded = True
    summary = "ALTER COLUMN ... TYPE that rewrites the table."
    why = (
        "Changing a column's type rewrites the table and rebuilds its indexes under an ACCESS "
        "EXCLUSIVE lock, unless the change is binary-coercible (varchar → text, "
        "varchar(n) → varchar(m ≥ n), numeric(p, s) → numeric(q ≥ p, s), cidr → inet)."
    )
    fix_sql = (
        "-- add a new column, backfill it in batches, switch readers, drop the old one\n"
        "ALTER TABLE t ADD COLUMN c_new bigint;"
    )
    fix_alembic = (
        "op.add_column('t', sa.Column('c_new', sa.BigInteger()))\n"
        "# backfill in batches in a data revision, then swap the columns"
    )
    deviations = (
        "Deliberate deviation from squawk: when the old type is known (the column was "
        "created earlier in the migration or in an earlier file or revision of the same "
        "run, an Alembic op.alter_column() names it in "
        "existing_type=, or --dsn reads it from the server), a "
        "binary-coercible change such as varchar → text or varchar(n) → varchar(m > n) "
        "is not reported. squawk reports every type change."
    )

    def check(self, stmt: Statement, ctx: Context) -> Iterable[Hit]:
        table = relation_name(getattr(stmt.node, "relation", None))
        if not table or ctx.is_new_table(table):
            return
        for cmd in alter_commands(stmt.node, AlterTableType.AT_AlterColumnType):
            column = cmd.def_
            new = ColumnType.of(type_name(column.typeName), type_typmods(column.typeName))
            old = self._hinted_type(stmt, table, str(cmd.name)) or self._old_type(
                ctx, table, str(cmd.name)
            )
            if (
                old is not None
                and _plain_using(column, str(cmd.name))
                and is_binary_coercible(old, new)
            ):
                continue
            yield Hit(
                f"changing {table}.{cmd.name} to {type_label(column.typeName)} rewrites the "
                "table and its indexes under an ACCESS EXCLUSIVE lock",
                table=table,
            )

    @staticmethod
    def _hinted_type(stmt: Statement, table: str, column: str) -> ColumnType | None:
        for hint_table, hint_column, spelled in stmt.type_hints:
            if bare_name(hint_table) == bare_name(table) and hint_column == column:
                return from_spelling(spelled)
        return None

    @staticmethod
    def _old_type(ctx: Context, table: str, column: str) -> ColumnType | None:
        key = (bare_name(table), column)
        known = ctx.column_types.get(key) or ctx.earlier_types.get(key)
        if known is not None:
            return ColumnType.of(type_name(known), type_typmods(known))
        from_server = ctx.catalog_types.get((table, column)) or ctx.catalog_types.get(
            (bare_name(table), column)
        )
        return ColumnType.from_catalog(*from_server) if from_server else None


def _plain_using(column: Any, name: str) -> bool:
    """No USING, or ``USING col::type`` — both let PostgreSQL relabel instead of rewriting."""
    expr: Any = column.raw_default
    if expr is None:
        return True
    if isinstance(expr, ast.TypeCast):
        expr = expr.arg
    fields: Any = expr.fields if isinstance(expr, ast.ColumnRef) else ()
    return len(fields) == 1 and getattr(fields[0], "sval", None) == name
