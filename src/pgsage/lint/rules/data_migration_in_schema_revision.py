"""Alembic: data changes (UPDATE/INSERT/DELETE) in a revision that also changes the schema."""

from __future__ import annotations

from collections.abc import Iterable

from pglast import ast

from pgsage.lint.context import Context
from pgsage.lint.model import Group, Statement
from pgsage.lint.rule import Hit, Rule
from pgsage.lint.syntax import relation_name

_DML = (ast.InsertStmt, ast.UpdateStmt, ast.DeleteStmt, ast.MergeStmt)


class DataMigrationInSchemaRevision(Rule):
    id = "data-migration-in-schema-revision"
    group = Group.TRANSACTIONS
    summary = (
        "Alembic: UPDATE/INSERT/DELETE in a revision that also runs DDL (seed rows for a "
        "table the revision creates are fine)."
    )
    why = (
        "The DDL's locks (often ACCESS EXCLUSIVE) are held until the revision commits, so a "
        "backfill in the same transaction keeps the table locked for its whole run; a big "
        "UPDATE also bloats the table and cannot be retried in batches."
    )
    fix_sql = "-- schema revision; then a separate data revision that updates in batches"
    fix_alembic = (
        "# revision A: op.add_column(...)\n"
        "# revision B: batches of op.execute(sa.text('UPDATE ... WHERE id BETWEEN "
        ":lo AND :hi'))"
    )

    def check(self, stmt: Statement, ctx: Context) -> Iterable[Hit]:
        if not ctx.is_alembic or not isinstance(stmt.node, _DML):
            return
        if ctx.is_new_table(relation_name(stmt.node.relation)):
            return  # seed rows for a table this revision creates: nothing existing is locked
        if ctx.facts.other_needs_timeout(stmt):
            verb = type(stmt.node).__name__.removesuffix("Stmt").upper()
            yield Hit(
                f"{verb} in a revision that also changes the schema: the DDL locks are "
                "held for the whole data change; move it to a data-only revision"
            )
