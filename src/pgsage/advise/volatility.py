"""Expression keys the server would refuse: every function, operator and cast in an index
expression must be IMMUTABLE (``date_trunc('day', timestamptz)`` is STABLE: its result depends
on the TimeZone setting). Such a candidate is never proposed, and not reported as a failure.

The expression's functions are resolved the way the server would for the types that can be
known from the text: a column's type from the catalog, an integer literal's; anything else (a
quoted literal, which the server reads as ``unknown``, or a nested call's result) matches any
type. When the overloads that match those
types exactly are all IMMUTABLE, so is the call; when none matches exactly (an implicit cast
decides), every overload with that many arguments must be IMMUTABLE.
"""

from __future__ import annotations

from typing import Any

import pglast
import psycopg
from pglast import ast
from pglast.enums.parsenodes import A_Expr_Kind
from psycopg.rows import TupleRow

from pgsage.advise.catalog import RelInfo
from pgsage.advise.model import Candidate
from pgsage.sql.analysis import column_fields, operator_name

_FUNCTIONS = """/* pgsage */
SELECT p.provolatile::text,
       array(SELECT ty.typname::text
             FROM pg_catalog.unnest(p.proargtypes) WITH ORDINALITY a(t, i)
             JOIN pg_catalog.pg_type ty ON ty.oid = a.t ORDER BY a.i)
FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
WHERE p.proname = %s AND p.pronargs = %s AND (%s::text IS NULL OR n.nspname = %s)
  AND (%s::text IS NOT NULL OR n.nspname = 'pg_catalog'
       OR n.oid = ANY (pg_catalog.current_schemas(false)::regnamespace[]))"""
_OPERATORS = """/* pgsage */
SELECT p.provolatile::text,
       array[(SELECT typname::text FROM pg_catalog.pg_type WHERE oid = o.oprleft),
             (SELECT typname::text FROM pg_catalog.pg_type WHERE oid = o.oprright)]
FROM pg_catalog.pg_operator o JOIN pg_catalog.pg_proc p ON p.oid = o.oprcode
WHERE o.oprname = %s AND (o.oprleft = 0) = %s"""
_CASTS = """/* pgsage */
WITH x AS (SELECT pg_catalog.to_regtype(%s) AS source, pg_catalog.to_regtype(%s) AS target)
SELECT coalesce(
    (SELECT 'i' WHERE x.source = x.target),
    (SELECT CASE c.castmethod WHEN 'f' THEN p.provolatile::text WHEN 'b' THEN 'i' END
     FROM pg_catalog.pg_cast c LEFT JOIN pg_catalog.pg_proc p ON p.oid = c.castfunc
     WHERE c.castsource = x.source AND c.casttarget = x.target AND c.castmethod <> 'i'),
    -- an I/O conversion: the source's output function, then the target's input function
    (SELECT CASE WHEN 'i' = ALL (array[o.provolatile, i.provolatile]) THEN 'i' ELSE 's' END
     FROM pg_catalog.pg_type st JOIN pg_catalog.pg_proc o ON o.oid = st.typoutput,
          pg_catalog.pg_type tt JOIN pg_catalog.pg_proc i ON i.oid = tt.typinput
     WHERE st.oid = x.source AND tt.oid = x.target))
FROM x"""


def not_immutable(
    conn: psycopg.Connection[TupleRow], candidate: Candidate, rel: RelInfo
) -> str | None:
    """What in the candidate's expression keys is not IMMUTABLE (None: all of it is)."""
    for key in candidate.keys:
        if key.expression is None:
            continue
        try:
            parsed = pglast.parse_sql(f"SELECT {key.expression}")
        except (pglast.parser.ParseError, ValueError, RecursionError):
            return f"cannot read the expression {key.expression}"
        checker = _Checker(conn, rel)
        statement = parsed[0].stmt
        targets = statement.targetList if isinstance(statement, ast.SelectStmt) else ()
        for node in _walk(targets):
            found = checker.check(node)
            if found is not None:
                return f"{found} is not IMMUTABLE (an index expression must be)"
    return None


class _Checker:
    def __init__(self, conn: psycopg.Connection[TupleRow], rel: RelInfo) -> None:
        self.conn = conn
        self.rel = rel

    def check(self, node: Any) -> str | None:
        if isinstance(node, ast.FuncCall):
            names = [str(n.sval) for n in node.funcname or () if isinstance(n, ast.String)]
            schema = names[-2] if len(names) > 1 else None
            types = [self.type_of(a) for a in node.args or ()]
            rows = self.conn.execute(
                _FUNCTIONS.encode(), (names[-1], len(types), schema, schema, schema)
            ).fetchall()
            if not _immutable(rows, types):
                return f"{'.'.join(names)}({', '.join(t or '?' for t in types)})"
        elif isinstance(node, ast.A_Expr) and node.kind == A_Expr_Kind.AEXPR_OP:
            operator = operator_name(node.name)
            if operator is None:
                return None
            types = [self.type_of(node.lexpr) if node.lexpr is not None else None]
            types.append(self.type_of(node.rexpr))
            rows = self.conn.execute(_OPERATORS.encode(), (operator, node.lexpr is None)).fetchall()
            rows = [(r[0], r[1] if node.lexpr is not None else r[1][1:]) for r in rows]
            if not _immutable(rows, types if node.lexpr is not None else types[1:]):
                return f"the operator {operator}"
        elif isinstance(node, ast.TypeCast):
            source = self.type_of(node.arg)
            target = _type_name(node.typeName)
            if source is not None and target is not None:
                row = self.conn.execute(_CASTS.encode(), (source, target)).fetchone()
                if row is not None and row[0] is not None and row[0] != "i":
                    return f"the cast from {source} to {target}"
        return None

    def type_of(self, node: Any) -> str | None:
        fields = column_fields(node)
        if fields is not None:
            info = self.rel.columns.get(fields[-1])
            return info.type_name if info is not None else None
        if isinstance(node, ast.A_Const) and isinstance(node.val, ast.Integer):
            return "int4"
        return None  # a quoted literal (unknown), or an expression's result


def _immutable(rows: list[tuple[Any, ...]], types: list[str | None]) -> bool:
    if not rows:
        return False
    exact = [
        r
        for r in rows
        if all(want is None or want == have for want, have in zip(types, r[1], strict=False))
    ]
    return all(r[0] == "i" for r in (exact or rows))


def _type_name(type_name: Any) -> str | None:
    names = [
        str(n.sval) for n in getattr(type_name, "names", None) or () if isinstance(n, ast.String)
    ]
    if not names:
        return None
    return ".".join(names)


def _walk(node: Any) -> list[Any]:
    found: list[Any] = []
    if isinstance(node, tuple | list):
        for child in node:
            found += _walk(child)
    elif isinstance(node, ast.Node):
        found.append(node)
        for name in node:
            found += _walk(getattr(node, name))
    return found
