"""pytest plugin (entry point ``pgsage``, loaded automatically when pgsage is installed).

Each test's call phase runs inside a unit of work, so any engine the test suite instrumented
with ``pgsage.instrument(engine)`` reports into it:

* ``@pytest.mark.max_queries(n)`` fails the test when it runs more than ``n`` statements and
  lists them;
* the ``queries`` fixture is the list of statements the test ran (sql, params_count,
  duration_ms, call_site, ...);
* N+1 queries fail the test with the report (ini ``pgsage_nplusone = raise|warn|log|off``,
  default raise at ``pgsage_nplusone_threshold = 2`` repeats; ``@pytest.mark.nplusone("off")``
  or ``@pytest.mark.nplusone(threshold=5)`` per test).

Without an instrumented engine nothing records into the unit and the plugin does nothing, which
is why it can stay enabled in every test session (it imports neither SQLAlchemy nor
prometheus-client). Fixtures' statements are outside the call phase and are not counted.
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from pgsage.instrument.findings import CapturedQuery, UnitReport
from pgsage.instrument.report import format_queries, format_unit_report
from pgsage.instrument.unit import TEST_GATES, Mode, Unit, act_on, check_mode

INI_MODE = "pgsage_nplusone"
INI_THRESHOLD = "pgsage_nplusone_threshold"
_OFF = ("off", "none", "false", "0", "")


@dataclass
class _TestState:
    unit: Unit
    max_queries: int | None


_STATE = pytest.StashKey[_TestState]()
_RECORDED = pytest.StashKey[set[str]]()
RECORD_OPTION = "--pgsage-record"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        RECORD_OPTION,
        dest="pgsage_record",
        metavar="FILE",
        default=None,
        help="pgsage: write the distinct SQL statements the tests ran (instrumented engines) "
        "to FILE, for `pgsage plan --queries FILE`",
    )
    parser.addini(
        INI_MODE,
        "pgsage: what an N+1 in a test does: raise (fail the test), warn, log or off",
        default="raise",
    )
    parser.addini(
        INI_THRESHOLD,
        "pgsage: repeats of a statement that make an N+1 in tests",
        default=str(TEST_GATES.min_repeats),
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "max_queries(n): fail the test if it runs more than n SQL statements "
        "(pgsage; counts statements of instrumented engines)",
    )
    config.addinivalue_line(
        "markers",
        "nplusone(mode='raise', threshold=None): pgsage N+1 detection for this test; "
        "mode is raise, warn, log or off",
    )


def _mode(value: object) -> Mode | None:
    text = str(value).strip().lower()
    return None if text in _OFF else check_mode(text)


def _settings(item: pytest.Item) -> tuple[Mode | None, int]:
    mode = _mode(item.config.getini(INI_MODE))
    threshold = int(str(item.config.getini(INI_THRESHOLD)))
    marker = item.get_closest_marker("nplusone")
    if marker is not None:
        if marker.args or "mode" in marker.kwargs:
            mode = _mode(marker.kwargs.get("mode", marker.args[0] if marker.args else "raise"))
        threshold = int(marker.kwargs.get("threshold", threshold))
    return mode, threshold


def _state(item: pytest.Item) -> _TestState:
    state = item.stash.get(_STATE, None)
    if state is None:
        mode, threshold = _settings(item)
        marker = item.get_closest_marker("max_queries")
        budget = None
        if marker is not None:
            budget = int(marker.args[0] if marker.args else marker.kwargs["n"])
        capture = (
            budget is not None
            or "queries" in getattr(item, "fixturenames", ())
            or _recording(item.config)
        )
        unit = Unit(
            item.nodeid,
            nplusone=mode,
            threshold=threshold,
            min_total_ms=TEST_GATES.min_total_ms,
            capture=capture,
        )
        state = item.stash[_STATE] = _TestState(unit, budget)
    return state


@pytest.fixture
def queries(request: pytest.FixtureRequest) -> list[CapturedQuery]:
    """The statements the test has run so far (instrumented engines only), in order."""
    return _state(request.node).unit.queries


def _budget_message(report: UnitReport, budget: int, dropped: int) -> str:
    lines = [
        f"max_queries({budget}) exceeded: the test ran {report.query_count} SQL statements",
        format_queries(report.queries),
    ]
    if dropped:
        lines.append(f"  ({dropped} more were not captured)")
    return "\n".join(lines)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, Any, Any]:
    state = _state(item)
    unit = state.unit
    unit.activate()
    try:
        result = yield
    finally:
        unit.deactivate()
        if _recording(item.config):
            item.config.stash.setdefault(_RECORDED, set()).update(q.sql for q in unit.queries)
    # Only reached when the test body passed: a failing test keeps its own error.
    report, mode = unit.report()
    failures = []
    if state.max_queries is not None and report.query_count > state.max_queries:
        failures.append(_budget_message(report, state.max_queries, unit.dropped))
    if report.nplusone:
        unit.publish(report)
        only_nplusone = UnitReport(
            report.unit, None, report.query_count, report.total_ms, report.nplusone
        )
        if mode == "raise":
            failures.append(format_unit_report(only_nplusone))
        else:
            act_on(only_nplusone, mode, stacklevel=2)
    if failures:
        pytest.fail("\n".join(failures), pytrace=False)
    return result


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item) -> Generator[None, Any, Any]:
    try:
        return (yield)
    finally:
        if _STATE in item.stash:
            del item.stash[_STATE]  # a rerun starts from a fresh unit


def _recording(config: pytest.Config) -> bool:
    return config.getoption("pgsage_record", None) is not None


def pytest_sessionfinish(session: pytest.Session) -> None:
    """With ``--pgsage-record FILE``: the statements, one per ``;``-terminated entry, sorted
    (the file diffs well), written to a temporary file and renamed."""
    target = session.config.getoption("pgsage_record", None)
    if target is None:
        return
    statements = sorted(session.config.stash.get(_RECORDED, None) or ())
    path = Path(str(target))
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text("".join(f"{s.strip().rstrip(';')};\n" for s in statements), "utf-8")
    temporary.replace(path)
