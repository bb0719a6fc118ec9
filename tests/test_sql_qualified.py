"""Every function pgsage calls on a server it audits is schema-qualified, and so is every catalog
relation it reads.

PostgreSQL looks a bare name up along the session's ``search_path``: a role whose path puts a
schema it can write to before ``pg_catalog`` (``SET search_path = app, pg_catalog``), or a
function in such a schema with a better-matching argument type than the built-in, makes pgsage
run someone else's code with pgsage's privileges. ``pg_catalog.now()`` cannot be redirected.

This test pulls the SQL out of ``src/pgsage`` — the ``.sql`` files and the string literals of
the Python modules (f-strings with a placeholder name for each ``{…}``, ``psycopg.sql.SQL``
templates likewise, ``%s`` parameters as ``$1``) — parses it with pglast, and fails on any
function call or ``pg_*`` relation without a schema. Python strings that do not parse as a
statement are tried as the fragments SQL is assembled from (a select list, a FROM list, a WHERE
condition); strings that parse in none of these ways are not SQL.

Names cast to an object (``'pg_class'::regclass``) are checked too. What it does not check:
operators and type names (``=``, ``::text``) resolve along the same path, a lesser concern left
as it is; PL/pgSQL bodies (``DO $$ … $$``) are not read.
"""

from __future__ import annotations

import ast
import itertools
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pglast.parser import ParseError, parse_sql_json

from pgsage.db.sqlfiles import for_role, for_version

SRC = Path(__file__).resolve().parent.parent / "src" / "pgsage"

# Parts of the package whose SQL pgsage never sends to a server it audits, and why.
NOT_AUDITED = {
    "fixes": "fix objects: SQL printed for the user to review and run",
    "checks": "checks read a snapshot already taken; their SQL is advice shown to the user",
    "demo": "builds the demo's own database",
    "lint/rules": "a lint rule's fix: example SQL shown to the user",
    "monitoring": "PromQL and Grafana JSON, not SQL",
    "web/store.py": "pgsage's own history store, a database pgsage created for itself",
}

# Bare names in SQL that pgsage rewrites before sending, per file, with the reason.
REWRITTEN_BEFORE_SENDING = {
    # the GIN-key subqueries name show_trgm( bare; _gin_keys swaps it for pg_trgm's own schema
    ("pgsage/advise/whatif.py", "show_trgm"): "qualified by pg_trgm's schema at run time",
}

# The names a placeholder (``{}``, ``{name}``) is replaced with: an identifier that stands for a
# name pgsage composes at run time (an extension's schema, a table), never a built-in.
PLACEHOLDER = "pgsage_composed"

# Casts of a name to an object: 'pg_class'::regclass finds the first pg_class along search_path.
OBJECT_NAME_TYPES = {"regclass", "regproc", "regprocedure", "regtype", "regnamespace", "regoper"}

# Fragments SQL is assembled from, tried when a string is not a statement by itself.
FRAGMENT_WRAPPERS = (
    "SELECT {}",
    "SELECT 1 FROM {}",
    "SELECT 1 WHERE {}",
    "SELECT 1 FROM pgsage_composed {}",
    "SELECT 1 {}",
)

# A fragment must look like SQL before it is read as one: English with parentheses parses as a
# select list too ("total(ms)").
SQL_WORD = re.compile(
    r"\b(SELECT|FROM|WHERE|JOIN|AS|AND|OR|OVER|CASE|WHEN|FILTER|ORDER BY|GROUP BY|NOT|IS|IN)\b"
)


# A statement cut off where the code appends to it ("... WHERE s.dbid = " + ...) parses in
# no way: its calls are found by their shape, ``name(`` in lower case without a schema.
UNPARSED_STATEMENT = re.compile(r"\bSELECT\b.*\bFROM\b", re.DOTALL)
CALL_SHAPE = re.compile(r"(?<![\w.$\"'])(?<!AS )(?<!WITH )([a-z_][a-z0-9_]*)\s*\(")
# words followed by "(" that are syntax, not a function looked up along search_path
NOT_CALLS = {
    "all", "and", "any", "array", "as", "between", "cast", "coalesce", "exists", "extract",
    "filter", "from", "greatest", "in", "least", "not", "nullif", "on", "or", "over", "overlay",
    "position", "row", "select", "some", "substring", "trim", "using", "values", "where",
}  # fmt: skip


@dataclass(frozen=True)
class Bare:
    where: str
    name: str
    kind: str

    def __str__(self) -> str:
        return f"{self.where}: {self.kind} {self.name}"


def _skip(path: Path) -> bool:
    rel = path.relative_to(SRC).as_posix()
    return any(rel == key or rel.startswith(key + "/") for key in NOT_AUDITED)


def _parse(text: str) -> list[dict[str, Any]] | None:
    try:
        return list(json.loads(parse_sql_json(text)).get("stmts", []))
    except (ParseError, ValueError):
        return None


def _cte_names(tree: Any) -> set[str]:
    names: set[str] = set()
    for node in _nodes(tree):
        cte = node.get("CommonTableExpr")
        if cte:
            names.add(cte["ctename"])
    return names


def _nodes(tree: Any) -> Iterator[dict[str, Any]]:
    if isinstance(tree, dict):
        yield tree
        for value in tree.values():
            yield from _nodes(value)
    elif isinstance(tree, list):
        for value in tree:
            yield from _nodes(value)


def _unnest_of_several_arrays(range_function: dict[str, Any]) -> int | None:
    """The location of ``unnest(a, b)`` in FROM, which PostgreSQL rewrites itself into
    ``ROWS FROM (pg_catalog.unnest(a), pg_catalog.unnest(b))`` — only when written bare: a
    qualified ``pg_catalog.unnest(a, b)`` is an error (no such function)."""
    if range_function.get("is_rowsfrom"):
        return None
    functions = range_function.get("functions", [])
    if len(functions) != 1:
        return None
    call = functions[0]["List"]["items"][0].get("FuncCall")
    if call is None or len(call.get("args", [])) < 2:
        return None
    if [part["String"]["sval"] for part in call["funcname"]] != ["unnest"]:
        return None
    return int(call["location"])


def bare_names(statements: list[dict[str, Any]]) -> Iterator[tuple[int, str, str]]:
    """(location, kind, name) of every unqualified function call and ``pg_*`` relation."""
    ctes = _cte_names(statements)
    syntax_unnest = {
        loc
        for node in _nodes(statements)
        if "RangeFunction" in node
        and (loc := _unnest_of_several_arrays(node["RangeFunction"])) is not None
    }
    for node in _nodes(statements):
        call = node.get("FuncCall")
        if call is not None:
            name = [part["String"]["sval"] for part in call["funcname"]]
            bare = len(name) == 1 and name[0] != PLACEHOLDER
            if bare and call["location"] not in syntax_unnest:
                yield int(call["location"]), "function", name[0]
        cast = node.get("TypeCast")
        if cast is not None:
            # 'pg_class'::regclass looks the name up along search_path too
            target = [part["String"]["sval"] for part in cast["typeName"]["names"]]
            text = cast["arg"].get("A_Const", {}).get("sval", {}).get("sval")
            catalog_name = bool(text) and text.startswith("pg_") and "." not in text
            if target[-1] in OBJECT_NAME_TYPES and catalog_name:
                yield int(cast.get("location", 0)), f"{target[-1]} literal", text
        relation = node.get("RangeVar")
        if relation is not None and not relation.get("schemaname"):
            relname = relation.get("relname", "")
            if relname.startswith("pg_") and relname not in ctes:
                yield int(relation.get("location", 0)), "relation", relname


def _as_sql(text: str) -> tuple[list[dict[str, Any]], int] | None:
    """The parse of a Python string read as SQL, and how many characters a wrapper added."""
    if not text.strip():
        return None
    whole = _parse(text)
    if whole:
        return whole, 0
    if not SQL_WORD.search(text):
        return None
    for wrapper in FRAGMENT_WRAPPERS:
        parsed = _parse(wrapper.format(text))
        if parsed:
            return parsed, wrapper.index("{}")
    return None


_BRACES = re.compile(r"\{[A-Za-z0-9_]*(![rsa])?(:[^{}]*)?\}")
# a text pasted in with str.replace (backup/facts.py's @NOT_SYSTEM@)
_MARKER = re.compile(r"@[A-Z_]+@")
_PERCENT = re.compile(r"%\([A-Za-z_][A-Za-z0-9_]*\)s|%s|%b|%t")
# SQLAlchemy's text() parameters (:name), not casts (::type)
_COLON = re.compile(r"(?<![:\w]):[A-Za-z_]\w*")


def _template(text: str) -> str:
    """A psycopg ``%s`` / ``sql.SQL`` ``{}`` template as parseable SQL (same length where it
    can, so that locations still point at the right line)."""
    text = _MARKER.sub(PLACEHOLDER, _BRACES.sub(PLACEHOLDER, text))
    text = _COLON.sub("$1", _PERCENT.sub("$1", text))
    return text.replace("%%", "%").replace("{{", "{").replace("}}", "}")


def _fstring_text(node: ast.JoinedStr) -> str:
    parts: list[str] = []
    for value in node.values:
        if isinstance(value, ast.Constant) and isinstance(value.value, str):
            parts.append(value.value)
        else:
            parts.append(PLACEHOLDER)
    return "".join(parts)


def _docstrings(tree: ast.AST) -> set[int]:
    found: set[int] = set()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(body, list) and body:
            first = body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                found.add(id(first.value))
    return found


def python_strings(path: Path) -> Iterator[tuple[int, str]]:
    """(line, text) of every string literal of a module that is not a docstring; an f-string
    counts once, with a placeholder name for each ``{…}``."""
    tree = ast.parse(path.read_text(), str(path))
    skip = _docstrings(tree)
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            skip.update(id(value) for value in node.values)
            yield node.lineno, _template(_fstring_text(node))
        elif (
            isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in skip
        ):
            yield node.lineno, _template(node.value)


def findings_in_python(path: Path, root: Path = SRC.parent) -> Iterator[Bare]:
    rel = path.relative_to(root).as_posix()
    for line, text in python_strings(path):
        parsed = _as_sql(text)
        if parsed is None:
            if UNPARSED_STATEMENT.search(text):
                for match in CALL_SHAPE.finditer(text):
                    if match.group(1) not in NOT_CALLS and match.group(1) != PLACEHOLDER:
                        where = line + text[: match.start()].count("\n")
                        yield Bare(f"{rel}:{where}", match.group(1), "function (unparsed)")
            continue
        statements, shift = parsed
        wrapped_text = " " * shift + text
        for location, kind, name in bare_names(statements):
            if (rel, name) in REWRITTEN_BEFORE_SENDING:
                continue
            offset = line + wrapped_text.encode()[:location].count(b"\n")
            yield Bare(f"{rel}:{offset}", name, kind)


# The server versions whose variant of a SQL file is read (``-- pg>=N`` lines, db/sqlfiles.py).
MAJORS = range(13, 19)


def findings_in_sql_file(path: Path) -> Iterator[Bare]:
    rel = path.relative_to(SRC.parent).as_posix()
    lines = path.read_text().splitlines()
    for major, superuser in itertools.product(MAJORS, (False, True)):
        # one version's and role's text, excluded lines left empty so that line numbers hold
        text = _template("\n".join(for_role(for_version(line, major), superuser) for line in lines))
        statements = _parse(text)
        assert statements is not None, f"{rel} does not parse for PostgreSQL {major} ({superuser=})"
        for location, kind, name in bare_names(statements):
            line = 1 + text.encode()[:location].count(b"\n")
            yield Bare(f"{rel}:{line}", name, kind)


def all_findings() -> list[Bare]:
    found: list[Bare] = []
    for path in sorted(SRC.rglob("*.py")):
        if not _skip(path):
            found.extend(findings_in_python(path))
    for path in sorted(SRC.rglob("*.sql")):
        if not _skip(path):
            found.extend(findings_in_sql_file(path))
    return sorted(set(found), key=lambda item: (item.where, item.name))


def test_every_function_and_catalog_relation_is_schema_qualified() -> None:
    found = all_findings()
    assert not found, "unqualified in SQL sent to audited servers:\n" + "\n".join(
        str(item) for item in found
    )


# The checker itself: what it reports and what it lets through.


def _names(sql_text: str) -> list[str]:
    parsed = _as_sql(_template(sql_text))
    if parsed is None:
        return []
    return [name for _, _, name in bare_names(parsed[0])]


def test_checker_reports_bare_calls_aggregates_and_catalog_relations() -> None:
    assert _names("SELECT current_setting($1)::int, now() FROM pg_class") == [
        "current_setting",
        "now",
        "pg_class",
    ]
    assert _names("SELECT count(*) FILTER (WHERE x) FROM t") == ["count"]
    assert _names("SELECT 1 WHERE classid = 'pg_class'::regclass") == ["pg_class"]
    assert _names("SELECT 1 WHERE classid = 'pg_catalog.pg_class'::regclass") == []
    # a fragment of an assembled statement
    assert _names("pg_catalog.count(*) AS n, array_agg(x ORDER BY x)") == ["array_agg"]


def test_checker_lets_through_syntax_qualified_calls_ctes_and_composed_names() -> None:
    # COALESCE, GREATEST, NULLIF, CURRENT_USER, EXTRACT, SUBSTRING ... FROM, AT TIME ZONE:
    # syntax, not a function looked up along search_path (or qualified by the parser itself)
    assert (
        _names(
            "SELECT coalesce(a, 1), greatest(a, b), nullif(a, b), current_user, "
            "extract(epoch FROM pg_catalog.now()), substring(a FROM 2), a AT TIME ZONE 'UTC'"
        )
        == []
    )
    # unnest of several arrays in FROM is syntax; of one array it is a call
    assert _names("SELECT * FROM unnest($1::text[], $2::int[]) AS u(a, b)") == []
    assert _names("SELECT * FROM unnest($1::text[]) AS u(a)") == ["unnest"]
    assert _names("WITH pg_x AS (SELECT 1) SELECT * FROM pg_x") == []
    assert _names("SELECT {}.hypopg_reset(), {}(x)") == []
    assert _names("total(ms) of the statement") == []


def test_checker_reads_statements_cut_off_where_code_appends(tmp_path: Path) -> None:
    module = tmp_path / "cut.py"
    module.write_text(
        'QUERY = "SELECT now(), pg_catalog.count(*) FROM t WHERE coalesce(a, b) = "\n'
        'QUERY2 = "SELECT 1 FROM t WHERE x IN (SELECT 1) AND s.dbid = "\n'
    )
    found = [(b.name, b.kind) for b in findings_in_python(module, root=tmp_path)]
    assert found == [("now", "function (unparsed)")]
