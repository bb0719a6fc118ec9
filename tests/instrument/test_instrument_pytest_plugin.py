"""The pytest plugin, run with pytester against a real server: max_queries, the queries
fixture, N+1 failures with the report, the ini option and marker, and inertness."""

from __future__ import annotations

import pytest

pytest_plugins = ["pytester"]

CONFTEST = """
import pytest
from sqlalchemy import create_engine

import pgsage

@pytest.fixture(scope="session")
def engine():
    engine = create_engine({url!r})
    handle = pgsage.instrument(engine, metrics=False, nplusone="warn")
    yield engine
    handle.remove()
    engine.dispose()
"""

TESTS = """
import pytest
from instrument_models import Order, User
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload


def load_users(engine, eager=False):
    stmt = select(User).order_by(User.id)
    if eager:
        stmt = stmt.options(selectinload(User.orders))
    with Session(engine) as session:
        return [len(user.orders) for user in session.scalars(stmt)]


def test_lazy_loads(engine):
    assert load_users(engine) == [2, 2, 2]


def test_eager_loads(engine):
    assert load_users(engine, eager=True) == [2, 2, 2]


@pytest.mark.max_queries(1)
def test_over_budget(engine):
    load_users(engine, eager=True)


@pytest.mark.max_queries(2)
def test_within_budget(engine):
    load_users(engine, eager=True)


def test_queries_fixture(engine, queries):
    load_users(engine, eager=True)
    assert [q.name for q in queries] == ["SELECT users", "SELECT orders"]
    first = queries[0]
    assert first.params_count == 0 and first.duration_ms > 0 and first.rows == 3
    assert first.call_site.startswith("test_app.py:")
    assert queries[1].params_count == 3


@pytest.mark.nplusone("off")
def test_n_plus_one_allowed_here(engine):
    load_users(engine)


def test_without_a_database():
    assert True
"""


@pytest.fixture
def project(pytester: pytest.Pytester, url18: str) -> pytest.Pytester:
    pytester.makeconftest(CONFTEST.format(url=url18))
    pytester.makepyfile(test_app=TESTS)
    return pytester


def test_failures_show_the_n_plus_one_report_and_the_statements(project: pytest.Pytester) -> None:
    result = project.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=5, failed=2)
    result.stdout.fnmatch_lines(
        [
            "*test_lazy_loads*",
            "*N+1 queries (1):*",
            "*lazy load of User.orders repeated 3 times*",
            "*first at test_app.py:*",
            "*select(User).options(selectinload(User.orders))*",
        ]
    )
    result.stdout.fnmatch_lines(
        [
            "*test_over_budget*",
            "*max_queries(1) exceeded: the test ran 2 SQL statements*",
            "*1. SELECT users*",
            "*2. SELECT orders*",
        ]
    )
    result.stdout.fnmatch_lines(
        ["FAILED test_app.py::test_lazy_loads*", "FAILED test_app.py::test_over_budget*"]
    )


def test_ini_option_turns_detection_into_warnings_or_off(project: pytest.Pytester) -> None:
    project.makeini("[pytest]\npgsage_nplusone = warn\n")
    result = project.runpytest("-p", "no:cacheprovider", "-k", "lazy")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["*NPlusOneWarning*", "*lazy load of User.orders*"])
    project.makeini("[pytest]\npgsage_nplusone = off\n")
    result = project.runpytest("-p", "no:cacheprovider", "-k", "lazy")
    result.assert_outcomes(passed=1)
    assert "N+1" not in result.stdout.str()


def test_record_writes_the_statements_for_pgsage_plan(project: pytest.Pytester) -> None:
    record = project.path / "recorded.sql"
    result = project.runpytest(
        "-p", "no:cacheprovider", "-k", "eager or within", f"--pgsage-record={record}"
    )
    result.assert_outcomes(passed=2)
    statements = [s for s in record.read_text().split(";\n") if s]
    assert statements == sorted(set(statements)) and len(statements) >= 2
    assert any("FROM users" in s for s in statements)
    assert any("FROM orders" in s for s in statements)


def test_ini_threshold(project: pytest.Pytester) -> None:
    project.makeini("[pytest]\npgsage_nplusone_threshold = 4\n")
    result = project.runpytest("-p", "no:cacheprovider", "-k", "lazy")
    result.assert_outcomes(passed=1)


def test_plugin_is_inert_without_instrumentation(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_plain="""
        import pytest

        @pytest.mark.max_queries(0)
        def test_nothing_instrumented(queries):
            assert queries == []
    """
    )
    result = pytester.runpytest("-p", "no:cacheprovider", "--strict-markers")
    result.assert_outcomes(passed=1)
