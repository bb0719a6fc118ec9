"""On PostgreSQL 19+, REPACK replaces VACUUM FULL and CLUSTER."""

from __future__ import annotations

from collections.abc import Iterable

from pglast import ast

from pgsage.lint.context import Context
from pgsage.lint.model import Group, Statement
from pgsage.lint.rule import Hit, Rule
from pgsage.lint.rules.require_concurrent_reindex import option_enabled

REPACK_VERSION = 19


def rewrites_table(node: object) -> str | None:
    """VACUUM FULL or CLUSTER: the table is rewritten under an ACCESS EXCLUSIVE lock."""
    if isinstance(node, ast.ClusterStmt):
        return "CLUSTER"
    if (
        isinstance(node, ast.VacuumStmt)
        and node.is_vacuumcmd
        and option_enabled(node.options, "full")
    ):
        return "VACUUM FULL"
    return None


class PreferRepack(Rule):
    id = "prefer-repack"
    aliases = ("prefer-repack",)
    group = Group.LOCKING
    summary = "VACUUM FULL or CLUSTER on PostgreSQL 19+, where REPACK exists."
    why = (
        "VACUUM FULL and CLUSTER rewrite the table under an ACCESS EXCLUSIVE lock; "
        "PostgreSQL 19's REPACK (CONCURRENTLY) does the same work without blocking."
    )
    fix_sql = "REPACK (CONCURRENTLY) t;"
    fix_alembic = (
        "with op.get_context().autocommit_block():\n    op.execute('REPACK (CONCURRENTLY) t')"
    )

    def check(self, stmt: Statement, ctx: Context) -> Iterable[Hit]:
        if ctx.pg_version < REPACK_VERSION:
            return
        command = rewrites_table(stmt.node)
        if command:
            yield Hit(
                f"{command} rewrites the table under an ACCESS EXCLUSIVE lock; use REPACK "
                "(CONCURRENTLY) on PostgreSQL 19+"
            )
