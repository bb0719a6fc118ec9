"""Maintenance commands that rewrite a whole table under an ACCESS EXCLUSIVE lock."""

from __future__ import annotations

from collections.abc import Iterable

from pglast.enums.parsenodes import AlterTableType

from pgsage.lint.context import Context
from pgsage.lint.model import Group, Statement
from pgsage.lint.rule import Hit, Rule
from pgsage.lint.rules.prefer_repack import REPACK_VERSION, rewrites_table
from pgsage.lint.syntax import alter_commands, relation_name

_REWRITING = {
    AlterTableType.AT_SetTableSpace: "SET TABLESPACE",
    AlterTableType.AT_SetLogged: "SET LOGGED",
    AlterTableType.AT_SetUnLogged: "SET UNLOGGED",
    AlterTableType.AT_SetAccessMethod: "SET ACCESS METHOD",
}


class TableRewrite(Rule):
    id = "table-rewrite"
    group = Group.LOCKING
    size_graded = True
    summary = (
        "VACUUM FULL, CLUSTER (before PG 19), ALTER TABLE SET TABLESPACE / SET LOGGED / "
        "SET UNLOGGED / SET ACCESS METHOD."
    )
    why = (
        "Each rewrites the whole table (and its indexes) while holding an ACCESS EXCLUSIVE "
        "lock: nothing can read or write it until the copy is done."
    )
    fix_sql = (
        "-- rebuild online with pg_repack (or REPACK (CONCURRENTLY) on PG 19+):\n"
        "-- pg_repack --table=t"
    )
    fix_alembic = "# run pg_repack outside the migration"
    deviations = "pgsage-only rule; squawk has prefer-repack for PG 19+ only."

    def check(self, stmt: Statement, ctx: Context) -> Iterable[Hit]:
        command = rewrites_table(stmt.node)
        if command and ctx.pg_version < REPACK_VERSION:
            yield Hit(f"{command} rewrites the table under an ACCESS EXCLUSIVE lock; use pg_repack")
        table = relation_name(getattr(stmt.node, "relation", None))
        if not table or ctx.is_new_table(table):
            return
        for cmd in alter_commands(stmt.node, *_REWRITING):
            yield Hit(
                f"ALTER TABLE {table} {_REWRITING[cmd.subtype]} rewrites the table under "
                "an ACCESS EXCLUSIVE lock",
                table=table,
            )
