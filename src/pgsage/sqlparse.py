"""Reading statement texts with pglast: which tables a statement touches and how it uses columns.

Made for pg_stat_statements texts, where every constant is a ``$n`` placeholder, and for texts
from logs or files, where the literals are still there. A statement the parser cannot read (a
truncated text, syntax newer than pglast's parser) gives ``None`` and is simply skipped.

What it extracts, per statement:

* the tables referenced (through aliases, schemas, quoted names; CTE names and derived tables are
  not tables);
* every use of a column with an operator — ``data @> $1``, ``data ? 'k'``, ``name ILIKE $1``,
  ``lower(email) LIKE '%' || $1 || '%'``, ``data ->> 'key'``, ``status = 'active'`` — with the
  operand (a literal, a parameter, a concatenation) and whether it is a top-level AND condition of
  its WHERE/ON clause;
* constant equality filters, including the boolean shapes ``is_admin``, ``NOT is_admin``,
  ``is_admin IS FALSE`` (recorded as ``=`` with a boolean literal), and ORDER BY columns.

SELECT, INSERT ... SELECT, UPDATE, DELETE and the query of a DECLARE ... CURSOR (server-side
cursors) are read; other utility statements are of kind ``other``.

A column written without a table name is attributed to every base table in scope, innermost
first; ``resolve`` picks the one that has the column using the catalog. Parses are cached per
query text, so many checks reading the same workload parse each text once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import pglast
from pglast import ast
from pglast.enums.parsenodes import A_Expr_Kind
from pglast.enums.primnodes import BoolExprType, BoolTestType

PARSE_CACHE_SIZE = 8192

# Operators whose left and right operands may be swapped, and what they become.
_COMMUTED = {"=": "=", "<>": "<>", "!=": "<>", "<": ">", ">": "<", "<=": ">=", ">=": "<=",
             "@>": "<@", "<@": "@>", "&&": "&&"}
# Operators that reach into a JSON value: ``data -> 'k'`` is still "a use of data".
JSON_PATH_OPERATORS = frozenset({"->", "->>", "#>", "#>>"})
# Functions that wrap a column and can be matched by an expression index.
_WRAPPERS = frozenset({"lower", "upper"})
LIKE_OPERATORS = {"~~": "LIKE", "~~*": "ILIKE"}


@dataclass(frozen=True, order=True)
class TableRef:
    """A table as written: ``schema`` is None when the text does not qualify it."""

    schema: str | None
    name: str

    def __str__(self) -> str:
        return f"{self.schema}.{self.name}" if self.schema else self.name


@dataclass(frozen=True)
class Operand:
    """The other side of a column's operator.

    kind: ``literal`` (value holds it), ``param`` (``$n``; value is n), ``concat`` (parts holds
    the pieces of an ``a || b || c`` chain, left to right), ``column`` or ``other``.
    """

    kind: str
    value: str | bool | int | float | None = None
    parts: tuple[Operand, ...] = ()

    @property
    def is_constant(self) -> bool:
        """A literal or a parameter: a value fixed for the statement's execution."""
        return self.kind in ("literal", "param")


@dataclass(frozen=True)
class ColumnUse:
    """``column <operator> operand`` somewhere in a statement.

    ``tables`` are the candidate tables: one when the column is qualified, else every base table
    in scope (innermost first). ``wrapper`` says how the column is reached: None for the column
    itself, ``lower``/``upper`` for a function around it, or a JSON path operator (``->``,
    ``->>``...) when the operator applies to ``column -> key``. ``conjunct`` is True when the
    condition is a top-level AND term of a WHERE or JOIN ... ON (every row returned passes it).
    ORDER BY columns are recorded with operator ``order-by``.
    """

    tables: tuple[TableRef, ...]
    column: str
    operator: str
    operand: Operand
    wrapper: str | None = None
    conjunct: bool = False

    @property
    def is_constant_filter(self) -> bool:
        return (self.conjunct and self.operator == "=" and self.wrapper is None
                and self.operand.is_constant)


@dataclass(frozen=True)
class StatementInfo:
    kind: str  # select, insert, update, delete, other
    tables: frozenset[TableRef]
    uses: tuple[ColumnUse, ...]
    has_limit: bool = False  # the top-level SELECT has a LIMIT / FETCH FIRST

    def uses_of(self, *operators: str) -> list[ColumnUse]:
        return [u for u in self.uses if u.operator in operators]


def analyze(query: str) -> StatementInfo | None:
    """What one statement text does; None when it cannot be parsed or holds no statement.

    A text with several statements is read as its first statement (pg_stat_statements records
    each statement of a multi-statement string separately).
    """
    return _analyze_cached(query)


@lru_cache(maxsize=PARSE_CACHE_SIZE)
def _analyze_cached(query: str) -> StatementInfo | None:
    try:
        parsed = pglast.parse_sql(query)
    except (pglast.parser.ParseError, ValueError, RecursionError):
        return None
    if not parsed:
        return None
    root = parsed[0].stmt
    if isinstance(root, ast.DeclareCursorStmt):  # server-side cursors: the query is the workload
        root = root.query
    walker = _Walker()
    walker.statement(root, _Scope(None))
    kind = {ast.SelectStmt: "select", ast.InsertStmt: "insert", ast.UpdateStmt: "update",
            ast.DeleteStmt: "delete"}.get(type(root), "other")
    has_limit = isinstance(root, ast.SelectStmt) and root.limitCount is not None
    return StatementInfo(kind, frozenset(walker.tables), tuple(walker.uses), has_limit)


def expression_columns(expression: str) -> frozenset[str]:
    """Column names an SQL expression (an index key or predicate) refers to; empty if unreadable."""
    try:
        parsed = pglast.parse_sql(f"SELECT {expression}")
    except (pglast.parser.ParseError, ValueError, RecursionError):
        return frozenset()
    return frozenset(fields[-1] for fields in _all_column_fields(parsed))


def _all_column_fields(node: Any) -> Iterator[tuple[str, ...]]:
    if isinstance(node, tuple | list):
        for child in node:
            yield from _all_column_fields(child)
    elif isinstance(node, ast.Node):
        fields = column_fields(node)
        if fields is not None:
            yield fields
            return
        for name in node:
            yield from _all_column_fields(getattr(node, name))


def predicate_filters(predicate: str) -> list[ColumnUse]:
    """The constant equality filters of an index predicate (``NOT is_admin``, ``status = 'x'``)."""
    info = analyze(f"SELECT 1 FROM _t WHERE {predicate}")  # noqa: S608 — parsed, never run
    if info is None:
        return []
    return [u for u in info.uses if u.is_constant_filter]


def like_shape(operand: Operand) -> str:
    """How a LIKE/ILIKE pattern starts.

    ``leading-wildcard``: a literal pattern (or the first literal piece of a concatenation)
    starting with ``%`` or ``_`` — no btree index can serve it. ``anchored``: a literal prefix.
    ``param-concat``: a concatenation that starts with a parameter, the shape pg_stat_statements
    leaves of ``'%' || $1 || '%'``. ``param``: the whole pattern is a parameter (unknown).
    ``other``: anything else.
    """
    first = operand.parts[0] if operand.kind == "concat" and operand.parts else operand
    if first.kind == "literal" and isinstance(first.value, str):
        return "leading-wildcard" if first.value[:1] in ("%", "_") else "anchored"
    if first.kind == "param":
        return "param-concat" if operand.kind == "concat" else "param"
    return "other"


def resolve(use: ColumnUse, has_column: Callable[[TableRef, str], bool]) -> TableRef | None:
    """The candidate table that has the column (the innermost in scope), or None."""
    for table in use.tables:
        if has_column(table, use.column):
            return table
    return None


# -- the walk --------------------------------------------------------------------------------
@dataclass
class _Scope:
    """The FROM items visible at one query level; ``None`` marks a derived table or a CTE."""

    parent: _Scope | None
    items: dict[str, TableRef | None] = field(default_factory=dict)
    ctes: set[str] = field(default_factory=set)

    def is_cte(self, name: str) -> bool:
        scope: _Scope | None = self
        while scope is not None:
            if name in scope.ctes:
                return True
            scope = scope.parent
        return False

    def lookup(self, qualifier: str) -> tuple[bool, TableRef | None]:
        scope: _Scope | None = self
        while scope is not None:
            if qualifier in scope.items:
                return True, scope.items[qualifier]
            scope = scope.parent
        return False, None

    def base_tables(self) -> tuple[TableRef, ...]:
        found: list[TableRef] = []
        scope: _Scope | None = self
        while scope is not None:
            found += [t for t in scope.items.values() if t is not None and t not in found]
            scope = scope.parent
        return tuple(found)


class _Walker:
    def __init__(self) -> None:
        self.tables: set[TableRef] = set()
        self.uses: list[ColumnUse] = []

    # statements -----------------------------------------------------------------------
    def statement(self, node: Any, outer: _Scope) -> None:
        if isinstance(node, ast.SelectStmt):
            self.select(node, outer)
        elif isinstance(node, ast.InsertStmt):
            scope = self.with_clause(node.withClause, outer)
            self.range_var(node.relation, scope)
            if node.selectStmt is not None:
                self.statement(node.selectStmt, scope)
        elif isinstance(node, ast.UpdateStmt | ast.DeleteStmt):
            scope = self.with_clause(node.withClause, outer)
            self.range_var(node.relation, scope)
            extra = node.fromClause if isinstance(node, ast.UpdateStmt) else node.usingClause
            for item in extra or ():
                self.from_item(item, scope)
            if isinstance(node, ast.UpdateStmt):
                self.expr(node.targetList, scope, conjunct=False)
            self.expr(node.whereClause, scope, conjunct=True)
            # RETURNING: returningList before pglast 8, a ReturningClause node since.
            returning = getattr(node, "returningClause", None) or getattr(
                node, "returningList", None)
            self.expr(returning, scope, conjunct=False)
        elif isinstance(node, ast.ExplainStmt | ast.CreateTableAsStmt):
            self.statement(node.query, outer)
        elif isinstance(node, ast.Node):
            self.expr(node, outer, conjunct=False)

    def with_clause(self, with_clause: Any, outer: _Scope) -> _Scope:
        if with_clause is None:
            return outer
        scope = _Scope(outer)
        for cte in with_clause.ctes or ():
            scope.ctes.add(cte.ctename)
        for cte in with_clause.ctes or ():
            self.statement(cte.ctequery, scope)
        return scope

    def select(self, node: ast.SelectStmt, outer: _Scope) -> None:
        base = self.with_clause(node.withClause, outer)
        if node.larg is not None or node.rarg is not None:  # UNION / INTERSECT / EXCEPT
            for arm in (node.larg, node.rarg):
                if arm is not None:
                    self.select(arm, base)
            self.sort(node.sortClause, base)
            return
        scope = _Scope(base)
        for item in node.fromClause or ():
            self.from_item(item, scope)
        for values in node.valuesLists or ():
            self.expr(values, scope, conjunct=False)
        self.expr(node.targetList, scope, conjunct=False)
        self.expr(node.whereClause, scope, conjunct=True)
        self.expr(node.groupClause, scope, conjunct=False)
        self.expr(node.havingClause, scope, conjunct=False)
        self.sort(node.sortClause, scope)
        self.expr(node.limitCount, scope, conjunct=False)
        self.expr(node.limitOffset, scope, conjunct=False)

    def sort(self, clause: Any, scope: _Scope) -> None:
        for item in clause or ():
            if isinstance(item, ast.SortBy):
                target = _column_target(item.node)
                if target is not None:
                    self.record(scope, target, "order-by", Operand("other"), conjunct=False)
                else:
                    self.expr(item.node, scope, conjunct=False)

    def from_item(self, item: Any, scope: _Scope) -> None:
        if isinstance(item, ast.RangeVar):
            self.range_var(item, scope)
        elif isinstance(item, ast.JoinExpr):
            self.from_item(item.larg, scope)
            self.from_item(item.rarg, scope)
            self.expr(item.quals, scope, conjunct=True)
        elif isinstance(item, ast.RangeSubselect):
            # A LATERAL subquery sees the items before it; a plain one sees only outer levels.
            self.statement(item.subquery, scope if item.lateral else _Scope(scope.parent))
            if item.alias is not None and item.alias.aliasname:
                scope.items[item.alias.aliasname] = None
        elif isinstance(item, ast.RangeFunction):
            self.expr(item.functions, scope, conjunct=False)
            if item.alias is not None and item.alias.aliasname:
                scope.items[item.alias.aliasname] = None
        elif isinstance(item, ast.Node):
            self.expr(item, scope, conjunct=False)

    def range_var(self, node: Any, scope: _Scope) -> None:
        if not isinstance(node, ast.RangeVar) or not node.relname:
            return
        name = node.relname
        alias = (node.alias.aliasname if node.alias is not None else None) or name
        if node.schemaname is None and scope.is_cte(name):
            scope.items[alias] = None
            return
        table = TableRef(node.schemaname, name)
        self.tables.add(table)
        scope.items[alias] = table

    # expressions ----------------------------------------------------------------------
    def expr(self, node: Any, scope: _Scope, *, conjunct: bool) -> None:
        if node is None:
            return
        if isinstance(node, tuple | list):
            for child in node:
                self.expr(child, scope, conjunct=False)
            return
        if not isinstance(node, ast.Node):
            return
        if isinstance(node, ast.SelectStmt):
            self.select(node, scope)
            return
        if isinstance(node, ast.BoolExpr):
            self.bool_expr(node, scope, conjunct=conjunct)
            return
        if isinstance(node, ast.A_Expr):
            self.a_expr(node, scope, conjunct=conjunct)
        elif isinstance(node, ast.BooleanTest):
            self.boolean_test(node, scope, conjunct=conjunct)
        elif conjunct:
            target = _column_target(node)
            if target is not None and target[1] is None:  # WHERE is_admin
                self.record(scope, target, "=", Operand("literal", True), conjunct=True)
        for name in node:
            child = getattr(node, name)
            if isinstance(child, ast.Node | tuple | list):
                self.expr(child, scope, conjunct=False)

    def bool_expr(self, node: ast.BoolExpr, scope: _Scope, *, conjunct: bool) -> None:
        args = node.args or ()
        if node.boolop == BoolExprType.AND_EXPR:
            for arg in args:
                self.expr(arg, scope, conjunct=conjunct)
            return
        if node.boolop == BoolExprType.NOT_EXPR and conjunct and len(args) == 1:
            target = _column_target(args[0])
            if target is not None and target[1] is None:  # WHERE NOT is_admin
                self.record(scope, target, "=", Operand("literal", False), conjunct=True)
                return
        for arg in args:
            self.expr(arg, scope, conjunct=False)

    def boolean_test(self, node: ast.BooleanTest, scope: _Scope, *, conjunct: bool) -> None:
        target = _column_target(node.arg)
        value = {BoolTestType.IS_TRUE: True, BoolTestType.IS_FALSE: False}.get(
            BoolTestType(node.booltesttype)) if node.booltesttype is not None else None
        if target is not None and value is not None:
            self.record(scope, target, "=", Operand("literal", value), conjunct=conjunct)

    def a_expr(self, node: ast.A_Expr, scope: _Scope, *, conjunct: bool) -> None:
        operator = operator_name(node.name)
        if operator is None:
            return
        kind = node.kind
        if kind == A_Expr_Kind.AEXPR_OP_ANY and operator == "=":
            operator = "= any"
        elif kind == A_Expr_Kind.AEXPR_IN:
            operator = "in" if operator == "=" else "not in"
        elif kind not in (A_Expr_Kind.AEXPR_OP, A_Expr_Kind.AEXPR_LIKE, A_Expr_Kind.AEXPR_ILIKE):
            return
        left = _column_target(node.lexpr)
        right = _column_target(node.rexpr) if operator in _COMMUTED else None
        if left is not None:
            self.record(scope, left, operator, _operand(node.rexpr), conjunct=conjunct)
        elif right is not None:
            self.record(scope, right, _COMMUTED[operator], _operand(node.lexpr),
                        conjunct=conjunct)

    def record(self, scope: _Scope, target: tuple[tuple[str, ...], str | None], operator: str,
               operand: Operand, *, conjunct: bool) -> None:
        fields, wrapper = target
        column = fields[-1]
        tables: tuple[TableRef, ...]
        if len(fields) == 1:
            tables = scope.base_tables()
        elif len(fields) == 2:
            found, table = scope.lookup(fields[0])
            if found:
                if table is None:
                    return  # a column of a derived table or CTE
                tables = (table,)
            else:
                tables = (TableRef(None, fields[0]),)
        else:
            tables = (TableRef(fields[-3], fields[-2]),)
        if tables:
            self.uses.append(ColumnUse(tables, column, operator, operand, wrapper, conjunct))


# Leaf readers over pglast nodes, shared with the advisor's walk (pgsage.advise.analysis).
def operator_name(name: Any) -> str | None:
    """The operator or function name without its schema (``pg_catalog.=`` → ``=``)."""
    if not name:
        return None
    last = name[-1]
    return last.sval if isinstance(last, ast.String) else None


def column_fields(node: Any) -> tuple[str, ...] | None:
    """The name parts of a column reference (``t.c`` → ``("t", "c")``); None for anything
    else, ``t.*`` included."""
    if not isinstance(node, ast.ColumnRef):
        return None
    parts = []
    for part in node.fields or ():
        if not isinstance(part, ast.String) or part.sval is None:
            return None  # t.* — not a column
        parts.append(part.sval)
    return tuple(parts) if parts else None


def _column_target(node: Any) -> tuple[tuple[str, ...], str | None] | None:
    """(column name parts, wrapper) when ``node`` is a column, possibly cast, lowered, collated
    or reached through a JSON path; None otherwise."""
    while isinstance(node, ast.TypeCast | ast.CollateClause):
        node = node.arg
    fields = column_fields(node)
    if fields is not None:
        return fields, None
    if isinstance(node, ast.FuncCall) and node.args and len(node.args) == 1:
        name = operator_name(node.funcname)
        inner = node.args[0]
        while isinstance(inner, ast.TypeCast | ast.CollateClause):
            inner = inner.arg
        fields = column_fields(inner)
        if name in _WRAPPERS and fields is not None:
            return fields, name
    if isinstance(node, ast.A_Expr) and node.kind == A_Expr_Kind.AEXPR_OP:
        operator = operator_name(node.name)
        if operator in JSON_PATH_OPERATORS:
            inner_target = _column_target(node.lexpr)
            if inner_target is not None:
                return inner_target[0], operator
    return None


def _operand(node: Any) -> Operand:
    while isinstance(node, ast.TypeCast | ast.CollateClause):
        node = node.arg
    if isinstance(node, ast.ParamRef):
        return Operand("param", node.number)
    if isinstance(node, ast.A_Const):
        return Operand("literal", _constant(node))
    if isinstance(node, ast.A_Expr) and node.kind == A_Expr_Kind.AEXPR_OP \
            and operator_name(node.name) == "||":
        return Operand("concat", parts=tuple(_concat_parts(node)))
    if _column_target(node) is not None:
        return Operand("column")
    return Operand("other")


def _concat_parts(node: Any) -> Iterator[Operand]:
    while isinstance(node, ast.TypeCast | ast.CollateClause):
        node = node.arg
    if isinstance(node, ast.A_Expr) and node.kind == A_Expr_Kind.AEXPR_OP \
            and operator_name(node.name) == "||":
        yield from _concat_parts(node.lexpr)
        yield from _concat_parts(node.rexpr)
    else:
        yield _operand(node)


def _constant(node: ast.A_Const) -> str | bool | int | float | None:
    if node.isnull:
        return None
    value = node.val
    if isinstance(value, ast.String):
        return str(value.sval)
    if isinstance(value, ast.Boolean):
        return bool(value.boolval)
    if isinstance(value, ast.Integer) and value.ival is not None:
        return int(value.ival)
    if isinstance(value, ast.Float) and value.fval is not None:
        return float(value.fval)
    if isinstance(value, ast.BitString):
        return str(value.bsval)
    return None
