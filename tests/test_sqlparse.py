"""sqlparse: tables and column uses read from statement texts, as written and as
pg_stat_statements normalizes them (read back from a real server)."""

from __future__ import annotations

import psycopg
import pytest

from pgharness import TestDatabase
from pgsage.sql.analysis import (
    ColumnUse,
    Operand,
    StatementInfo,
    StatementParser,
    TableRef,
    analyze,
    expression_columns,
    like_shape,
    predicate_filters,
    resolve,
)


def parse(query: str) -> StatementInfo:
    info = analyze(query)
    assert info is not None, query
    return info


def uses(query: str, operator: str | None = None) -> list[tuple[str, str, str, object]]:
    """(tables, column, operator, operand value or kind) for compact assertions."""
    return [
        (
            ",".join(str(t) for t in u.tables),
            u.column,
            u.operator,
            u.operand.value if u.operand.kind in ("literal", "param") else u.operand.kind,
        )
        for u in parse(query).uses
        if operator is None or u.operator == operator
    ]


def test_tables_through_aliases_schemas_and_quoted_names() -> None:
    info = parse(
        'SELECT v.page_path FROM analytics."Site Visits" AS v '
        "JOIN public.users u ON u.id = v.user_id WHERE v.is_admin = false"
    )
    assert info.kind == "select"
    assert info.tables == {TableRef("analytics", "Site Visits"), TableRef("public", "users")}
    assert uses('SELECT 1 FROM analytics."Site Visits" v WHERE v.data @> $1') == [
        ("analytics.Site Visits", "data", "@>", 1)
    ]


def test_ctes_and_derived_tables_are_not_tables() -> None:
    info = parse(
        "WITH recent AS (SELECT * FROM bot_logs WHERE created_at > now() - $1) "
        "SELECT * FROM recent r JOIN (SELECT id FROM users) s ON s.id = r.user_id "
        "WHERE r.level = $2"
    )
    assert info.tables == {TableRef(None, "bot_logs"), TableRef(None, "users")}
    # r.level is a CTE column, s.id a derived table's: no base table to attribute them to
    assert [(u.column, u.tables) for u in info.uses] == [
        ("created_at", (TableRef(None, "bot_logs"),))
    ]


def test_jsonb_operators_and_paths() -> None:
    found = uses(
        "SELECT * FROM applications a WHERE a.interview_data @> $1 "
        "AND a.audit ? $2 AND a.audit ?| $3 AND a.audit ?& array[$4] "
        "AND a.plan @? $5 AND a.plan @@ $6 AND a.meta ->> $7 = $8"
    )
    assert ("applications", "interview_data", "@>", 1) in found
    assert ("applications", "audit", "?", 2) in found
    assert ("applications", "audit", "?|", 3) in found
    assert ("applications", "audit", "?&", "other") in found
    assert ("applications", "plan", "@?", 5) in found
    assert ("applications", "plan", "@@", 6) in found
    assert ("applications", "meta", "->>", 7) in found
    [eq] = [
        u for u in parse("SELECT 1 FROM t WHERE data -> 'tags' @> $1").uses if u.operator == "@>"
    ]
    assert (eq.column, eq.wrapper) == ("data", "->")


def test_reversed_operands_are_commuted() -> None:
    assert uses("SELECT 1 FROM t WHERE $1 <@ data AND $2 = status AND $3 < created_at") == [
        ("t", "data", "@>", 1),
        ("t", "status", "=", 2),
        ("t", "created_at", ">", 3),
    ]


def test_like_shapes() -> None:
    def shape(query: str) -> tuple[str, str, str | None]:
        [use] = parse(query).uses_of("~~", "~~*")
        return use.operator, like_shape(use.operand), use.wrapper

    assert shape("SELECT 1 FROM u WHERE name LIKE '%bob%'") == ("~~", "leading-wildcard", None)
    assert shape("SELECT 1 FROM u WHERE name ILIKE '_ob'") == ("~~*", "leading-wildcard", None)
    assert shape("SELECT 1 FROM u WHERE name LIKE 'bob%'") == ("~~", "anchored", None)
    assert shape("SELECT 1 FROM u WHERE lower(name) LIKE '%' || $1 || '%'") == (
        "~~",
        "leading-wildcard",
        "lower",
    )
    # pg_stat_statements' form of '%' || :q || '%'
    assert shape("SELECT 1 FROM u WHERE email LIKE $2 || $1 || $3") == ("~~", "param-concat", None)
    assert shape("SELECT 1 FROM u WHERE name ILIKE $1") == ("~~*", "param", None)
    assert shape("SELECT 1 FROM u WHERE name::text ~~* $1") == ("~~*", "param", None)


def test_constant_filters_and_boolean_shapes() -> None:
    info = parse(
        "SELECT * FROM site_visits WHERE is_admin = FALSE AND status = 'active' "
        "AND NOT is_bot AND is_active AND deleted IS FALSE AND visit_date >= $1 "
        "AND (kind = 'a' OR kind = 'b') ORDER BY visit_date DESC"
    )
    filters = {(u.column, u.operand.value) for u in info.uses if u.is_constant_filter}
    assert filters == {
        ("is_admin", False),
        ("status", "active"),
        ("is_bot", False),
        ("is_active", True),
        ("deleted", False),
    }
    # inside an OR, a condition filters only some rows: not a constant filter
    assert {u.column for u in info.uses if u.column == "kind" and u.conjunct} == set()
    assert ("site_visits", "visit_date", "order-by", "other") in uses(
        "SELECT * FROM site_visits WHERE visit_date >= $1 ORDER BY visit_date DESC"
    )


def test_unqualified_columns_list_every_table_in_scope_innermost_first() -> None:
    info = parse(
        "SELECT * FROM users u WHERE EXISTS (SELECT 1 FROM orders o "
        "WHERE o.user_id = u.id AND status = $1)"
    )
    [status] = [u for u in info.uses if u.column == "status"]
    assert status.tables == (TableRef(None, "orders"), TableRef(None, "users"))
    has = {(TableRef(None, "users"), "status")}
    assert resolve(status, lambda t, c: (t, c) in has) == TableRef(None, "users")


def test_dml_and_cursors() -> None:
    assert (
        parse("UPDATE users SET name = $1 WHERE id = $2 AND NOT is_admin RETURNING id").kind
        == "update"
    )
    assert uses(
        "DELETE FROM bot_logs b USING users u WHERE b.user_id = u.id AND u.is_admin IS TRUE", "="
    )[-1] == ("users", "is_admin", "=", True)
    info = parse("INSERT INTO archive SELECT * FROM site_visits WHERE visit_date < $1")
    assert info.kind == "insert" and TableRef(None, "archive") in info.tables
    declare = parse("DECLARE \"c1\" CURSOR WITH HOLD FOR SELECT * FROM u WHERE name LIKE '%x'")
    assert declare.kind == "select" and declare.tables == {TableRef(None, "u")}
    assert parse("SELECT * FROM t LIMIT $1").has_limit
    assert not parse("SELECT * FROM t").has_limit
    assert parse("VACUUM t").kind == "other"


def test_unparsable_texts_are_skipped() -> None:
    assert analyze("SELEC * FROM broken") is None
    assert analyze("SELECT * FROM t WHERE x = (") is None  # a truncated text
    assert analyze("") is None
    assert analyze("SELECT 1 FROM t WHERE a IN ($1 /*, ... */)") is not None
    # nested deeper than Python's stack allows: skipped, not an error
    deep = " || ".join(["$1"] * 3000)
    assert analyze(f"SELECT 1 FROM t WHERE x = {deep}") is None  # noqa: S608 — parsed only


def test_a_parser_reads_each_text_once() -> None:
    text = "SELECT * FROM cache_probe WHERE flag"
    parser = StatementParser()
    assert parser.analyze(text) is parser.analyze(text)
    assert analyze(text) is not analyze(text)  # no state kept between calls


def test_statements_differing_only_in_table_names_are_read_once() -> None:
    """Read as one template, each gets its own names back, as when read on its own."""
    parser = StatementParser()
    for schema, table in [("app", "a_seq"), ("billing", "b_seq")]:
        text = f'SELECT last_value FROM "{schema}"."{table}" x WHERE x.is_called'  # noqa: S608
        info = parser.analyze(text)
        assert info == parse(text) and info is not None
        assert info.tables == {TableRef(schema, table)}
        assert [(u.column, u.tables) for u in info.uses] == [
            ("is_called", (TableRef(schema, table),))
        ]
    # a name used elsewhere too (qualifier, CTE name, literal) is read the full way
    assert uses("SELECT 1 FROM t2 WHERE t2.a = 't2'") == [("t2", "a", "=", "t2")]
    assert parse("WITH t3 AS (SELECT 1) SELECT * FROM t3, u3").tables == {TableRef(None, "u3")}


def test_expression_and_predicate_helpers() -> None:
    assert expression_columns("lower((name)::text)") == {"name"}
    assert expression_columns("(data -> 'tags'::text)") == {"data"}
    assert expression_columns("((") == frozenset()
    [f] = predicate_filters("(status)::text = 'active'::text")
    assert (f.column, f.operand) == ("status", Operand("literal", "active"))
    [g] = predicate_filters("NOT is_admin")
    assert (g.column, g.operand.value) == ("is_admin", False)
    assert predicate_filters("status <> 'done'::text") == []


def test_column_use_is_constant_filter() -> None:
    use = ColumnUse((TableRef(None, "t"),), "flag", "=", Operand("param", 1), None, True)
    assert use.is_constant_filter
    assert not ColumnUse(
        (TableRef(None, "t"),), "flag", "=", Operand("column"), None, True
    ).is_constant_filter


def test_reads_pg_stat_statements_texts(db: TestDatabase) -> None:
    """What the server records (constants as $n, IN lists collapsed on 18) parses, and the
    uses come out with parameters where the application passed values."""
    db.execute(
        "CREATE TABLE users (id int PRIMARY KEY, name text, is_admin bool, "
        "status text, data jsonb, created_at timestamptz)"
    )
    db.execute("SELECT pg_stat_statements_reset()")
    with psycopg.connect(db.dsn, autocommit=True) as conn:
        conn.execute(
            "SELECT * FROM users WHERE is_admin = false AND status IN ('a', 'b', 'c') "
            "AND created_at > now() - interval '7 days' ORDER BY created_at LIMIT 10"
        )
        conn.execute(
            "SELECT * FROM users WHERE name LIKE '%%' || %s || '%%' AND data @> %s",
            ["bob", '{"k": 1}'],
        )
        texts = [
            str(r[0])
            for r in conn.execute(
                "SELECT query FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database "
                "WHERE datname = current_database()) AND query ILIKE '%users%'"
            ).fetchall()
        ]
    assert len(texts) == 2
    for text in texts:
        assert "$1" in text
        info = parse(text)
        assert info.tables == {TableRef(None, "users")}
    by_column = {u.column: u for text in texts for u in parse(text).uses}
    assert by_column["is_admin"].is_constant_filter
    assert by_column["is_admin"].operand.kind == "param"
    assert like_shape(by_column["name"].operand) == "param-concat"
    assert by_column["data"].operator == "@>"


@pytest.mark.parametrize("text", ["SELECT $1::int", "SHOW work_mem", "BEGIN", "COMMIT"])
def test_statements_without_tables(text: str) -> None:
    info = parse(text)
    assert info.tables == frozenset()


def test_a_parser_starts_with_what_an_earlier_one_read() -> None:
    # pgsage mcp audits again and again: the last audit's texts are not parsed again.
    earlier = StatementParser()
    text = "SELECT * FROM orders WHERE status = $1"
    known = earlier.known([text])
    assert known == {text: analyze(text)}
    later = StatementParser(known)
    assert later.analyze(text) is known[text]  # the same object: not parsed again
    assert later.analyze("SELECT 1 FROM other") == analyze("SELECT 1 FROM other")
