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
first; ``resolve`` picks the one that has the column using the catalog. A ``StatementParser``
keeps what it parsed, for one run (an audit's AuditContext holds one), so many checks reading
the same workload parse each text once, and may start with what an earlier run read (a process
that audits again and again); ``analyze`` parses afresh.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache, lru_cache
from typing import Any

import pglast
from pglast import ast

# Operators whose left and right operands may be swapped, and what they become.
_COMMUTED = {
    "=": "=",
    "<>": "<>",
    "!=": "<>",
    "<": ">",
    ">": "<",
    "<=": ">=",
    ">=": "<=",
    "@>": "<@",
    "<@": "@>",
    "&&": "&&",
}
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
        return (
            self.conjunct
            and self.operator == "="
            and self.wrapper is None
            and self.operand.is_constant
        )


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
    return StatementParser().analyze(query)


class StatementParser:
    """``analyze`` that keeps what it read: each text parsed once, and statements that differ
    only in their table names walked once (see ``_template``). For one run; its memory grows
    with the texts it is given (a workload is at most a few thousand statements). Safe to
    share between threads: two that read the same text at once both get the same answer.
    """

    def __init__(self, known: Mapping[str, StatementInfo | None] | None = None) -> None:
        # ``known``: texts an earlier parser read (what a text says depends on the text
        # alone, and a StatementInfo is immutable, so they cannot go stale).
        self._texts: dict[str, StatementInfo | None] = dict(known or {})
        self._templates: dict[str, StatementInfo | None] = {}

    def analyze(self, query: str) -> StatementInfo | None:
        """``analyze(query)``, parsed once per text."""
        try:
            return self._texts[query]
        except KeyError:
            info = self._texts[query] = self._parse(query)
            return info

    def analyze_all(self, queries: Iterable[str]) -> None:
        """Read these texts now (ahead of the checks that will ask for them)."""
        for query in queries:
            self.analyze(query)

    def known(self, queries: Iterable[str]) -> dict[str, StatementInfo | None]:
        """What these texts say, for a later parser to start with (``StatementParser(known)``)."""
        return {query: self.analyze(query) for query in queries}

    def _parse(self, query: str) -> StatementInfo | None:
        # The walk reads libpg_query's JSON tree rather than pglast's AST objects: building
        # those objects (every attribute validated in Python) costs about five times the parse
        # itself, which matters for the thousands of pg_stat_statements texts of a big database.
        try:
            tree = pglast.parser.parse_sql_json(query)
        except (pglast.parser.ParseError, ValueError):
            return None
        templated = _template(tree)
        if templated is None:
            return _analyze_tree(tree)
        template, names = templated
        try:
            info = self._templates[template]
        except KeyError:
            info = self._templates[template] = _analyze_tree(template)
        return _renamed(info, names) if info is not None else None


# Statements that differ only in their table names (a tool reading each of 10,000 sequences,
# the same query on every tenant's schema) are read once. A name is replaced by a placeholder
# only when it occurs nowhere else in the tree: then the walk, which never compares a table
# name with anything but other names in the tree (aliases, CTE names, column qualifiers), does
# the same on the template, and renaming its result gives exactly what the text gives.
_NAME_KEYS = ('"relname":', '"schemaname":')
_LOCATION = re.compile(r',"location":-?\d+')


def _template(tree: str) -> tuple[str, dict[str, str]] | None:
    """The tree without positions and with table and schema names replaced by placeholders,
    and the names by placeholder; None when a name occurs elsewhere in the tree (as a column
    qualifier, a CTE name, a literal...) or is written with JSON escapes."""
    found: dict[str, int] = {}  # each name as a JSON string, quotes included: occurrences
    for key in _NAME_KEYS:  # str.find, not a regex: this runs for every statement text
        at = tree.find(key)
        while at != -1:
            begin = at + len(key)
            end = tree.find('"', begin + 1) + 1
            token = tree[begin:end]
            if tree[begin] != '"' or "\\" in token:
                return None
            found[token] = found.get(token, 0) + 1
            at = tree.find(key, end)
    template = _LOCATION.sub("", tree)
    names: dict[str, str] = {}
    for token, count in found.items():
        if tree.count(token) != count:
            return None
        # PostgreSQL text cannot hold NUL, so no name in a tree contains one.
        names[f"\x00{len(names)}"] = token[1:-1]
        template = template.replace(token, f'"\\u0000{len(names) - 1}"')
    return template, names


def _renamed(info: StatementInfo, names: dict[str, str]) -> StatementInfo:
    """A template's StatementInfo with the placeholders replaced by the statement's names."""

    def ref(table: TableRef) -> TableRef:
        schema = names.get(table.schema, table.schema) if table.schema is not None else None
        return TableRef(schema, names.get(table.name, table.name))

    uses = tuple(
        ColumnUse(
            tuple(ref(t) for t in u.tables), u.column, u.operator, u.operand, u.wrapper, u.conjunct
        )
        for u in info.uses
    )
    return StatementInfo(info.kind, frozenset(ref(t) for t in info.tables), uses, info.has_limit)


def _analyze_tree(tree: str) -> StatementInfo | None:
    """What the first statement of a JSON parse tree does (``analyze``)."""
    try:
        statements = json.loads(tree).get("stmts")
    except (ValueError, RecursionError):
        return None
    if not statements:
        return None
    kind, root = _unwrap(statements[0].get("stmt"))
    if kind == "DeclareCursorStmt":  # server-side cursors: the query is the workload
        kind, root = _unwrap(root.get("query"))
    walker = _Walker()
    try:
        walker.statement(kind, root, _Scope(None))
    except RecursionError:  # nested deeper than Python's stack allows: unreadable too
        return None
    statement_kind = {
        "SelectStmt": "select",
        "InsertStmt": "insert",
        "UpdateStmt": "update",
        "DeleteStmt": "delete",
    }.get(kind, "other")
    has_limit = kind == "SelectStmt" and root.get("limitCount") is not None
    return StatementInfo(statement_kind, frozenset(walker.tables), tuple(walker.uses), has_limit)


# Index keys and predicates are parsed by checks on every audit of a long-running process
# (pgsage mcp, the web app): what a text says depends on the text alone.
@lru_cache(maxsize=4096)
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
    return list(_predicate_filters(predicate))


@lru_cache(maxsize=4096)
def _predicate_filters(predicate: str) -> tuple[ColumnUse, ...]:
    info = analyze(f"SELECT 1 FROM _t WHERE {predicate}")  # noqa: S608 — parsed, never run
    if info is None:
        return ()
    return tuple(u for u in info.uses if u.is_constant_filter)


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


# A node of libpg_query's JSON tree is the dict of its fields; where the grammar allows any node
# type (a ``Node*`` or a list item) the tree wraps it as ``{"TypeName": {fields}}``, and a field
# of one fixed type (``RangeVar* relation``) holds the bare fields. Fields at their default
# (NULL, false, 0) are left out, so every read goes through ``.get``.
Fields = dict[str, Any]

_NO_NODE: tuple[str, Fields] = ("", {})
# Nodes with nothing below them that the walk looks for (no operator, subquery or condition):
# skipped unless they stand as a condition themselves (``WHERE is_admin``). Most of a
# statement's nodes are these.
_LEAVES = frozenset(
    {
        "String",
        "Integer",
        "Float",
        "Boolean",
        "BitString",
        "A_Const",
        "ParamRef",
        "A_Star",
        "ColumnRef",
        "SQLValueFunction",
    }
)


def _unwrap(value: Any) -> tuple[str, Fields]:
    """(type name, fields) of a wrapped node; ("", {}) for NULL (an empty dict in a list)."""
    if isinstance(value, dict):
        for kind, fields in value.items():
            if isinstance(fields, dict):
                return kind, fields
    return _NO_NODE


@cache
def _child_fields(kind: str) -> tuple[tuple[str, str | None], ...]:
    """The fields of a node type that can hold nodes, in the order of pglast's AST attributes
    (the order uses are found in, as when the walk read the AST), each with its fixed type or
    None when wrapped."""
    cls = getattr(ast, kind, None)
    slots = getattr(cls, "__slots__", None)
    if not isinstance(cls, type) or not issubclass(cls, ast.Node) or not isinstance(slots, dict):
        return (("items", None),)  # List, IntList, OidList: {"items": [...]}
    found: list[tuple[str, str | None]] = []
    for name, info in slots.items():
        c_type = str(getattr(info, "c_type", info))  # a plain string in older pglast
        base = c_type.removesuffix("*")
        if c_type in ("Node*", "List*", "Expr*"):
            found.append((name, None))
        elif (
            base != "ValUnion"
            and isinstance(getattr(ast, base, None), type)
            and issubclass(getattr(ast, base), ast.Node)
        ):
            found.append((name, base))
    return tuple(found)


class _Walker:
    def __init__(self) -> None:
        self.tables: set[TableRef] = set()
        self.uses: list[ColumnUse] = []

    # statements -----------------------------------------------------------------------
    def statement(self, kind: str, node: Fields, outer: _Scope) -> None:
        if kind == "SelectStmt":
            self.select(node, outer)
        elif kind == "InsertStmt":
            scope = self.with_clause(node.get("withClause"), outer)
            self.range_var(node.get("relation"), scope)
            if node.get("selectStmt") is not None:
                self.statement(*_unwrap(node["selectStmt"]), scope)
        elif kind in ("UpdateStmt", "DeleteStmt"):
            scope = self.with_clause(node.get("withClause"), outer)
            self.range_var(node.get("relation"), scope)
            extra = node.get("fromClause" if kind == "UpdateStmt" else "usingClause")
            for item in extra or ():
                self.from_item(*_unwrap(item), scope)
            if kind == "UpdateStmt":
                self.expr(node.get("targetList"), scope, conjunct=False)
            self.expr(node.get("whereClause"), scope, conjunct=True)
            # RETURNING: a returningList before PostgreSQL 18, a ReturningClause since.
            if node.get("returningClause") is not None:
                self.node("ReturningClause", node["returningClause"], scope, conjunct=False)
            else:
                self.expr(node.get("returningList"), scope, conjunct=False)
        elif kind in ("ExplainStmt", "CreateTableAsStmt"):
            self.statement(*_unwrap(node.get("query")), outer)
        elif kind:
            self.node(kind, node, outer, conjunct=False)

    def with_clause(self, with_clause: Fields | None, outer: _Scope) -> _Scope:
        if with_clause is None:
            return outer
        scope = _Scope(outer)
        ctes = [_unwrap(cte)[1] for cte in with_clause.get("ctes") or ()]
        for cte in ctes:
            scope.ctes.add(cte.get("ctename", ""))
        for cte in ctes:
            self.statement(*_unwrap(cte.get("ctequery")), scope)
        return scope

    def select(self, node: Fields, outer: _Scope) -> None:
        base = self.with_clause(node.get("withClause"), outer)
        if node.get("larg") is not None or node.get("rarg") is not None:  # UNION / INTERSECT...
            for arm in (node.get("larg"), node.get("rarg")):
                if arm is not None:
                    self.select(arm, base)
            self.sort(node.get("sortClause"), base)
            return
        scope = _Scope(base)
        for item in node.get("fromClause") or ():
            self.from_item(*_unwrap(item), scope)
        for values in node.get("valuesLists") or ():
            self.expr(values, scope, conjunct=False)
        self.expr(node.get("targetList"), scope, conjunct=False)
        self.expr(node.get("whereClause"), scope, conjunct=True)
        self.expr(node.get("groupClause"), scope, conjunct=False)
        self.expr(node.get("havingClause"), scope, conjunct=False)
        self.sort(node.get("sortClause"), scope)
        self.expr(node.get("limitCount"), scope, conjunct=False)
        self.expr(node.get("limitOffset"), scope, conjunct=False)

    def sort(self, clause: list[Any] | None, scope: _Scope) -> None:
        for item in clause or ():
            kind, sort_by = _unwrap(item)
            if kind == "SortBy":
                target = _column_target(sort_by.get("node"))
                if target is not None:
                    self.record(scope, target, "order-by", Operand("other"), conjunct=False)
                else:
                    self.expr(sort_by.get("node"), scope, conjunct=False)

    def from_item(self, kind: str, item: Fields, scope: _Scope) -> None:
        if kind == "RangeVar":
            self.range_var(item, scope)
        elif kind == "JoinExpr":
            self.from_item(*_unwrap(item.get("larg")), scope)
            self.from_item(*_unwrap(item.get("rarg")), scope)
            self.expr(item.get("quals"), scope, conjunct=True)
        elif kind == "RangeSubselect":
            # A LATERAL subquery sees the items before it; a plain one sees only outer levels.
            self.statement(
                *_unwrap(item.get("subquery")),
                scope if item.get("lateral") else _Scope(scope.parent),
            )
            if (item.get("alias") or {}).get("aliasname"):
                scope.items[item["alias"]["aliasname"]] = None
        elif kind == "RangeFunction":
            self.expr(item.get("functions"), scope, conjunct=False)
            if (item.get("alias") or {}).get("aliasname"):
                scope.items[item["alias"]["aliasname"]] = None
        elif kind:
            self.node(kind, item, scope, conjunct=False)

    def range_var(self, node: Fields | None, scope: _Scope) -> None:
        if not node or not node.get("relname"):
            return
        name: str = node["relname"]
        schema: str | None = node.get("schemaname")
        alias = (node.get("alias") or {}).get("aliasname") or name
        if schema is None and scope.is_cte(name):
            scope.items[alias] = None
            return
        table = TableRef(schema, name)
        self.tables.add(table)
        scope.items[alias] = table

    # expressions ----------------------------------------------------------------------
    def expr(self, value: Any, scope: _Scope, *, conjunct: bool) -> None:
        """A value where any node may stand: a wrapped node, a list of them, or NULL."""
        # The hottest code of the walk: the node wrappers are opened inline, not by _unwrap.
        if isinstance(value, dict):
            for kind, fields in value.items():
                if conjunct or kind not in _LEAVES:
                    self.node(kind, fields, scope, conjunct=conjunct)
        elif isinstance(value, list):
            for child in value:  # wrapped nodes; {} for a NULL item
                if isinstance(child, dict):
                    for kind, fields in child.items():
                        if kind not in _LEAVES:
                            self.node(kind, fields, scope, conjunct=False)

    def node(self, kind: str, node: Fields, scope: _Scope, *, conjunct: bool) -> None:
        if kind == "SelectStmt":
            self.select(node, scope)
            return
        if kind == "BoolExpr":
            self.bool_expr(node, scope, conjunct=conjunct)
            return
        if kind == "A_Expr":
            self.a_expr(node, scope, conjunct=conjunct)
        elif kind == "BooleanTest":
            self.boolean_test(node, scope, conjunct=conjunct)
        elif conjunct:
            target = _column_target({kind: node})
            if target is not None and target[1] is None:  # WHERE is_admin
                self.record(scope, target, "=", Operand("literal", True), conjunct=True)
        for name, typed in _child_fields(kind):
            child = node.get(name)
            if child is None:
                continue
            if typed is None:
                self.expr(child, scope, conjunct=False)
            elif isinstance(child, dict):
                self.node(typed, child, scope, conjunct=False)

    def bool_expr(self, node: Fields, scope: _Scope, *, conjunct: bool) -> None:
        args: list[Any] = node.get("args") or []
        boolop = node.get("boolop", "AND_EXPR")
        if boolop == "AND_EXPR":
            for arg in args:
                self.expr(arg, scope, conjunct=conjunct)
            return
        if boolop == "NOT_EXPR" and conjunct and len(args) == 1:
            target = _column_target(args[0])
            if target is not None and target[1] is None:  # WHERE NOT is_admin
                self.record(scope, target, "=", Operand("literal", False), conjunct=True)
                return
        for arg in args:
            self.expr(arg, scope, conjunct=False)

    def boolean_test(self, node: Fields, scope: _Scope, *, conjunct: bool) -> None:
        target = _column_target(node.get("arg"))
        value = {"IS_TRUE": True, "IS_FALSE": False}.get(node.get("booltesttype", "IS_TRUE"))
        if target is not None and value is not None:
            self.record(scope, target, "=", Operand("literal", value), conjunct=conjunct)

    def a_expr(self, node: Fields, scope: _Scope, *, conjunct: bool) -> None:
        operator = _operator_name(node.get("name"))
        if operator is None:
            return
        kind = node.get("kind", "AEXPR_OP")
        if kind == "AEXPR_OP_ANY" and operator == "=":
            operator = "= any"
        elif kind == "AEXPR_IN":
            operator = "in" if operator == "=" else "not in"
        elif kind not in ("AEXPR_OP", "AEXPR_LIKE", "AEXPR_ILIKE"):
            return
        left = _column_target(node.get("lexpr"))
        right = _column_target(node.get("rexpr")) if operator in _COMMUTED else None
        if left is not None:
            self.record(scope, left, operator, _operand(node.get("rexpr")), conjunct=conjunct)
        elif right is not None:
            self.record(
                scope, right, _COMMUTED[operator], _operand(node.get("lexpr")), conjunct=conjunct
            )

    def record(
        self,
        scope: _Scope,
        target: tuple[tuple[str, ...], str | None],
        operator: str,
        operand: Operand,
        *,
        conjunct: bool,
    ) -> None:
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


# The same readers over the JSON tree, for the walk above.
def _operator_name(name: list[Any] | None) -> str | None:
    if not name:
        return None
    kind, last = _unwrap(name[-1])
    return last.get("sval") if kind == "String" else None


def _column_fields(value: Any) -> tuple[str, ...] | None:
    kind, node = _unwrap(value)
    if kind != "ColumnRef":
        return None
    parts = []
    for part in node.get("fields") or ():
        part_kind, string = _unwrap(part)
        if part_kind != "String" or string.get("sval") is None:
            return None  # t.* — not a column
        parts.append(string["sval"])
    return tuple(parts) if parts else None


def _strip_casts(value: Any) -> Any:
    kind, node = _unwrap(value)
    while kind in ("TypeCast", "CollateClause"):
        value = node.get("arg")
        kind, node = _unwrap(value)
    return value


def _column_target(value: Any) -> tuple[tuple[str, ...], str | None] | None:
    """(column name parts, wrapper) when ``value`` is a column, possibly cast, lowered, collated
    or reached through a JSON path; None otherwise."""
    value = _strip_casts(value)
    fields = _column_fields(value)
    if fields is not None:
        return fields, None
    kind, node = _unwrap(value)
    args = node.get("args")
    if kind == "FuncCall" and args and len(args) == 1:
        name = _operator_name(node.get("funcname"))
        fields = _column_fields(_strip_casts(args[0]))
        if name in _WRAPPERS and fields is not None:
            return fields, name
    if kind == "A_Expr" and node.get("kind", "AEXPR_OP") == "AEXPR_OP":
        operator = _operator_name(node.get("name"))
        if operator in JSON_PATH_OPERATORS:
            inner_target = _column_target(node.get("lexpr"))
            if inner_target is not None:
                return inner_target[0], operator
    return None


def _is_concat(kind: str, node: Fields) -> bool:
    return (
        kind == "A_Expr"
        and node.get("kind", "AEXPR_OP") == "AEXPR_OP"
        and _operator_name(node.get("name")) == "||"
    )


def _operand(value: Any) -> Operand:
    value = _strip_casts(value)
    kind, node = _unwrap(value)
    if kind == "ParamRef":
        return Operand("param", node.get("number", 0))
    if kind == "A_Const":
        return Operand("literal", _constant(node))
    if _is_concat(kind, node):
        return Operand("concat", parts=tuple(_concat_parts(value)))
    if _column_target(value) is not None:
        return Operand("column")
    return Operand("other")


def _concat_parts(value: Any) -> Iterator[Operand]:
    value = _strip_casts(value)
    kind, node = _unwrap(value)
    if _is_concat(kind, node):
        yield from _concat_parts(node.get("lexpr"))
        yield from _concat_parts(node.get("rexpr"))
    else:
        yield _operand(value)


def _constant(node: Fields) -> str | bool | int | float | None:
    """An A_Const's value: its fields hold one of sval, boolval, ival, fval, bsval, each a
    dict whose own field is left out at its default (0, false)."""
    if node.get("isnull"):
        return None
    if "sval" in node:
        return str(node["sval"].get("sval"))
    if "boolval" in node:
        return bool(node["boolval"].get("boolval", False))
    if "ival" in node:
        return int(node["ival"].get("ival", 0))
    if "fval" in node and node["fval"].get("fval") is not None:
        return float(node["fval"]["fval"])
    if "bsval" in node:
        return str(node["bsval"].get("bsval"))
    return None
