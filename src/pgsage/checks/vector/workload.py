"""Which vector columns the workload orders by which distance operator, read with pglast.

An ANN index (hnsw, ivfflat) is only used for ``ORDER BY column <op> value LIMIT n`` where its
operator class belongs to ``<op>``. So this reads the ORDER BY of every SELECT in the statement
texts (pg_stat_statements) and in the last query of each session (pg_stat_activity), resolves
the column to its table through the FROM list and its aliases, and notes a literal LIMIT where
the text still shows one (pg_stat_statements replaces constants by $n; activity texts do not).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from pglast import ast, parse_sql
from pglast.parser import ParseError

from pgsage.db.snapshot import Snapshot

# pgvector's distance operators and the operator-class suffix that serves each one.
OPERATORS: dict[str, str] = {
    "<->": "l2",
    "<=>": "cosine",
    "<#>": "ip",
    "<+>": "l1",
    "<~>": "hamming",
    "<%>": "jaccard",
}
OPERATOR_NAMES: dict[str, str] = {
    "<->": "L2 distance",
    "<=>": "cosine distance",
    "<#>": "negative inner product",
    "<+>": "L1 distance",
    "<~>": "Hamming distance",
    "<%>": "Jaccard distance",
}


@dataclass(frozen=True)
class DistanceOrder:
    """One query ordering a table's vector column by a distance operator."""

    schema: str
    table: str
    column: str
    operator: str
    calls: int
    username: str | None
    limit: int | None  # a literal LIMIT, when the text shows one
    source: str  # pg_stat_statements or pg_stat_activity


@dataclass(frozen=True)
class _Scope:
    """The relations of one SELECT's FROM list, by the name the query refers to them with."""

    by_name: dict[str, tuple[str, str]]

    @property
    def tables(self) -> list[tuple[str, str]]:
        return sorted(set(self.by_name.values()))


def distance_orders(snapshot: Snapshot, min_calls: int = 1) -> list[DistanceOrder]:
    """Every (column, operator) ORDER BY in the workload, sorted; unparsable texts are skipped.

    Only texts containing a distance operator are parsed, so this stays cheap enough for each
    check to call it (no cache: checks hold no state between snapshots).
    """
    resolver = _Resolver(snapshot)
    found: list[DistanceOrder] = []
    for statement in snapshot.statements:
        if statement.calls < min_calls:
            continue
        found += resolver.orders(
            statement.query, statement.calls, statement.username, "pg_stat_statements"
        )
    for session in snapshot.activity:  # every database's sessions: keep this one's
        if (
            session.query
            and session.database == snapshot.server.database
            and session.backend_type in (None, "client backend")
        ):
            found += resolver.orders(session.query, 1, session.username, "pg_stat_activity")
    return sorted(
        found,
        key=lambda o: (
            o.schema,
            o.table,
            o.column,
            o.operator,
            o.source,
            -o.calls,
            o.username or "",
            o.limit or 0,
        ),
    )


class _Resolver:
    def __init__(self, snapshot: Snapshot) -> None:
        self.columns: dict[tuple[str, str], set[str]] = {
            key: {c.name for c in cols} for key, cols in snapshot.columns_by_table.items()
        }
        self.by_name: dict[str, list[tuple[str, str]]] = {}
        for key in sorted(self.columns):
            self.by_name.setdefault(key[1], []).append(key)

    def orders(
        self, text: str, calls: int, username: str | None, source: str
    ) -> list[DistanceOrder]:
        if not any(op in text for op in OPERATORS):
            return []
        try:
            statements = parse_sql(text)
        except (ParseError, ValueError):
            return []  # a truncated activity text, a dialect pglast does not know
        found = []
        for select in _selects(statements):
            scope = self.scope(select)
            limit = _literal_int(select.limitCount)
            for sort in select.sortClause or ():
                expr = _unalias(sort.node, select)
                if not isinstance(expr, ast.A_Expr) or not expr.name:
                    continue
                operator = getattr(expr.name[-1], "sval", None)
                if operator not in OPERATORS:
                    continue
                for side in (expr.lexpr, expr.rexpr):
                    resolved = self.column(side, scope)
                    if resolved is not None:
                        schema, table, column = resolved
                        found.append(
                            DistanceOrder(
                                schema, table, column, operator, calls, username, limit, source
                            )
                        )
        return found

    def table(self, schema: str | None, name: str) -> tuple[str, str] | None:
        if schema:
            return (schema, name) if (schema, name) in self.columns else None
        candidates = self.by_name.get(name, [])
        if len(candidates) == 1:
            return candidates[0]
        public = [c for c in candidates if c[0] == "public"]
        return public[0] if public else None  # search_path is unknown: public, or give up

    def scope(self, select: Any) -> _Scope:
        by_name: dict[str, tuple[str, str]] = {}
        for item in _from_items(select.fromClause or ()):
            resolved = self.table(item.schemaname, item.relname)
            if resolved is not None:
                by_name[item.alias.aliasname if item.alias else item.relname] = resolved
        return _Scope(by_name)

    def column(self, node: Any, scope: _Scope) -> tuple[str, str, str] | None:
        if not isinstance(node, ast.ColumnRef):
            return None  # a cast or expression: only an expression index could serve it
        names: list[str] = []
        for part in node.fields or ():
            if not isinstance(part, ast.String) or part.sval is None:
                return None  # table.*
            names.append(part.sval)
        owner: tuple[str, str] | None
        if len(names) == 1:
            owners = [t for t in scope.tables if names[0] in self.columns.get(t, set())]
            owner = owners[0] if len(owners) == 1 else None
        elif len(names) == 2:
            owner = scope.by_name.get(names[0])
        else:
            owner = self.table(names[-3], names[-2])
            owner = owner if owner in scope.by_name.values() else None
        if owner is None or names[-1] not in self.columns.get(owner, set()):
            return None
        return owner[0], owner[1], names[-1]


def _selects(node: Any) -> Iterator[Any]:
    """Every SELECT in a parse tree: subqueries, CTEs and set-operation arms included."""
    if isinstance(node, list | tuple):
        for item in node:
            yield from _selects(item)
    elif isinstance(node, ast.Node):
        if isinstance(node, ast.SelectStmt):
            yield node
        slots: Any = getattr(type(node), "__slots__", ())
        for name in slots:
            yield from _selects(getattr(node, name, None))


def _from_items(items: Any) -> Iterator[Any]:
    for item in items:
        if isinstance(item, ast.RangeVar):
            yield item
        elif isinstance(item, ast.JoinExpr):
            yield from _from_items((item.larg, item.rarg))


def _unalias(node: Any, select: Any) -> Any:
    """``ORDER BY dist`` where the target list says ``col <-> $1 AS dist``: the expression."""
    if isinstance(node, ast.ColumnRef) and node.fields and len(node.fields) == 1:
        name = getattr(node.fields[0], "sval", None)
        for target in select.targetList or ():
            if isinstance(target, ast.ResTarget) and target.name == name:
                return target.val
    return node


def _literal_int(node: Any) -> int | None:
    if isinstance(node, ast.A_Const) and isinstance(node.val, ast.Integer):
        return node.val.ival
    return None
