"""The slow-query log and EXPLAIN sampling against a real server."""

from __future__ import annotations

import asyncio
import logging
import threading

import pytest
from sqlalchemy import exc, text
from sqlalchemy.engine import Engine
from sqlalchemy.ext.asyncio import create_async_engine

import pgsage
from pgsage.instrument import unit_of_work

HERE = "tests/instrument/test_instrument_slow.py"


def slow_records(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.getMessage().startswith("slow query")]


def test_slow_query_warning_with_structured_context(
    engine: Engine, caplog: pytest.LogCaptureFixture, request: pytest.FixtureRequest
) -> None:
    with (
        caplog.at_level(logging.WARNING, logger="pgsage.instrument"),
        # 40 ms: the sleeps below take at least 50 ms; SELECT 1 keeps 40 ms of room on a busy box
        pgsage.instrument(engine, slow_query_ms=40, metrics=False) as handle,
        engine.connect() as conn,
    ):
        conn.execute(text("SELECT 1")).all()  # fast: not logged
        conn.execute(text("SELECT pg_sleep(0.05)")).all()  # slow-line
        with unit_of_work("nightly report", request_id="req-42"):
            conn.execute(text("SELECT pg_sleep(0.051)")).all()  # same shape
    first, second = slow_records(caplog)
    assert first.levelno == logging.WARNING
    assert first.name == "pgsage.instrument"
    extra = first.__dict__
    assert extra["duration_ms"] >= 50
    assert extra["rows"] == 1
    assert extra["statement"] == "SELECT"
    assert extra["sql"] == "SELECT pg_sleep(0.05)"
    assert len(extra["fingerprint"]) == 16
    assert extra["call_site"] == f"{HERE}:{line_of('slow-line')}"
    assert extra["unit"] == request.node.nodeid  # the pytest plugin's unit of work
    assert second.__dict__["unit"] == "nightly report"
    assert second.__dict__["request_id"] == "req-42"
    assert "in nightly report" in second.getMessage()
    [summary] = handle.events.snapshot().slow  # same shape: aggregated
    assert summary.count == 2
    assert summary.max_ms >= 50


def line_of(marker: str) -> int:
    with open(__file__, encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            if line.rstrip().endswith(f"# {marker}"):
                return number
    raise AssertionError(marker)


def test_failed_statements_are_timed_and_counted(
    engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    with (
        caplog.at_level(logging.WARNING, logger="pgsage.instrument"),
        # the cancelled statement runs at least 100 ms; the SET keeps 60 ms of room on a busy box
        pgsage.instrument(engine, slow_query_ms=60, metrics=False),
        unit_of_work("timeouts", capture=True) as unit,
        engine.connect() as conn,
    ):
        conn.execute(text("SET statement_timeout = '100ms'"))
        with pytest.raises(exc.OperationalError):
            conn.execute(text("SELECT pg_sleep(1)"))
    [record] = slow_records(caplog)
    assert "(failed)" in record.getMessage()
    assert record.__dict__["failed"] is True
    assert [q.error for q in unit.queries] == [False, True]


def test_explain_sampling_for_slow_selects_only(
    engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    with (
        caplog.at_level(logging.INFO, logger="pgsage.instrument"),
        pgsage.instrument(engine, slow_query_ms=10, explain_slow=True, metrics=False) as handle,
    ):
        with engine.connect() as conn:
            query = text(
                "SELECT u.id, pg_sleep(0.02) FROM users u JOIN orders o "
                "ON o.user_id = u.id WHERE u.id = :id"
            )
            conn.execute(query, {"id": 1}).all()
            conn.execute(query, {"id": 2}).all()  # same shape within a minute: no second plan
            conn.execute(
                text("UPDATE users SET name = name WHERE id = :id AND pg_sleep(0.02) IS NOT NULL"),
                {"id": 1},
            )
            conn.commit()
        handle.wait_for_explains()
        events = handle.events.snapshot()
    plans = [r for r in caplog.records if r.getMessage().startswith("EXPLAIN")]
    assert len(plans) == 1
    assert plans[0].__dict__["statement"] == "SELECT users, orders"
    assert isinstance(plans[0].__dict__["plan"], list)
    by_name = {s.statement: s for s in events.slow}
    assert by_name["SELECT users, orders"].plan is not None
    assert "Scan on" in (by_name["SELECT users, orders"].plan_summary or "")
    assert by_name["UPDATE users"].plan is None  # writes are never explained
    assert "Slow queries" in handle.report_markdown()


def test_explain_sampling_with_an_async_engine(url: str) -> None:
    async def scenario() -> object:
        engine = create_async_engine(url)
        try:
            with pgsage.instrument(
                engine, slow_query_ms=10, explain_slow=True, metrics=False
            ) as handle:
                async with engine.connect() as conn:
                    await conn.execute(
                        text("SELECT id, pg_sleep(0.02) FROM users WHERE id = :id"), {"id": 3}
                    )
                for _ in range(200):  # the plan is fetched by a task on this loop
                    if handle.events.snapshot().slow[0].plan is not None:
                        break
                    await asyncio.sleep(0.01)
                return handle.events.snapshot().slow[0].plan_summary
        finally:
            await engine.dispose()

    summary = asyncio.run(scenario())
    assert summary is not None
    assert "users" in str(summary)


def test_explain_threshold_below_the_slow_threshold(
    engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    """A statement slower than explain_threshold_ms but not slow is explained, outside any
    unit of work (a thread of its own: no pytest unit) as well."""

    def run() -> None:
        with engine.connect() as conn:
            conn.execute(text("SELECT u.id, pg_sleep(0.02) FROM users u WHERE u.id = 1")).all()

    with (
        caplog.at_level(logging.INFO, logger="pgsage.instrument"),
        pgsage.instrument(
            engine, slow_query_ms=5000, explain_slow=True, explain_threshold_ms=10, metrics=False
        ) as handle,
    ):
        thread = threading.Thread(target=run)
        thread.start()
        thread.join()
        handle.wait_for_explains()
        events = handle.events.snapshot()
    plans = [r for r in caplog.records if r.getMessage().startswith("EXPLAIN")]
    assert [p.__dict__["statement"] for p in plans] == ["SELECT users"]
    assert events.slow == ()  # not slow, so not in the slow-query log
