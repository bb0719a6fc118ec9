"""The Python of an Alembic revision, for the rules that judge what the rendered SQL cannot show
(a client-side ``default=``, an ``exit()``): the rendered function's AST, and a statement-shaped
anchor so a hit points at the Python line."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from pgsage.lint.context import Context
from pgsage.lint.model import SourceKind, Statement


def function_calls(ctx: Context) -> Iterator[ast.Call]:
    """Every call inside the revision function this unit rendered (upgrade or downgrade)."""
    unit = ctx.unit
    if unit.kind is not SourceKind.ALEMBIC or not unit.source_text:
        return
    try:
        tree = ast.parse(unit.source_text)
    except (SyntaxError, ValueError):
        return
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name == unit.function:
            for inner in ast.walk(node):
                if isinstance(inner, ast.Call):
                    yield inner


def called_name(call: ast.Call) -> str:
    """``sa.Column`` → ``Column``; ``sys.exit`` → ``sys.exit``; ``exit`` → ``exit``."""
    func = call.func
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        owner = func.value.id if isinstance(func.value, ast.Name) else ""
        return f"{owner}.{func.attr}" if owner in {"sys", "os"} else func.attr
    return ""


def anchor(node: ast.expr, index: int = -1) -> Statement:
    """A statement-shaped location at a Python node (for a hit that has no SQL statement)."""
    return Statement(
        node=None,
        text="",
        start=0,
        line=node.lineno,
        column=node.col_offset + 1,
        end_line=node.end_lineno or node.lineno,
        index=index,
        py_line=node.lineno,
    )
