"""Statement shapes, call sites, reports and the package surface (no database needed)."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from pgsage.instrument.callsite import CallSiteFinder
from pgsage.instrument.findings import (
    CapturedEvents,
    CapturedQuery,
    NPlusOne,
    NPlusOneSummary,
    ProblemKind,
    SlowQuerySummary,
    UnitReport,
)
from pgsage.instrument.report import format_unit_report, render_markdown
from pgsage.instrument.shape import analyse, display_sql, shape_cache, to_dollar_params
from pgsage.instrument.unit import Unit, unit_of_work


def test_placeholders_become_dollar_params() -> None:
    sql = "SELECT a FROM t WHERE id = %(id_1)s AND x LIKE 'a%%' AND y = %s"
    assert to_dollar_params(sql) == "SELECT a FROM t WHERE id = $1 AND x LIKE 'a%' AND y = $2"


def test_fingerprint_ignores_parameter_names_and_in_list_length() -> None:
    one = analyse("SELECT users.id FROM users WHERE users.id = %(pk_1)s::INTEGER")
    other = analyse("SELECT users.id FROM users WHERE users.id = %(id_1)s::INTEGER")
    assert one.fingerprint == other.fingerprint
    short = analyse("SELECT o.id FROM orders o WHERE o.user_id IN (%(p_1)s, %(p_2)s)")
    long = analyse("SELECT o.id FROM orders o WHERE o.user_id IN (%(p_1)s, %(p_2)s, %(p_3)s)")
    assert short.fingerprint == long.fingerprint
    assert long.sql.endswith("IN (%(p_1)s, ...)")
    assert analyse("SELECT id FROM orders").fingerprint != one.fingerprint


@pytest.mark.parametrize(
    ("sql", "name", "verb", "columns"),
    [
        ("SELECT users.id FROM users WHERE users.id = %(pk_1)s", "SELECT users", "SELECT", ("id",)),
        (
            "SELECT o.id FROM orders o WHERE %(param_1)s::INTEGER = o.user_id",
            "SELECT orders",
            "SELECT",
            ("user_id",),
        ),
        (
            "SELECT u.id FROM users u JOIN orders o ON o.user_id = u.id",
            "SELECT users, orders",
            "SELECT",
            (),
        ),
        (
            "WITH recent AS (SELECT * FROM orders) SELECT * FROM recent",
            "SELECT orders",
            "SELECT",
            (),
        ),
        (
            "INSERT INTO orders (user_id) VALUES (%(user_id)s) RETURNING orders.id",
            "INSERT orders",
            "INSERT",
            (),
        ),
        (
            "UPDATE items SET sku = %(sku)s WHERE items.id = %(id_1)s",
            "UPDATE items",
            "UPDATE",
            ("id",),
        ),
        ("DELETE FROM items WHERE id = %s", "DELETE items", "DELETE", ("id",)),
        ("SELECT pg_sleep(0.05)", "SELECT", "SELECT", ()),
        ("BEGIN", "BEGIN", "BEGIN", ()),
    ],
)
def test_readable_names(sql: str, name: str, verb: str, columns: tuple[str, ...]) -> None:
    shape = analyse(sql)
    assert (shape.name, shape.verb, shape.where_columns) == (name, verb, columns)


def test_unparsable_text_gets_a_stable_fallback() -> None:
    one = analyse("FROBNICATE INTO widgets 42")
    assert one == analyse("FROBNICATE   INTO widgets 42")
    assert one.verb == "FROBNICATE"
    assert len(one.fingerprint) == 16


def test_shape_cache_is_bounded_and_per_owner() -> None:
    first, second = shape_cache(2), shape_cache(2)
    for n in range(5):
        first(f"SELECT {n}")
    info = first.cache_info()  # type: ignore[attr-defined]
    assert info.currsize == 2
    assert second.cache_info().currsize == 0  # type: ignore[attr-defined]


def test_display_sql_collapses_whitespace_and_truncates() -> None:
    assert display_sql("SELECT\n   a\n  FROM t") == "SELECT a FROM t"
    assert len(display_sql("SELECT " + "x, " * 1000 + "y")) == 600


def test_call_site_is_the_first_frame_outside_sqlalchemy_pgsage_and_stdlib() -> None:
    finder = CallSiteFinder()
    line = sys._getframe().f_lineno + 1
    site = finder.find()
    assert site == f"tests/instrument/test_instrument_shape.py:{line}"


def _finding(kind: ProblemKind = ProblemKind.LAZY_LOAD) -> NPlusOne:
    from pgsage.instrument.advice import lazy_load_fix

    return NPlusOne(
        kind=kind,
        unit="GET /users",
        count=3,
        total_ms=4.5,
        call_site="app/views.py:42",
        statement="SELECT orders",
        sql="SELECT orders.id FROM orders WHERE %(param_1)s = orders.user_id",
        fingerprint="abc",
        fix=lazy_load_fix("User.orders", uselist=True, parent_joins_target=False),
        relationship="User.orders",
        parent_query="SELECT users at app/views.py:40",
    )


def test_unit_report_text_names_everything_needed_to_fix_it() -> None:
    query = CapturedQuery("SELECT 1", "SELECT", "f", 0, 0.5, "app.py:1")
    report = UnitReport("GET /users", "req-1", 4, 6.0, (_finding(),), None, (query,))
    text = format_unit_report(report)
    for expected in (
        'unit of work "GET /users" (request req-1)',
        "lazy load of User.orders repeated 3 times",
        "first at app/views.py:42",
        "parent query: SELECT users at app/views.py:40",
        "select(User).options(selectinload(User.orders))",
    ):
        assert expected in text
    assert str(report) == text


def test_markdown_section_for_n1_queries_fixes() -> None:
    events = CapturedEvents(
        nplusone=(NPlusOneSummary(_finding(), occurrences=7, max_count=3, total_ms=31.5),),
        slow=(
            SlowQuerySummary(
                "SELECT orders",
                "abc",
                "SELECT ...",
                2,
                1500.0,
                2500.0,
                "app/report.py:9",
                plan_summary="Seq Scan on orders",
            ),
        ),
    )
    markdown = render_markdown(events)
    assert markdown.startswith("## N+1 queries and their fixes\n")
    for expected in (
        "| 1 | lazy load of User.orders repeated 3 times | `app/views.py:42` | 3 "
        "| 31.5 | `selectinload` |",
        "### 1. Lazy load of `User.orders`",
        "- **Problem:**",
        "- **Location:** `app/views.py:42` (unit of work `GET /users`)",
        "seen in 7 units of work",
        "```sql\nSELECT orders.id FROM orders",
        "select(User).options(selectinload(User.orders))",
        "## Slow queries",
        "| `SELECT orders` | 2 | 1500.0 | 1250.0 | `app/report.py:9` | Seq Scan on orders |",
    ):
        assert expected in markdown
    assert render_markdown(CapturedEvents()).startswith(
        "## N+1 queries and their fixes\n\nNo N+1 queries were captured."
    )


def test_unit_without_instrumented_engine_reports_nothing() -> None:
    with unit_of_work("idle", nplusone="raise", max_queries=0) as unit:
        pass
    assert isinstance(unit, Unit)
    assert unit.query_count == 0


def test_invalid_modes_are_rejected() -> None:
    with pytest.raises(ValueError, match="nplusone must be one of"):
        unit_of_work("x", nplusone="loud")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="at least 2"):
        unit_of_work("x", threshold=1)


def test_import_pgsage_stays_light_and_exports_the_api() -> None:
    # The CLI imports pgsage; the pytest plugin imports pgsage.instrument in every session.
    code = textwrap.dedent("""
        import sys
        import pgsage
        import pgsage.instrument.pytest_plugin
        assert "sqlalchemy" not in sys.modules, "sqlalchemy imported"
        assert "prometheus_client" not in sys.modules, "prometheus_client imported"
        assert callable(pgsage.instrument)
        assert pgsage.unit_of_work is pgsage.instrument.unit_of_work
        assert issubclass(pgsage.NPlusOneError, Exception)
        from pgsage.instrument import Instrumentation, instrument
        assert instrument.__module__ == "pgsage.instrument.core"
        print("ok")
    """)
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


class FakePool:
    """QueuePool's statistics interface, for the utilisation warning's clock logic."""

    _max_overflow = 2

    def __init__(self) -> None:
        self.out = 0

    def size(self) -> int:
        return 8

    def checkedin(self) -> int:
        return max(0, 8 - self.out)

    def checkedout(self) -> int:
        return self.out

    def overflow(self) -> int:
        return max(0, self.out - 8)


def test_pool_warning_needs_a_sustained_high_and_is_rate_limited(
    caplog: pytest.LogCaptureFixture,
) -> None:
    from pgsage.instrument.pool import PoolWatch

    now = [0.0]
    pool = FakePool()
    watch = PoolWatch("main", lambda: pool, after_s=30, every_s=300, clock=lambda: now[0])

    def warnings_at(seconds: float, out: int) -> int:
        now[0], pool.out = seconds, out
        watch.quick_check()
        return len([r for r in caplog.records if "connection pool main" in r.getMessage()])

    with caplog.at_level("WARNING", logger="pgsage.instrument"):
        assert warnings_at(0, 8) == 0  # 80 % is not above 80 %
        assert warnings_at(1, 9) == 0  # 90 %: high since t=1
        assert warnings_at(20, 10) == 0  # not for 30 s yet
        assert warnings_at(31, 9) == 1  # high for 30 s: one warning
        assert warnings_at(100, 10) == 1  # rate-limited
        assert warnings_at(150, 2) == 1  # back to normal resets the window
        assert warnings_at(200, 9) == 1
        assert warnings_at(250, 9) == 1  # high again, but only for 50 s and within 300 s
        assert warnings_at(332, 10) == 2
    assert "100 % in use (10 of 10)" in caplog.records[-1].getMessage()
