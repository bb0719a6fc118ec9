"""The same column assigned or named twice in one statement."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from pglast import ast

from pgsage.lint.context import Context
from pgsage.lint.model import Group, Statement
from pgsage.lint.rule import Hit, Rule
from pgsage.model import Severity

UNNAMED = "?column?"


def _indirection(target: Any) -> tuple[str, ...]:
    parts: list[str] = []
    for item in target.indirection or ():
        if isinstance(item, ast.String):
            parts.append(str(item.sval))
        else:
            parts.append(f"[{id(item)}]")  # subscripts: a[1] and a[2] are different cells
    return tuple(parts)


def _assignment_conflicts(targets: Iterable[Any]) -> Iterator[str]:
    """Names assigned twice; ``a`` conflicts with ``a.x``, ``a.x`` does not with ``a.y``."""
    seen: list[tuple[str, tuple[str, ...]]] = []
    for target in targets:
        if not isinstance(target, ast.ResTarget) or not target.name:
            continue
        path = (str(target.name), _indirection(target))
        for name, indirection in seen:
            if name != path[0]:
                continue
            shorter = min(len(indirection), len(path[1]))
            if indirection[:shorter] == path[1][:shorter]:
                yield path[0]
                break
        seen.append(path)


def _duplicates(names: Iterable[str]) -> Iterator[str]:
    seen: set[str] = set()
    for name in names:
        if name in seen:
            yield name
        seen.add(name)


def _output_name(target: Any) -> str:
    """The column name PostgreSQL gives a SELECT output (FigureColname, simplified)."""
    if target.name:
        return str(target.name)
    value: Any = target.val
    while isinstance(value, ast.TypeCast) and not isinstance(value.arg, ast.A_Const):
        value = value.arg
    if isinstance(value, ast.ColumnRef) and value.fields:
        last = value.fields[-1]
        return str(last.sval) if isinstance(last, ast.String) else UNNAMED
    if isinstance(value, ast.FuncCall) and value.funcname:
        return str(value.funcname[-1].sval)
    if isinstance(value, ast.TypeCast) and value.typeName is not None:
        names: Any = value.typeName.names
        return str(names[-1].sval)
    if isinstance(value, ast.CaseExpr):
        return "case"
    return UNNAMED


def _is_star(value: Any) -> bool:
    return isinstance(value, ast.ColumnRef) and isinstance(
        (value.fields or (None,))[-1], ast.A_Star
    )


def _select_outputs(query: Any) -> list[str]:
    if isinstance(query, ast.SelectStmt) and query.targetList and not query.larg:
        return [_output_name(t) for t in query.targetList if not _is_star(t.val)]
    return []


def duplicated_columns(node: Any) -> Iterator[str]:
    if isinstance(node, ast.UpdateStmt):
        yield from _assignment_conflicts(node.targetList or ())
    elif isinstance(node, ast.InsertStmt):
        yield from _assignment_conflicts(node.cols or ())
        if node.onConflictClause is not None:
            yield from _assignment_conflicts(node.onConflictClause.targetList or ())
    elif isinstance(node, ast.MergeStmt):
        for clause in node.mergeWhenClauses or ():
            yield from _assignment_conflicts(clause.targetList or ())
    elif isinstance(node, ast.CreateStmt | ast.CreateForeignTableStmt):
        base: Any = node.base if isinstance(node, ast.CreateForeignTableStmt) else node
        yield from _duplicates(
            str(e.colname) for e in base.tableElts or () if isinstance(e, ast.ColumnDef)
        )
    elif isinstance(node, ast.ViewStmt):
        if node.aliases:
            yield from _duplicates(str(a.sval) for a in node.aliases)
        else:
            yield from _duplicates(_select_outputs(node.query))
    elif isinstance(node, ast.SelectStmt) and node.intoClause is not None:
        yield from _duplicates(_select_outputs(node))
    elif (
        isinstance(node, ast.CreateTableAsStmt) and node.into is not None and not node.into.colNames
    ):
        yield from _duplicates(_select_outputs(node.query))


class BanDuplicateColumnAssignments(Rule):
    id = "ban-duplicate-column-assignments"
    aliases = ("ban-duplicate-column-assignments",)
    group = Group.STYLE
    severity = Severity.ERROR
    summary = "A column assigned or declared twice (UPDATE SET, INSERT, MERGE, CREATE TABLE/VIEW)."
    why = (
        'PostgreSQL rejects it ("multiple assignments to same column", "column specified '
        'more than once"), so the migration fails when it reaches the statement.'
    )
    fix_sql = "UPDATE t SET a = 1, b = 2;  -- each column once"
    fix_alembic = "# fix the SQL passed to op.execute()"

    def check(self, stmt: Statement, ctx: Context) -> Iterable[Hit]:
        for name in sorted(set(duplicated_columns(stmt.node))):
            yield Hit(f"column {name} is assigned or named more than once")
