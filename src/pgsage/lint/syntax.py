"""Small readers over pglast's AST shared by the rules: names, types, constraints, defaults."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pglast import ast
from pglast.enums.parsenodes import AlterTableType, ConstrType
from pglast.enums.primnodes import NullTestType

NAMEDATALEN_BYTES = 63

# Functions whose value a column default can take without a rewrite since PG 11: the default is
# evaluated once when it is not volatile. Anything not listed counts as volatile, because a user
# function's volatility cannot be known without the catalog.
NON_VOLATILE_FUNCTIONS = frozenset(
    {
        "now",
        "transaction_timestamp",
        "statement_timestamp",
        "current_database",
        "current_schema",
        "current_user",
        "session_user",
        "lower",
        "upper",
        "length",
        "abs",
        "coalesce",
        "concat",
        "make_date",
        "make_interval",
        "to_timestamp",
        "to_date",
        "jsonb_build_object",
        "json_build_object",
        "jsonb_build_array",
        "json_build_array",
        "array_fill",
    }
)
# now() takes no arguments; `now(123)` is not the built-in and squawk flags it too.
ZERO_ARG_FUNCTIONS = frozenset(
    {"now", "transaction_timestamp", "statement_timestamp", "current_database", "current_schema"}
)


def relation_name(rangevar: Any) -> str:
    """``schema.name`` or ``name`` as PostgreSQL folds it."""
    if rangevar is None:
        return ""
    if rangevar.schemaname:
        return f"{rangevar.schemaname}.{rangevar.relname}"
    return str(rangevar.relname)


def bare_name(name: str) -> str:
    return name.rsplit(".", 1)[-1]


def type_name(type_node: Any) -> str:
    """The last part of a type's name, lower-case (``pg_catalog.int4`` → ``int4``)."""
    if type_node is None or not type_node.names:
        return ""
    return str(type_node.names[-1].sval).lower()


def type_typmods(type_node: Any) -> tuple[int, ...]:
    mods: list[int] = []
    for mod in type_node.typmods or ():
        value = getattr(mod, "val", None)
        ival = getattr(value, "ival", None)
        if ival is not None:
            mods.append(int(ival))
    return tuple(mods)


def type_label(type_node: Any) -> str:
    """A readable spelling of a type for messages: ``varchar(255)``, ``int4[]``."""
    label = type_name(type_node)
    mods = type_typmods(type_node)
    if mods:
        label += "(" + ", ".join(str(m) for m in mods) + ")"
    if type_node is not None and type_node.arrayBounds:
        label += "[]"
    return label


def string_values(nodes: Any) -> list[str]:
    return [str(n.sval) for n in nodes or () if isinstance(n, ast.String)]


def column_definitions(node: Any) -> Iterator[tuple[Any, str, str]]:
    """Every column definition a statement creates or retypes: (ColumnDef, table, how).

    ``how`` is ``create`` (CREATE TABLE), ``add`` (ADD COLUMN) or ``alter`` (ALTER COLUMN TYPE).
    """
    for column, table, how, _name in named_column_definitions(node):
        yield column, table, how


def named_column_definitions(node: Any) -> Iterator[tuple[Any, str, str, str]]:
    """As column_definitions, with the column's name (ALTER COLUMN TYPE keeps it outside)."""
    if isinstance(node, ast.CreateForeignTableStmt):
        node = node.base
    if isinstance(node, ast.CreateStmt):
        table = relation_name(node.relation)
        for element in node.tableElts or ():
            if isinstance(element, ast.ColumnDef):
                yield element, table, "create", str(element.colname)
    elif isinstance(node, ast.AlterTableStmt):
        table = relation_name(node.relation)
        for cmd in node.cmds or ():
            if cmd.subtype == AlterTableType.AT_AddColumn and isinstance(cmd.def_, ast.ColumnDef):
                yield cmd.def_, table, "add", str(cmd.def_.colname)
            elif cmd.subtype == AlterTableType.AT_AlterColumnType and isinstance(
                cmd.def_, ast.ColumnDef
            ):
                yield cmd.def_, table, "alter", str(cmd.name)


def column_constraints(column: Any, kind: ConstrType) -> list[Any]:
    return [c for c in column.constraints or () if c.contype == kind]


def alter_commands(node: Any, *subtypes: AlterTableType) -> Iterator[Any]:
    if isinstance(node, ast.AlterTableStmt):
        for cmd in node.cmds or ():
            if not subtypes or cmd.subtype in subtypes:
                yield cmd


def added_constraints(node: Any) -> Iterator[Any]:
    """The constraints an ALTER TABLE adds: by ADD CONSTRAINT, or inline on a column it adds
    (``ADD COLUMN id serial PRIMARY KEY``), which locks and builds the same."""
    for cmd in alter_commands(node, AlterTableType.AT_AddConstraint, AlterTableType.AT_AddColumn):
        if cmd.subtype == AlterTableType.AT_AddConstraint:
            yield cmd.def_
        else:
            yield from cmd.def_.constraints or ()


def function_name(call: Any) -> str:
    return str(call.funcname[-1].sval).lower() if call.funcname else ""


def is_constant_expression(expr: Any) -> bool:
    """True when a default is evaluated once (no volatile function), so adding it is cheap."""
    if expr is None or isinstance(expr, ast.A_Const | ast.SQLValueFunction | ast.ParamRef):
        return True
    if isinstance(expr, ast.TypeCast):
        return is_constant_expression(expr.arg)
    if isinstance(expr, ast.A_ArrayExpr):
        return all(is_constant_expression(e) for e in expr.elements or ())
    if isinstance(expr, ast.A_Expr):
        return is_constant_expression(expr.lexpr) and is_constant_expression(expr.rexpr)
    if isinstance(expr, ast.BoolExpr):
        return all(is_constant_expression(a) for a in expr.args or ())
    if isinstance(expr, ast.CoalesceExpr | ast.MinMaxExpr):
        return all(is_constant_expression(a) for a in expr.args or ())
    if isinstance(expr, ast.FuncCall):
        name = function_name(expr)
        if name not in NON_VOLATILE_FUNCTIONS:
            return False
        if name in ZERO_ARG_FUNCTIONS and expr.args:
            return False
        return all(is_constant_expression(a) for a in expr.args or ())
    return False


def not_null_check_column(constraint: Any) -> str | None:
    """``CHECK (col IS NOT NULL)`` → ``col``; anything else → None."""
    expr = getattr(constraint, "raw_expr", None)
    if isinstance(expr, ast.NullTest) and expr.nulltesttype == NullTestType.IS_NOT_NULL:
        arg = expr.arg
        if isinstance(arg, ast.ColumnRef) and arg.fields:
            last = arg.fields[-1]
            if isinstance(last, ast.String):
                return str(last.sval)
    return None
