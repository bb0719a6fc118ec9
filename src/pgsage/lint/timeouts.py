"""Which statements take locks that lock_timeout should bound."""

from __future__ import annotations

from typing import Any

from pglast import ast
from pglast.enums.parsenodes import ConstrType

from pgsage.lint.syntax import added_constraints, relation_name

# Reading, setting and transaction control take no lock worth a timeout; creating a function
# only touches its own new catalog row. DML takes ROW EXCLUSIVE, which conflicts only with DDL.
_NO_TIMEOUT_NEEDED = (
    ast.SelectStmt,
    ast.VariableSetStmt,
    ast.VariableShowStmt,
    ast.TransactionStmt,
    ast.CreateFunctionStmt,
    ast.DoStmt,
    ast.ExplainStmt,
    ast.InsertStmt,
    ast.UpdateStmt,
    ast.DeleteStmt,
    ast.MergeStmt,
    ast.CallStmt,
    ast.CopyStmt,
)


def needs_timeout(node: Any) -> bool:
    if isinstance(node, ast.CreateStmt):
        # A new table locks nothing that exists, unless a foreign key locks the referenced one.
        return _has_foreign_key(node)
    return not isinstance(node, _NO_TIMEOUT_NEEDED)


def _has_foreign_key(node: Any) -> bool:
    for element in node.tableElts or ():
        constraints = (
            [element]
            if isinstance(element, ast.Constraint)
            else list(getattr(element, "constraints", None) or ())
        )
        if any(c.contype == ConstrType.CONSTR_FOREIGN for c in constraints):
            return True
    return False


def locked_tables(node: Any) -> set[str] | None:
    """The existing tables a statement locks, when the statement says (None: it does not say,
    e.g. DROP INDEX, whose table is not in its text). A foreign key locks its referenced table
    too."""
    if isinstance(node, ast.CreateStmt):
        return _referenced(_inline_constraints(node))
    if isinstance(node, ast.AlterTableStmt) and node.relation is not None:
        return {relation_name(node.relation)} | _referenced(added_constraints(node))
    if isinstance(node, ast.IndexStmt) and node.relation is not None:
        return {relation_name(node.relation)}
    return None


def _inline_constraints(node: Any) -> list[Any]:
    found: list[Any] = []
    for element in node.tableElts or ():
        if isinstance(element, ast.Constraint):
            found.append(element)
        else:
            found.extend(getattr(element, "constraints", None) or ())
    return found


def _referenced(constraints: Any) -> set[str]:
    return {
        relation_name(c.pktable)
        for c in constraints
        if c.contype == ConstrType.CONSTR_FOREIGN and c.pktable is not None
    }
