"""REINDEX without CONCURRENTLY blocks writes (and reads that use the index)."""

from __future__ import annotations

from collections.abc import Iterable

from pglast import ast
from pglast.enums.parsenodes import ReindexObjectType

from pgsage.lint.context import Context
from pgsage.lint.model import Group, Statement
from pgsage.lint.rule import Hit, Rule
from pgsage.lint.syntax import relation_name


def option_enabled(options: object, name: str) -> bool:
    """``(CONCURRENTLY)`` / ``(FULL true)`` → True; ``(FULL false)`` → False; absent → False."""
    for option in options or ():  # type: ignore[attr-defined]
        if getattr(option, "defname", "").lower() != name:
            continue
        arg = getattr(option, "arg", None)
        value = getattr(arg, "sval", None) or getattr(arg, "boolval", None)
        if arg is None:
            return True
        if isinstance(value, str):
            return value.lower() in ("true", "on", "1")
        ival = getattr(arg, "ival", None)
        if ival is not None:
            return bool(ival)
        return bool(getattr(value, "boolval", value))
    return False


class RequireConcurrentReindex(Rule):
    id = "require-concurrent-reindex"
    aliases = ("require-concurrent-reindex",)
    group = Group.LOCKING
    size_graded = True
    summary = "REINDEX without CONCURRENTLY."
    why = (
        "REINDEX takes a SHARE lock on the table (writes wait) and an ACCESS EXCLUSIVE lock on "
        "each index (queries using it wait) for the whole rebuild."
    )
    fix_sql = "REINDEX INDEX CONCURRENTLY ix_t_c;  -- outside a transaction, PG 12+"
    fix_alembic = (
        "with op.get_context().autocommit_block():\n"
        "    op.execute('REINDEX INDEX CONCURRENTLY ix_t_c')"
    )

    def check(self, stmt: Statement, ctx: Context) -> Iterable[Hit]:
        node = stmt.node
        if not isinstance(node, ast.ReindexStmt):
            return
        if node.kind == ReindexObjectType.REINDEX_OBJECT_SYSTEM:
            return  # system catalogs cannot be reindexed concurrently
        if option_enabled(node.params, "concurrently"):
            return
        target = relation_name(node.relation) if node.relation is not None else node.name
        table = (
            relation_name(node.relation)
            if (node.kind == ReindexObjectType.REINDEX_OBJECT_TABLE)
            else None
        )
        yield Hit(
            f"REINDEX {target} blocks writes (SHARE lock on the table, ACCESS EXCLUSIVE on "
            "the index) for the whole rebuild; use REINDEX ... CONCURRENTLY",
            table=table,
        )
