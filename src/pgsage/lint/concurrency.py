"""Statements PostgreSQL refuses to run inside a transaction block."""

from __future__ import annotations

from typing import Any

from pglast import ast
from pglast.enums.parsenodes import AlterTableType

from pgsage.lint.rules.require_concurrent_reindex import option_enabled
from pgsage.lint.syntax import alter_commands


def concurrent_operation(node: Any) -> str | None:
    """The CONCURRENTLY operation a statement is, or None."""
    if isinstance(node, ast.IndexStmt) and node.concurrent:
        return "CREATE INDEX CONCURRENTLY"
    if isinstance(node, ast.DropStmt) and node.concurrent:
        return "DROP INDEX CONCURRENTLY"
    if isinstance(node, ast.ReindexStmt) and option_enabled(node.params, "concurrently"):
        return "REINDEX CONCURRENTLY"
    for cmd in alter_commands(node, AlterTableType.AT_DetachPartition):
        if cmd.def_.concurrent:
            return "DETACH PARTITION CONCURRENTLY"
    return None
