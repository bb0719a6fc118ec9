"""Which statements take locks that lock_timeout should bound."""

from __future__ import annotations

from typing import Any

from pglast import ast

# Reading, setting and transaction control take no lock worth a timeout; creating a function
# only touches its own new catalog row. DML takes ROW EXCLUSIVE, which conflicts only with DDL.
_NO_TIMEOUT_NEEDED = (
    ast.SelectStmt, ast.VariableSetStmt, ast.VariableShowStmt, ast.TransactionStmt,
    ast.CreateFunctionStmt, ast.DoStmt, ast.ExplainStmt, ast.InsertStmt, ast.UpdateStmt,
    ast.DeleteStmt, ast.MergeStmt, ast.CallStmt, ast.CopyStmt,
)


def needs_timeout(node: Any) -> bool:
    return not isinstance(node, _NO_TIMEOUT_NEEDED)
