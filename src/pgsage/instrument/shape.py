"""Statement shapes: a pglast fingerprint plus a readable name ("SELECT users") per SQL text.

SQLAlchemy's psycopg dialect renders ``%(name)s`` placeholders, which PostgreSQL's parser does
not accept, so they become ``$n`` before parsing. Parsing costs about 10 µs, so shapes are cached
per statement text in a bounded LRU that each instrumentation owns (no module-level cache).
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

_PLACEHOLDER = re.compile(r"%\((?:[^)]+)\)s|%s|%%")
_SPACES = re.compile(r"\s+")
# A run of two or more placeholders (an expanded IN list): shown as the first one and "...".
_PLACEHOLDER_RUN = re.compile(
    r"(%\([^)]+\)s(?:::[\w ]+?)?)(?:\s*,\s*%\([^)]+\)s(?:::[\w ]+?)?)+(?=\s*\))"
)
_FIRST_WORD = re.compile(r"^\s*(?:/\*.*?\*/\s*)*(\w+)", re.S)
_FALLBACK_TABLE = re.compile(r"\b(?:from|into|update|join)\s+([\w.\"]+)", re.I)
_VERBS = {
    "SelectStmt": "SELECT",
    "InsertStmt": "INSERT",
    "UpdateStmt": "UPDATE",
    "DeleteStmt": "DELETE",
    "MergeStmt": "MERGE",
}
MAX_NAME_TABLES = 3
MAX_SQL_CHARS = 600


@dataclass(frozen=True, slots=True)
class StatementShape:
    """What pgsage knows about one statement text, independent of its parameter values."""

    fingerprint: str
    name: str  # "SELECT users", "UPDATE orders", "BEGIN"
    verb: str  # SELECT, INSERT, UPDATE, DELETE, ... (upper case)
    tables: tuple[str, ...]
    sql: str  # whitespace collapsed, IN lists shortened, truncated: the "SQL shape"
    where_columns: tuple[str, ...] = ()  # columns compared to a parameter with "="

    @property
    def is_select(self) -> bool:
        return self.verb == "SELECT"


def to_dollar_params(sql: str) -> str:
    """Turn psycopg's ``%(name)s`` / ``%s`` placeholders into ``$n`` and ``%%`` into ``%``."""
    counter = 0

    def replace(match: re.Match[str]) -> str:
        nonlocal counter
        if match.group(0) == "%%":
            return "%"
        counter += 1
        return f"${counter}"

    return _PLACEHOLDER.sub(replace, sql)


def display_sql(sql: str) -> str:
    """The statement as it ran: the driver's ``%%`` escapes shown as the ``%`` the server got
    (``like '%9%'``), placeholders kept."""
    sql = _PLACEHOLDER.sub(lambda m: "%" if m.group(0) == "%%" else m.group(0), sql)
    text = _SPACES.sub(" ", sql).strip()
    text = _PLACEHOLDER_RUN.sub(r"\1, ...", text)
    return text if len(text) <= MAX_SQL_CHARS else text[: MAX_SQL_CHARS - 3] + "..."


def _walk(node: Any) -> Iterator[tuple[str, Any]]:
    """Every (node type, node body) pair of a pg_query JSON tree, depth first, in text order."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key[:1].isupper() and isinstance(value, dict):
                yield key, value
            yield from _walk(value)
    elif isinstance(node, list):
        for item in node:
            yield from _walk(item)


def _is_param(node: Any) -> bool:
    if not isinstance(node, dict):
        return False
    if "ParamRef" in node:
        return True
    cast = node.get("TypeCast")
    return isinstance(cast, dict) and _is_param(cast.get("arg"))


def _column_name(node: Any) -> str | None:
    ref = node.get("ColumnRef") if isinstance(node, dict) else None
    if not isinstance(ref, dict):
        return None
    fields = ref.get("fields") or []
    last = fields[-1] if fields else {}
    value = last.get("String", {}).get("sval") if isinstance(last, dict) else None
    return str(value) if value else None


def _where_columns(stmt: dict[str, Any]) -> tuple[str, ...]:
    where = stmt.get("whereClause")
    found: list[str] = []
    for kind, body in _walk({"Where": where} if where else {}):
        if kind != "A_Expr" or body.get("kind") != "AEXPR_OP":
            continue
        ops = [n.get("String", {}).get("sval") for n in body.get("name", [])]
        if ops != ["="]:
            continue
        left, right = body.get("lexpr"), body.get("rexpr")
        column = (
            _column_name(left)
            if _is_param(right)
            else (_column_name(right) if _is_param(left) else None)
        )
        if column and column not in found:
            found.append(column)
    return tuple(found)


def _first_word(sql: str) -> str:
    match = _FIRST_WORD.match(sql)
    return match.group(1).upper() if match else "SQL"


def _fallback(sql: str) -> StatementShape:
    """A shape for text pglast cannot parse: hash of the text without literals and numbers."""
    verb = _first_word(sql)
    normalised = re.sub(r"'(?:[^']|'')*'|\b\d+\b", "?", _SPACES.sub(" ", sql).strip().lower())
    digest = hashlib.sha1(normalised.encode(), usedforsecurity=False).hexdigest()[:16]
    tables = tuple(
        dict.fromkeys(t.strip('"').split(".")[-1] for t in _FALLBACK_TABLE.findall(sql))
    )[:MAX_NAME_TABLES]
    name = f"{verb} {', '.join(tables)}" if tables and verb in _VERBS.values() else verb
    return StatementShape(digest, name, verb, tables, display_sql(sql))


def analyse(sql: str) -> StatementShape:
    """Fingerprint and name one statement text. Never raises: unparsable text gets a fallback."""
    from pglast import parser

    try:
        pg_sql = to_dollar_params(sql)
        fingerprint = str(parser.fingerprint(pg_sql))
        tree = json.loads(parser.parse_sql_json(pg_sql))
    except Exception:
        return _fallback(sql)
    stmts = tree.get("stmts") or []
    top = stmts[0].get("stmt", {}) if stmts else {}
    kind, body = next(iter(top.items())) if top else ("", {})
    verb = _VERBS.get(kind) or _first_word(sql)
    tables: tuple[str, ...] = ()
    where: tuple[str, ...] = ()
    if kind in _VERBS:
        nodes = list(_walk(body))
        ctes = {b.get("ctename") for k, b in nodes if k == "CommonTableExpr"}
        names = [
            b["relname"]
            for k, b in nodes
            if k == "RangeVar" and "relname" in b and b["relname"] not in ctes
        ]
        relation = body.get("relation", {}).get("relname") if kind != "SelectStmt" else None
        if relation:
            names.insert(0, relation)
        tables = tuple(dict.fromkeys(names))
        where = _where_columns(body)
    shown = list(tables[:MAX_NAME_TABLES]) + (["..."] if len(tables) > MAX_NAME_TABLES else [])
    name = f"{verb} {', '.join(shown)}" if shown else verb
    return StatementShape(fingerprint, name, verb, tables, display_sql(sql), where)


def shape_cache(maxsize: int = 2048) -> Callable[[str], StatementShape]:
    """A bounded LRU around :func:`analyse`; one per instrumentation."""
    return functools.lru_cache(maxsize=maxsize)(analyse)
