"""DROP INDEX without CONCURRENTLY takes an ACCESS EXCLUSIVE lock on the table."""

from __future__ import annotations

from collections.abc import Iterable

from pglast import ast
from pglast.enums.parsenodes import ObjectType

from pgsage.lint.context import Context
from pgsage.lint.model import Group, Statement
from pgsage.lint.rule import Hit, Rule


class RequireConcurrentIndexDeletion(Rule):
    id = "require-concurrent-index-deletion"
    aliases = ("require-concurrent-index-deletion",)
    group = Group.LOCKING
    summary = "DROP INDEX without CONCURRENTLY."
    why = (
        "DROP INDEX takes an ACCESS EXCLUSIVE lock on the index's table: reads and writes "
        "queue behind it, and behind any long query it waits for."
    )
    fix_sql = "DROP INDEX CONCURRENTLY IF EXISTS ix_t_c;  -- outside a transaction"
    fix_alembic = (
        "with op.get_context().autocommit_block():\n"
        "    op.drop_index('ix_t_c', table_name='t', postgresql_concurrently=True,\n"
        "                  if_exists=True)"
    )

    def check(self, stmt: Statement, ctx: Context) -> Iterable[Hit]:
        node = stmt.node
        if (
            isinstance(node, ast.DropStmt)
            and node.removeType == ObjectType.OBJECT_INDEX
            and not node.concurrent
        ):
            names = ", ".join(".".join(p.sval for p in obj) for obj in node.objects or ())
            yield Hit(
                f"DROP INDEX {names} takes an ACCESS EXCLUSIVE lock on its table; "
                "use DROP INDEX CONCURRENTLY"
            )
