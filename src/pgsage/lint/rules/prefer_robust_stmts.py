"""Outside a transaction, statements should be re-runnable after a partial failure."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pglast import ast
from pglast.enums.parsenodes import AlterTableType
from pglast.enums.primnodes import OnCommitAction

from pgsage.lint.context import Context
from pgsage.lint.model import Group, Statement
from pgsage.lint.rule import Hit, Rule
from pgsage.lint.syntax import bare_name, relation_name

_NON_IDEMPOTENT = {
    AlterTableType.AT_SetNotNull: "SET NOT NULL",
    AlterTableType.AT_EnableRowSecurity: "ENABLE ROW LEVEL SECURITY",
    AlterTableType.AT_DisableRowSecurity: "DISABLE ROW LEVEL SECURITY",
}


class PreferRobustStmts(Rule):
    id = "prefer-robust-stmts"
    aliases = ("prefer-robust-stmts",)
    group = Group.STYLE
    default_on = False
    summary = "A statement outside a transaction that fails when the migration is re-run."
    why = (
        "Without a transaction, a migration that fails half-way leaves its first statements "
        "applied; IF [NOT] EXISTS lets the retry get past them."
    )
    fix_sql = (
        "CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_t_c ON t (c);\n"
        "ALTER TABLE t ADD COLUMN IF NOT EXISTS c text;\n"
        "ALTER TABLE t DROP CONSTRAINT IF EXISTS t_c_key;"
    )
    fix_alembic = "op.create_index(..., if_not_exists=True); op.drop_index(..., if_exists=True)"
    deviations = (
        "Opt-in in pgsage (Alembic runs revisions in transactions). As in squawk, a "
        "file with a single statement is not checked, and SET NOT NULL, RENAME and "
        "ENABLE/DISABLE ROW LEVEL SECURITY are reported. Unlike squawk, ALTER TABLE "
        "actions that are idempotent (ALTER COLUMN TYPE / SET DEFAULT / DROP NOT NULL, "
        "VALIDATE CONSTRAINT) are not: re-running them succeeds."
    )

    def check(self, stmt: Statement, ctx: Context) -> Iterable[Hit]:
        if ctx.in_transaction or not ctx.facts.many_statements or ctx.is_alembic:
            return
        node: Any = stmt.node
        if isinstance(node, ast.CreateStmt):
            relation: Any = node.relation
            temp_dropped = (
                relation.relpersistence == "t" and node.oncommit == OnCommitAction.ONCOMMIT_DROP
            )
            if not node.if_not_exists and not temp_dropped:
                yield Hit(f"CREATE TABLE {relation_name(node.relation)} without IF NOT EXISTS")
        elif isinstance(node, ast.IndexStmt):
            if node.idxname and not node.if_not_exists:
                yield Hit(f"CREATE INDEX {node.idxname} without IF NOT EXISTS")
        elif isinstance(node, ast.DropStmt):
            if not node.missing_ok:
                kind: Any = node.removeType
                yield Hit(f"DROP {kind.name.removeprefix('OBJECT_')} without IF EXISTS")
        elif isinstance(node, ast.AlterTableStmt):
            yield from self._alter(node, ctx)
        elif isinstance(node, ast.RenameStmt) and not node.missing_ok:
            yield Hit("RENAME fails when the migration is re-run (the old name is gone)")

    @staticmethod
    def _alter(node: Any, ctx: Context) -> Iterable[Hit]:
        table = relation_name(node.relation)
        for cmd in node.cmds or ():
            subtype = cmd.subtype
            if (
                subtype
                in (
                    AlterTableType.AT_AddColumn,
                    AlterTableType.AT_DropColumn,
                    AlterTableType.AT_DropConstraint,
                )
                and not cmd.missing_ok
            ):
                verb = {
                    AlterTableType.AT_AddColumn: "ADD COLUMN without IF NOT EXISTS",
                    AlterTableType.AT_DropColumn: "DROP COLUMN without IF EXISTS",
                    AlterTableType.AT_DropConstraint: "DROP CONSTRAINT without IF EXISTS",
                }[subtype]
                yield Hit(f"ALTER TABLE {table} {verb}")
            elif subtype == AlterTableType.AT_AddConstraint:
                name = str(cmd.def_.conname or "")
                if (bare_name(table), name) not in ctx.dropped_if_exists:
                    yield Hit(
                        f"ALTER TABLE {table} ADD CONSTRAINT {name} without a preceding "
                        "DROP CONSTRAINT IF EXISTS"
                    )
            elif subtype in _NON_IDEMPOTENT:
                yield Hit(f"ALTER TABLE {table} {_NON_IDEMPOTENT[subtype]} outside a transaction")
