"""What a statement asks of each table it reads, resolved against the catalog.

A pglast walk, one query level at a time. Every FROM item of a level is either a base table
(an *access*: one per occurrence, so a self-join gives two) or a derived relation — a view, a
CTE, a subquery — whose output columns map back to base columns where they are plain column
references, so a filter on a view column lands on the table under it. Views are read from
their definition (``pg_get_viewdef``); a partitioned parent is an ordinary access (its index
is created on the parent). Unqualified columns are resolved innermost level first, through
the catalog's column lists, exactly as the server would.

Collected per access: equality (``=``, ``IS NULL``, boolean tests), ``IN``/``= ANY``, ranges
(``<``, ``BETWEEN``...), ``LIKE``/``ILIKE`` patterns, JSONB and array operators, join keys,
the ORDER BY when it sorts by that table alone (with its LIMIT), GROUP BY, every column read
(for covering indexes) and, for UPDATE, the columns written. Conditions with a literal keep
their SQL text: they are what a partial index's WHERE can say.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol

import pglast
from pglast import ast
from pglast.enums.parsenodes import A_Expr_Kind, SortByDir, SortByNulls
from pglast.enums.primnodes import BoolExprType, BoolTestType, NullTestType, SubLinkType
from pglast.stream import RawStream

from pgsage.advise.catalog import RelInfo
from pgsage.advise.model import Key, Predicate, QueryShape, RelName, SortKey, TableAccess
from pgsage.sql.analysis import TableRef, column_fields, operator_name

MAX_VIEW_DEPTH = 8
RANGE_OPERATORS = frozenset({"<", ">", "<=", ">="})
CONTAINMENT_OPERATORS = frozenset({"@>", "<@", "&&", "?", "?|", "?&"})
DISTANCE_OPERATORS = frozenset({"<->", "<=>", "<#>", "<+>"})
LIKE_OPERATORS = frozenset({"~~", "~~*"})
SYSTEM_SCHEMAS = frozenset({"pg_catalog", "information_schema", "pg_toast"})


class CatalogLike(Protocol):
    def lookup(self, ref: TableRef) -> RelInfo | None: ...


Parsed = tuple[ast.RawStmt, ...]


def parse(text: str) -> Parsed | None:
    """``text`` parsed (what :func:`analyze_query` takes); None when it cannot be."""
    try:
        return tuple(pglast.parse_sql(text))
    except (pglast.parser.ParseError, ValueError, RecursionError):
        return None


def relation_names(parsed: Parsed) -> list[TableRef]:
    """Every relation name the first statement mentions, as written (a CTE's name too: looking
    it up finds nothing or a table it hides, which only costs a lookup)."""
    if not parsed:
        return []
    return [
        TableRef(node.schemaname, str(node.relname))
        for node in _nodes(parsed[0].stmt)
        if isinstance(node, ast.RangeVar)
    ]


def cte_names(parsed: Parsed) -> set[str]:
    """The names the statements' WITH clauses define."""
    return {
        str(node.ctename)
        for node in _nodes(parsed)
        if isinstance(node, ast.CommonTableExpr) and node.ctename
    }


def analyze_query(
    text: str, catalog: CatalogLike, parsed: Parsed | None = None
) -> QueryShape | None:
    """The shape of the first statement of ``text`` (``parsed``: its :func:`parse`, when the
    caller has it); None when it cannot be parsed."""
    if parsed is None:
        parsed = parse(text)
    if not parsed:
        return None
    root = parsed[0].stmt
    if isinstance(root, ast.DeclareCursorStmt):
        root = root.query
    walker = _Walker(catalog)
    walker.statement(root, None)
    kind = {
        ast.SelectStmt: "select",
        ast.InsertStmt: "insert",
        ast.UpdateStmt: "update",
        ast.DeleteStmt: "delete",
    }.get(type(root), "other")
    if walker.system and not walker.accesses:
        kind = "other"  # catalog queries (monitoring tools, pgsage itself) are not index work
    accesses = tuple(acc.freeze() for acc in walker.accesses)
    unique: list[TableAccess] = []
    for access in accesses:
        if access not in unique:
            unique.append(access)
    return QueryShape(
        kind=kind,
        accesses=tuple(unique),
        tables=frozenset(a.table for a in unique),
        params=frozenset(walker.params),
        param_columns=tuple(sorted(set(walker.param_columns))),
        missing=tuple(sorted(walker.missing)),
    )


def parameter_numbers(text: str) -> frozenset[int]:
    """The ``$n`` placeholders of a statement (empty when it cannot be parsed)."""
    try:
        parsed = pglast.parse_sql(text)
    except (pglast.parser.ParseError, ValueError, RecursionError):
        return frozenset()
    return frozenset(int(n.number or 0) for n in _nodes(parsed) if isinstance(n, ast.ParamRef))


# -- accumulators ----------------------------------------------------------------------------
@dataclass(eq=False)  # identity: one per occurrence of a table
class _Access:
    rel: RelInfo
    predicates: list[Predicate] = field(default_factory=list)
    sort: list[SortKey] = field(default_factory=list)
    has_limit: bool = False
    group: list[Key] = field(default_factory=list)
    columns: set[str] = field(default_factory=set)
    written: set[str] | None = None

    def freeze(self) -> TableAccess:
        return TableAccess(
            table=self.rel.name,
            predicates=tuple(dict.fromkeys(self.predicates)),
            sort=tuple(self.sort),
            has_limit=self.has_limit,
            group=tuple(dict.fromkeys(self.group)),
            columns=frozenset(self.columns),
            written_columns=frozenset(self.written) if self.written is not None else None,
        )


_Target = tuple[_Access, str]  # (access, column)


@dataclass
class _Derived:
    """A view, CTE or subquery: output column name → the base column it is, if plain."""

    columns: dict[str, _Target | None]


_Item = _Access | _Derived


@dataclass
class _Scope:
    parent: _Scope | None
    items: dict[str, _Item] = field(default_factory=dict)
    ctes: dict[str, _Derived] = field(default_factory=dict)
    aliases: dict[str, Any] = field(default_factory=dict)  # SELECT-list aliases → expression

    def cte(self, name: str) -> _Derived | None:
        scope: _Scope | None = self
        while scope is not None:
            if name in scope.ctes:
                return scope.ctes[name]
            scope = scope.parent
        return None

    def levels(self) -> Iterator[_Scope]:
        scope: _Scope | None = self
        while scope is not None:
            yield scope
            scope = scope.parent


class _Walker:
    def __init__(self, catalog: CatalogLike, depth: int = 0) -> None:
        self.catalog = catalog
        self.depth = depth
        self.accesses: list[_Access] = []
        self.params: set[int] = set()
        self.param_columns: set[tuple[int, RelName, str, str]] = set()
        self.system = False  # read a system catalog
        self.missing: set[str] = set()  # relations the catalog does not know

    # -- statements ------------------------------------------------------------------------
    def statement(self, node: Any, parent: _Scope | None) -> dict[str, _Target | None]:
        if isinstance(node, ast.SelectStmt):
            return self.select(node, parent)
        if isinstance(node, ast.InsertStmt):
            scope = self.with_clause(node.withClause, parent)
            access = self.base(node.relation, scope)
            if access is not None:
                access.written = set(access.rel.columns)
            if node.selectStmt is not None:
                self.statement(node.selectStmt, scope)
            if scope is not None:
                self.walk(getattr(node, "returningList", None), scope)
        elif isinstance(node, ast.UpdateStmt | ast.DeleteStmt):
            scope = _Scope(self.with_clause(node.withClause, parent))
            access = self.base(node.relation, scope)
            extra = node.fromClause if isinstance(node, ast.UpdateStmt) else node.usingClause
            for item in extra or ():
                self.from_item(item, scope)
            if isinstance(node, ast.UpdateStmt):
                if access is not None:
                    access.written = {
                        t.name
                        for t in node.targetList or ()
                        if isinstance(t, ast.ResTarget) and t.name
                    }
                for target in node.targetList or ():
                    self.walk(target.val, scope)
            self.condition(node.whereClause, scope, conjunct=True)
            self.walk(getattr(node, "returningList", None), scope)
        elif isinstance(node, ast.CreateTableAsStmt):
            return self.statement(node.query, parent)
        return {}

    def with_clause(self, clause: Any, parent: _Scope | None) -> _Scope | None:
        if clause is None:
            return parent
        scope = _Scope(parent)
        for cte in clause.ctes or ():
            scope.ctes[cte.ctename] = _Derived({})  # visible to itself (WITH RECURSIVE)
        for cte in clause.ctes or ():
            outputs = self.statement(cte.ctequery, scope)
            names = [c.sval for c in cte.aliascolnames or ()]
            scope.ctes[cte.ctename] = _Derived(_rename(outputs, names))
        return scope

    def select(self, node: ast.SelectStmt, parent: _Scope | None) -> dict[str, _Target | None]:
        base = self.with_clause(node.withClause, parent)
        if node.larg is not None or node.rarg is not None:  # UNION / INTERSECT / EXCEPT
            outputs: dict[str, _Target | None] = {}
            for arm in (node.larg, node.rarg):
                if arm is not None:
                    found = self.select(arm, base)
                    outputs = outputs or {name: None for name in found}
            return outputs
        scope = _Scope(base)
        for item in node.fromClause or ():
            self.from_item(item, scope)
        for values in node.valuesLists or ():
            self.walk(values, scope)
        outputs = {}
        for target in node.targetList or ():
            if not isinstance(target, ast.ResTarget):
                continue
            self.walk(target.val, scope)
            if target.name:
                scope.aliases[target.name] = target.val
            outputs.update(self.outputs_of(target, scope))
        self.condition(node.whereClause, scope, conjunct=True)
        self.group_by(node, scope)
        self.condition(node.havingClause, scope, conjunct=False)
        self.order_by(node, scope)
        self.walk(node.limitCount, scope)
        self.walk(node.limitOffset, scope)
        return outputs

    def outputs_of(self, target: ast.ResTarget, scope: _Scope) -> dict[str, _Target | None]:
        value = target.val
        if (
            isinstance(value, ast.ColumnRef)
            and value.fields
            and isinstance(value.fields[-1], ast.A_Star)
        ):
            return self.star(value, scope)
        fields = column_fields(value)
        if fields is not None:
            return {target.name or fields[-1]: self.resolve(fields, scope)}
        return {target.name: None} if target.name else {}

    def star(self, ref: ast.ColumnRef, scope: _Scope) -> dict[str, _Target | None]:
        qualifier = [str(f.sval) for f in (ref.fields or ())[:-1] if isinstance(f, ast.String)]
        items = (
            [scope.items[qualifier[-1]]]
            if qualifier and qualifier[-1] in scope.items
            else list(scope.items.values())
        )
        found: dict[str, _Target | None] = {}
        for item in items:
            if isinstance(item, _Access):
                for column in item.rel.columns:
                    item.columns.add(column)
                    found.setdefault(column, (item, column))
            else:
                for column, target in item.columns.items():
                    found.setdefault(column, target)
        return found

    def group_by(self, node: ast.SelectStmt, scope: _Scope) -> None:
        for item in node.groupClause or ():
            expr = self.positional(item, node, scope)
            self.walk(expr, scope)
            found = self.key_of(expr, scope)
            if found is not None:
                found[0].group.append(found[1])

    def order_by(self, node: ast.SelectStmt, scope: _Scope) -> None:
        keys: list[tuple[_Access, SortKey]] = []
        sortable = True
        for item in node.sortClause or ():
            if not isinstance(item, ast.SortBy):
                continue
            expr = self.positional(item.node, node, scope)
            self.walk(expr, scope)
            descending = item.sortby_dir == SortByDir.SORTBY_DESC
            distance = self.distance_of(expr, scope)
            if distance is not None:
                keys.append((distance[0], SortKey(distance[1], operator=distance[2])))
                continue
            found = self.key_of(expr, scope)
            if found is None:
                sortable = False
                continue
            nulls_first = (
                None
                if item.sortby_nulls in (None, SortByNulls.SORTBY_NULLS_DEFAULT)
                else item.sortby_nulls == SortByNulls.SORTBY_NULLS_FIRST
            )
            keys.append((found[0], SortKey(found[1], descending, nulls_first=nulls_first)))
        owners = {id(access) for access, _ in keys}
        if keys and sortable and len(owners) == 1:
            access = keys[0][0]
            access.sort = [key for _, key in keys]
            access.has_limit = node.limitCount is not None

    def positional(self, expr: Any, node: ast.SelectStmt, scope: _Scope | None = None) -> Any:
        """``ORDER BY 2`` / ``GROUP BY 1`` and SELECT-list aliases, as the expression; a
        position counts the columns a ``*`` stands for (in the FROM list's order)."""
        if isinstance(expr, ast.A_Const) and isinstance(expr.val, ast.Integer):
            targets = self.expanded_targets(node, scope)
            position = int(expr.val.ival or 0)
            if 1 <= position <= len(targets):
                return targets[position - 1]
        fields = column_fields(expr)
        if fields is not None and len(fields) == 1:
            for target in node.targetList or ():
                if isinstance(target, ast.ResTarget) and target.name == fields[0]:
                    return target.val
        return expr

    def expanded_targets(self, node: ast.SelectStmt, scope: _Scope | None) -> list[Any]:
        """The SELECT list's expressions, each ``*`` / ``t.*`` replaced by a reference to
        every column it stands for."""
        found: list[Any] = []
        for target in node.targetList or ():
            if not isinstance(target, ast.ResTarget):
                continue
            value = target.val
            fields = tuple(value.fields or ()) if isinstance(value, ast.ColumnRef) else ()
            if not (fields and isinstance(fields[-1], ast.A_Star)) or scope is None:
                found.append(value)
                continue
            qualifier = [str(f.sval) for f in fields[:-1] if isinstance(f, ast.String)]
            for alias, item in scope.items.items():
                if qualifier and qualifier[-1] != alias:
                    continue
                names = list(item.rel.columns) if isinstance(item, _Access) else list(item.columns)
                found += [
                    ast.ColumnRef(fields=(ast.String(sval=alias), ast.String(sval=name)))
                    for name in names
                ]
        return found

    # -- FROM ------------------------------------------------------------------------------
    def from_item(self, item: Any, scope: _Scope) -> None:
        if isinstance(item, ast.RangeVar):
            self.range_var(item, scope)
        elif isinstance(item, ast.JoinExpr):
            self.from_item(item.larg, scope)
            self.from_item(item.rarg, scope)
            for name in item.usingClause or ():
                self.using_key(item, name.sval, scope)
            self.condition(item.quals, scope, conjunct=True)
        elif isinstance(item, ast.RangeSubselect):
            parent = scope if item.lateral else scope.parent
            outputs = self.statement(item.subquery, parent)
            if item.alias is not None and item.alias.aliasname:
                names = [c.sval for c in item.alias.colnames or ()]
                scope.items[item.alias.aliasname] = _Derived(_rename(outputs, names))
        elif isinstance(item, ast.RangeFunction):
            self.walk(item.functions, scope)
            if item.alias is not None and item.alias.aliasname:
                scope.items[item.alias.aliasname] = _Derived({})
        elif isinstance(item, ast.Node):
            self.walk(item, scope)

    def using_key(self, join: ast.JoinExpr, column: str, scope: _Scope) -> None:
        for side in (join.larg, join.rarg):
            for alias in _aliases(side):
                item = scope.items.get(alias)
                target = _item_column(item, column) if item is not None else None
                if target is not None:
                    access, name = target
                    access.predicates.append(Predicate(Key.of(name), "join", "=", True))
                    access.columns.add(name)

    def range_var(self, node: ast.RangeVar, scope: _Scope) -> None:
        relname = str(node.relname)
        alias = str((node.alias.aliasname if node.alias is not None else None) or relname)
        cte = scope.cte(relname) if node.schemaname is None else None
        if cte is not None:
            scope.items[alias] = cte
            return
        rel = self.catalog.lookup(TableRef(node.schemaname, relname))
        if rel is None or rel.name.schema in SYSTEM_SCHEMAS:
            scope.items[alias] = _Derived({})
            self.system |= rel is not None
            if rel is None:
                self.missing.add(_qualified(node))
            return
        if rel.kind == "v" and rel.view_sql and self.depth < MAX_VIEW_DEPTH:
            scope.items[alias] = self.view(rel)
            return
        access = _Access(rel)
        self.accesses.append(access)
        scope.items[alias] = access

    def base(self, node: Any, scope: _Scope | None) -> _Access | None:
        """The target table of INSERT/UPDATE/DELETE, registered in ``scope``."""
        if not isinstance(node, ast.RangeVar):
            return None
        rel = self.catalog.lookup(TableRef(node.schemaname, str(node.relname)))
        if rel is None:
            self.missing.add(_qualified(node))
        if rel is None or rel.kind == "v":
            return None
        access = _Access(rel)
        self.accesses.append(access)
        if scope is not None:
            alias = (node.alias.aliasname if node.alias is not None else None) or node.relname
            scope.items[str(alias)] = access
        return access

    def view(self, rel: RelInfo) -> _Derived:
        try:
            parsed = pglast.parse_sql(rel.view_sql or "")
        except (pglast.parser.ParseError, ValueError, RecursionError):
            return _Derived({})
        # pg_get_viewdef printed the view for the advisor session's own search_path: its
        # names are read there, not on the statement's path (advise.searchpath).
        inner = _Walker(getattr(self.catalog, "session", self.catalog), self.depth + 1)
        outputs = inner.statement(parsed[0].stmt, None) if parsed else {}
        self.accesses += inner.accesses
        return _Derived(outputs)

    # -- resolution ------------------------------------------------------------------------
    def resolve(self, fields: tuple[str, ...], scope: _Scope) -> _Target | None:
        column = fields[-1]
        if len(fields) == 1:
            for level in scope.levels():
                for item in level.items.values():
                    if isinstance(item, _Access) and column in item.rel.columns:
                        return item, column
                    if isinstance(item, _Derived) and column in item.columns:
                        return item.columns[column]
            return None
        qualifier = fields[-2]
        schema = fields[-3] if len(fields) >= 3 else None
        for level in scope.levels():
            for alias, item in level.items.items():
                matches = (
                    alias == qualifier
                    if schema is None
                    else (isinstance(item, _Access) and item.rel.name == RelName(schema, qualifier))
                )
                if matches:
                    return _item_column(item, column)
        return None

    def key_of(self, node: Any, scope: _Scope) -> tuple[_Access, Key] | None:
        """The access and index key ``node`` is: a column, or an expression over the columns
        of a single table (``lower(email)``, ``date_trunc('day', created_at)``, ``data->>'k'``)."""
        while (
            isinstance(node, ast.TypeCast | ast.CollateClause)
            and column_fields(node.arg) is not None
        ):
            node = node.arg
        fields = column_fields(node)
        if fields is not None:
            target = self.resolve(fields, scope)
            return (target[0], Key.of(target[1])) if target else None
        if not isinstance(node, ast.FuncCall | ast.A_Expr | ast.TypeCast | ast.CoalesceExpr):
            return None
        if any(isinstance(n, ast.ParamRef | ast.SubLink | ast.A_Star) for n in _nodes(node)):
            return None
        if isinstance(node, ast.FuncCall) and (node.agg_star or node.over is not None):
            return None
        refs = [n for n in _nodes(node) if isinstance(n, ast.ColumnRef)]
        targets = {self.resolve(f, scope) for f in (column_fields(r) for r in refs) if f}
        if not refs or None in targets:
            return None
        owners = {id(t[0]) for t in targets if t is not None}
        if len(owners) != 1:
            return None
        access = next(t[0] for t in targets if t is not None)
        columns = tuple(sorted({t[1] for t in targets if t is not None}))
        return access, Key(expression=_deparse(node, self.renames(node, scope)), columns=columns)

    def renames(self, node: Any, scope: _Scope) -> dict[tuple[str, ...], str]:
        found: dict[tuple[str, ...], str] = {}
        for part in _nodes(node):
            fields = column_fields(part)
            target = self.resolve(fields, scope) if fields is not None else None
            if fields is not None and target is not None:
                found[fields] = target[1]
        return found

    def distance_of(self, node: Any, scope: _Scope) -> tuple[_Access, Key, str] | None:
        if not (isinstance(node, ast.A_Expr) and node.kind == A_Expr_Kind.AEXPR_OP):
            return None
        operator = operator_name(node.name)
        if operator not in DISTANCE_OPERATORS:
            return None
        for column_side, other in ((node.lexpr, node.rexpr), (node.rexpr, node.lexpr)):
            fields = column_fields(column_side)
            if fields is not None and _is_constant(other):
                target = self.resolve(fields, scope)
                if target is not None:
                    self.note_params(other, target, operator)
                    return target[0], Key.of(target[1]), str(operator)
        return None

    # -- conditions ------------------------------------------------------------------------
    def condition(self, node: Any, scope: _Scope, *, conjunct: bool) -> None:
        if node is None:
            return
        if isinstance(node, ast.BoolExpr):
            if node.boolop == BoolExprType.AND_EXPR:
                for arg in node.args or ():
                    self.condition(arg, scope, conjunct=conjunct)
                return
            if (
                node.boolop == BoolExprType.NOT_EXPR
                and len(node.args or ()) == 1
                and self.boolean_column((node.args or ())[0], node, scope, conjunct=conjunct)
            ):
                return
            for arg in node.args or ():
                self.condition(arg, scope, conjunct=False)
            return
        if isinstance(node, ast.A_Expr):
            self.comparison(node, scope, conjunct=conjunct)
        elif isinstance(node, ast.NullTest):
            found = self.key_of(node.arg, scope)
            if found is not None:
                is_null = node.nulltesttype == NullTestType.IS_NULL
                found[0].predicates.append(
                    Predicate(
                        found[1],
                        "eq" if is_null else "notnull",
                        "is null" if is_null else "is not null",
                        conjunct,
                        constant=_deparse(node, self.renames(node, scope)),
                    )
                )
        elif isinstance(node, ast.BooleanTest):
            if node.booltesttype in (BoolTestType.IS_TRUE, BoolTestType.IS_FALSE):
                self.boolean_column(node.arg, node, scope, conjunct=conjunct)
        elif isinstance(node, ast.SubLink):
            self.sublink(node, scope, conjunct=conjunct)
            return
        elif column_fields(node) is not None:
            self.boolean_column(node, node, scope, conjunct=conjunct)
        self.walk(node, scope)

    def boolean_column(self, column: Any, whole: Any, scope: _Scope, *, conjunct: bool) -> bool:
        fields = column_fields(column)
        target = self.resolve(fields, scope) if fields is not None else None
        if target is None:
            return False
        access, name = target
        info = access.rel.columns.get(name)
        if info is None or info.type_name != "bool":
            return False
        access.predicates.append(
            Predicate(
                Key.of(name), "eq", "=", conjunct, constant=_deparse(whole, {fields or (): name})
            )
        )
        access.columns.add(name)
        return True

    def sublink(self, node: ast.SubLink, scope: _Scope, *, conjunct: bool) -> None:
        outputs = self.statement(node.subselect, scope)
        if node.subLinkType == SubLinkType.ANY_SUBLINK and node.testexpr is not None:
            found = self.key_of(node.testexpr, scope)  # x IN (SELECT ...): a semi-join key
            if found is not None:
                found[0].predicates.append(Predicate(found[1], "join", "=", conjunct))
            first = next(iter(outputs.values()), None)
            if first is not None:
                first[0].predicates.append(Predicate(Key.of(first[1]), "join", "=", True))
        self.walk(node.testexpr, scope)

    def comparison(self, node: ast.A_Expr, scope: _Scope, *, conjunct: bool) -> None:
        operator = operator_name(node.name)
        if operator is None:
            return
        kind = node.kind
        if kind in (A_Expr_Kind.AEXPR_BETWEEN, A_Expr_Kind.AEXPR_BETWEEN_SYM):
            found = self.key_of(node.lexpr, scope)
            if found is not None and all(_is_constant(v) for v in node.rexpr or ()):
                constant = (
                    _deparse(node, self.renames(node, scope))
                    if all(_is_literal(v) for v in node.rexpr or ())
                    else None
                )
                found[0].predicates.append(
                    Predicate(found[1], "range", "between", conjunct, constant)
                )
                for value, bound in zip(node.rexpr or (), (">=", "<="), strict=False):
                    self.note_key_params(value, found, bound)
            return
        if kind == A_Expr_Kind.AEXPR_IN and operator == "=":
            found = self.key_of(node.lexpr, scope)
            if found is not None and all(_is_constant(v) for v in node.rexpr or ()):
                found[0].predicates.append(Predicate(found[1], "in", "in", conjunct))
                for value in node.rexpr or ():
                    self.note_key_params(value, found, "=")
            return
        if kind == A_Expr_Kind.AEXPR_OP_ANY and operator == "=":
            found = self.key_of(node.lexpr, scope)
            if found is not None and _is_constant(node.rexpr):
                found[0].predicates.append(Predicate(found[1], "in", "= any", conjunct))
                self.note_key_params(node.rexpr, found, "= any")
            return
        if kind not in (A_Expr_Kind.AEXPR_OP, A_Expr_Kind.AEXPR_LIKE, A_Expr_Kind.AEXPR_ILIKE):
            return
        left, right = self.key_of(node.lexpr, scope), self.key_of(node.rexpr, scope)
        if left is not None and right is not None:
            if operator == "=" and left[0] is not right[0]:
                left[0].predicates.append(Predicate(left[1], "join", "=", conjunct))
                right[0].predicates.append(Predicate(right[1], "join", "=", conjunct))
            return
        if left is None and right is not None and operator in _COMMUTED:
            left, operator, value = right, _COMMUTED[operator], node.lexpr
        else:
            value = node.rexpr
        if left is None or not _is_constant(value):
            return
        access, key = left
        constant = _deparse(node, self.renames(node, scope)) if _is_literal(value) else None
        predicate_kind = self.predicate_kind(access, key, operator, value)
        if predicate_kind is not None:
            access.predicates.append(Predicate(key, predicate_kind, operator, conjunct, constant))
        self.note_key_params(value, left, operator)

    def predicate_kind(self, access: _Access, key: Key, operator: str, value: Any) -> str | None:
        if operator == "=":
            return "eq"
        if operator in RANGE_OPERATORS:
            return "range"
        if operator in LIKE_OPERATORS:
            pattern = _literal_text(value)
            if operator == "~~" and pattern is not None and pattern[:1] not in ("%", "_"):
                return "range"  # an anchored prefix: a btree range (with a C collation)
            return "like"
        if operator in CONTAINMENT_OPERATORS and key.column is not None:
            info = access.rel.columns.get(key.column)
            if info is not None and info.type_name in ("jsonb",):
                return "jsonb"
            if info is not None and info.is_array:
                return "array"
        return None

    def note_key_params(self, value: Any, found: tuple[_Access, Key], operator: str) -> None:
        access, key = found
        if key.column is not None:
            self.note_params(value, (access, key.column), operator)

    def note_params(self, value: Any, target: _Target, operator: str) -> None:
        for node in _nodes(value):
            if isinstance(node, ast.ParamRef):
                self.param_columns.add(
                    (int(node.number or 0), target[0].rel.name, target[1], operator)
                )

    # -- everything else: column reads, parameters, subqueries -----------------------------
    def walk(self, node: Any, scope: _Scope) -> None:
        if node is None:
            return
        if isinstance(node, tuple | list):
            for child in node:
                self.walk(child, scope)
            return
        if not isinstance(node, ast.Node):
            return
        if isinstance(node, ast.SelectStmt):
            self.select(node, scope)
            return
        if isinstance(node, ast.SubLink):
            self.sublink(node, scope, conjunct=False)
            return
        if isinstance(node, ast.ParamRef):
            self.params.add(int(node.number or 0))
            return
        if isinstance(node, ast.ColumnRef):
            if node.fields and isinstance(node.fields[-1], ast.A_Star):
                self.star(node, scope)
                return
            fields = column_fields(node)
            target = self.resolve(fields, scope) if fields else None
            if target is not None:
                target[0].columns.add(target[1])
            return
        for name in node:
            child = getattr(node, name)
            if isinstance(child, ast.Node | tuple | list):
                self.walk(child, scope)


_COMMUTED = {
    "=": "=",
    "<": ">",
    ">": "<",
    "<=": ">=",
    ">=": "<=",
    "@>": "<@",
    "<@": "@>",
    "&&": "&&",
}


def _rename(outputs: dict[str, _Target | None], names: list[str]) -> dict[str, _Target | None]:
    if not names:
        return outputs
    values = list(outputs.values())
    renamed = dict(zip(names, values, strict=False))
    for name, value in list(outputs.items())[len(names) :]:
        renamed[name] = value
    return renamed


def _item_column(item: _Item | None, column: str) -> _Target | None:
    if isinstance(item, _Access):
        return (item, column) if column in item.rel.columns else None
    if isinstance(item, _Derived):
        return item.columns.get(column)
    return None


def _qualified(node: ast.RangeVar) -> str:
    return ".".join(str(part) for part in (node.schemaname, node.relname) if part)


def _aliases(item: Any) -> list[str]:
    if isinstance(item, ast.RangeVar):
        return [str((item.alias.aliasname if item.alias is not None else None) or item.relname)]
    if isinstance(item, ast.JoinExpr):
        return _aliases(item.larg) + _aliases(item.rarg)
    if isinstance(item, ast.RangeSubselect) and item.alias is not None:
        return [str(item.alias.aliasname)]
    return []


def _nodes(node: Any) -> Iterator[Any]:
    if isinstance(node, tuple | list):
        for child in node:
            yield from _nodes(child)
    elif isinstance(node, ast.Node):
        yield node
        for name in node:
            yield from _nodes(getattr(node, name))


def _is_constant(node: Any) -> bool:
    """A value fixed for one execution: literals, parameters and expressions over them
    (``now() - interval '1 day'``, ``'%' || $1 || '%'``), never a column or a subquery."""
    if node is None:
        return False
    for part in _nodes(node):
        if isinstance(part, ast.ColumnRef | ast.SubLink | ast.SelectStmt):
            return False
    return True


def _is_literal(node: Any) -> bool:
    """A constant without parameters or function calls: fit for a partial index's WHERE."""
    if isinstance(node, tuple | list):
        return all(_is_literal(n) for n in node)
    while isinstance(node, ast.TypeCast):
        node = node.arg
    return isinstance(node, ast.A_Const) and not node.isnull


def _literal_text(node: Any) -> str | None:
    while isinstance(node, ast.TypeCast):
        node = node.arg
    if isinstance(node, ast.A_Const) and isinstance(node.val, ast.String):
        return str(node.val.sval)
    return None


def _deparse(node: Any, renames: dict[tuple[str, ...], str] | None = None) -> str:
    """SQL text of an expression with its column references unqualified (index DDL form);
    ``renames`` maps a reference as written to the base column it resolves to (a view's or a
    CTE's output column, renamed)."""
    copied = copy.deepcopy(node)
    for part in _nodes(copied):
        fields = column_fields(part)
        if fields is not None:
            name = (renames or {}).get(fields, fields[-1])
            part.fields = (ast.String(sval=name),)
    return str(RawStream()(copied))
