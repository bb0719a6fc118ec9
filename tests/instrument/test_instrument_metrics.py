"""Prometheus metrics and pool statistics against real servers: the exposed names, bounded
statement labels, SQLSTATE classes, pool gauges under concurrent checkouts, checkout waits and
timeouts, the utilisation warning, and a clean ``.remove()``."""

from __future__ import annotations

import asyncio
import logging
import re
import threading
from collections.abc import Iterator

import pytest
from instrument_models import Order, User
from prometheus_client import CollectorRegistry, generate_latest
from sqlalchemy import create_engine, exc, select, text
from sqlalchemy.engine import Engine
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.orm import Session

import pgsage
from pgsage.errors import UsageError
from pgsage.instrument import QueryMetrics


def scrape(registry: CollectorRegistry) -> str:
    return generate_latest(registry).decode()


def sample(text_: str, name: str, **labels: str) -> float | None:
    """The value of one sample in Prometheus text format, or None."""
    wanted = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    for line in text_.splitlines():
        if line.startswith("#"):
            continue
        match = re.match(r"^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$", line)
        if not match or match.group(1) != name:
            continue
        found = ",".join(sorted(match.group(2).split(","))) if match.group(2) else ""
        if found == wanted:
            return float(match.group(3))
    return None


def test_metrics_are_exposed_with_the_expected_names(
    engine: Engine, registry: CollectorRegistry
) -> None:
    with pgsage.instrument(engine, registry=registry, name="main"):
        with Session(engine) as session:
            session.scalars(select(User)).all()
            session.get(Order, 10)
        with engine.connect() as conn, pytest.raises(exc.ProgrammingError):
            conn.execute(text("SELECT * FROM no_such_table"))
        metrics = scrape(registry)
        assert sample(metrics, "db_query_duration_seconds_count", statement="SELECT users") == 1
        assert sample(metrics, "db_query_duration_seconds_count", statement="SELECT orders") == 1
        assert (
            sample(metrics, "db_query_duration_seconds_bucket", statement="SELECT users", le="+Inf")
            == 1
        )
        assert sample(metrics, "db_query_errors_total", sqlstate_class="42") == 1
        for gauge in (
            "db_pool_size",
            "db_pool_checked_out",
            "db_pool_checked_in",
            "db_pool_overflow",
        ):
            assert sample(metrics, gauge, pool="main") is not None, gauge
        assert sample(metrics, "db_pool_size", pool="main") == 5
        assert sample(metrics, "db_pool_checked_out", pool="main") == 0
        assert sample(metrics, "db_pool_checkout_wait_seconds_count", pool="main") == 2
        assert sample(metrics, "db_pool_checkout_timeouts_total", pool="main") == 0
        assert sample(metrics, "db_pool_connections_opened_total", pool="main") == 1
        for name in (
            "db_query_duration_seconds",
            "db_query_errors_total",
            "db_pool_checkout_wait_seconds",
            "db_pool_checkout_timeouts_total",
        ):
            assert f"# TYPE {name.removesuffix('_total')}" in metrics, name


def test_statement_labels_are_bounded(engine: Engine, registry: CollectorRegistry) -> None:
    with pgsage.instrument(engine, registry=registry, metrics_top_k=2), engine.connect() as conn:
        conn.execute(select(User.id)).all()
        conn.execute(select(User.id, User.name)).all()  # same name, another shape
        conn.execute(select(Order.id)).all()  # over the limit
        conn.execute(text("SELECT 1")).all()
        metrics = scrape(registry)
    labels = set(re.findall(r'db_query_duration_seconds_count\{statement="([^"]+)"\}', metrics))
    assert len(labels) == 3
    assert "SELECT users" in labels
    assert "other" in labels
    assert any(re.fullmatch(r"SELECT users \[[0-9a-f]{8}\]", label) for label in labels)
    assert sample(metrics, "db_query_duration_seconds_count", statement="other") == 2


def test_pool_gauges_under_concurrent_checkouts(url18: str, registry: CollectorRegistry) -> None:
    engine = create_engine(url18, pool_size=2, max_overflow=3)
    holders = 4
    checked_out = threading.Barrier(holders + 1)
    release = threading.Event()

    def hold() -> None:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
            checked_out.wait(timeout=20)
            release.wait(timeout=20)

    try:
        with pgsage.instrument(engine, registry=registry, name="app"):
            threads = [threading.Thread(target=hold) for _ in range(holders)]
            for thread in threads:
                thread.start()
            checked_out.wait(timeout=20)
            busy = scrape(registry)
            release.set()
            for thread in threads:
                thread.join(timeout=20)
            idle = scrape(registry)
    finally:
        engine.dispose()
    assert {
        g: sample(busy, g, pool="app")
        for g in ("db_pool_size", "db_pool_checked_out", "db_pool_checked_in", "db_pool_overflow")
    } == {
        "db_pool_size": 2,
        "db_pool_checked_out": 4,
        "db_pool_checked_in": 0,
        "db_pool_overflow": 2,
    }
    # the two overflow connections are closed on return, two stay idle in the pool
    assert {
        g: sample(idle, g, pool="app")
        for g in ("db_pool_size", "db_pool_checked_out", "db_pool_checked_in", "db_pool_overflow")
    } == {
        "db_pool_size": 2,
        "db_pool_checked_out": 0,
        "db_pool_checked_in": 2,
        "db_pool_overflow": 0,
    }
    assert sample(idle, "db_pool_checkout_wait_seconds_count", pool="app") == holders
    assert sample(idle, "db_pool_connections_opened_total", pool="app") == holders


def test_checkout_timeouts_and_the_utilisation_warning(
    url18: str, registry: CollectorRegistry, caplog: pytest.LogCaptureFixture
) -> None:
    engine = create_engine(url18, pool_size=1, max_overflow=1, pool_timeout=0.2)
    try:
        with (
            caplog.at_level(logging.WARNING, logger="pgsage.instrument"),
            pgsage.instrument(
                engine, registry=registry, name="tiny", pool_warn_after_s=0, pool_warn_every_s=3600
            ),
            engine.connect() as first,
            engine.connect() as second,
        ):
            first.execute(text("SELECT 1"))
            second.execute(text("SELECT 1"))
            with pytest.raises(exc.TimeoutError):
                engine.connect()
            metrics = scrape(registry)  # a scrape checks the utilisation too
    finally:
        engine.dispose()
    assert sample(metrics, "db_pool_checkout_timeouts_total", pool="tiny") == 1
    assert sample(metrics, "db_pool_checkout_wait_seconds_count", pool="tiny") == 3
    warnings = [r for r in caplog.records if "connection pool tiny" in r.getMessage()]
    assert len(warnings) == 1, "rate-limited to one warning"
    assert "100 % in use (2 of 2)" in warnings[0].getMessage()
    assert warnings[0].utilisation == 1.0  # type: ignore[attr-defined]


def test_async_engine_pool_gauges(url18: str, registry: CollectorRegistry) -> None:
    async def scenario() -> tuple[str, str]:
        engine = create_async_engine(url18, pool_size=3)
        try:
            with pgsage.instrument(engine, registry=registry, name="async"):
                async with engine.connect() as one, engine.connect() as two:
                    await one.execute(text("SELECT 1"))
                    await two.execute(select(User.id))
                    busy = scrape(registry)
                return busy, scrape(registry)
        finally:
            await engine.dispose()

    busy, idle = asyncio.run(scenario())
    assert sample(busy, "db_pool_checked_out", pool="async") == 2
    assert sample(busy, "db_pool_size", pool="async") == 3
    assert sample(idle, "db_pool_checked_in", pool="async") == 2
    assert sample(idle, "db_query_duration_seconds_count", statement="SELECT users") == 1


@pytest.fixture
def plain_engine(url18: str) -> Iterator[Engine]:
    engine = create_engine(url18)
    yield engine
    engine.dispose()


def test_remove_restores_an_uninstrumented_engine(
    plain_engine: Engine, registry: CollectorRegistry
) -> None:
    engine = plain_engine
    dialect = engine.dialect
    handle = pgsage.instrument(engine, registry=registry, name="main")
    assert "raw_connection" in vars(engine)
    assert {"do_execute", "do_executemany", "do_execute_no_params"} <= set(vars(dialect))
    with pytest.raises(UsageError, match="already instrumented"):
        pgsage.instrument(engine, registry=CollectorRegistry())
    engine.dispose()  # a new pool: the checkout wait is still measured
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))
    assert sample(scrape(registry), "db_pool_checkout_wait_seconds_count", pool="main") == 1
    handle.remove()
    assert "raw_connection" not in vars(engine)
    assert not {"do_execute", "do_executemany", "do_execute_no_params"} & set(vars(dialect))
    assert "db_query_duration_seconds" not in scrape(registry)
    assert not hasattr(engine, "_pgsage_instrumentation")
    # the registry is free again, and so is the engine
    with pgsage.instrument(engine, registry=registry), engine.connect() as conn:
        conn.execute(text("SELECT 1"))
        assert sample(scrape(registry), "db_query_duration_seconds_count", statement="SELECT") == 1


@pytest.mark.nplusone("off")  # the loop below runs the same query once per engine, on purpose
def test_one_metrics_object_for_two_engines(url18: str, registry: CollectorRegistry) -> None:
    metrics = QueryMetrics(registry)
    engines = [create_engine(url18), create_engine(url18)]
    try:
        with (
            pgsage.instrument(engines[0], metrics=metrics, name="primary"),
            pgsage.instrument(engines[1], metrics=metrics, name="replica"),
        ):
            for engine in engines:
                with engine.connect() as conn:
                    conn.execute(select(User.id)).all()
            text_ = scrape(registry)
            with pytest.raises(UsageError, match="already registered"):
                pgsage.instrument(create_engine(url18), registry=registry)
    finally:
        for engine in engines:
            engine.dispose()
    assert sample(text_, "db_query_duration_seconds_count", statement="SELECT users") == 2
    assert sample(text_, "db_pool_size", pool="primary") == 5
    assert sample(text_, "db_pool_size", pool="replica") == 5
    # shared metrics stay registered after both handles are removed
    assert "db_query_duration_seconds" in scrape(registry)
    assert sample(scrape(registry), "db_pool_size", pool="primary") is None


def test_dialect_methods_called_without_a_context(
    engine: Engine, registry: CollectorRegistry, caplog: pytest.LogCaptureFixture
) -> None:
    """Code of its own may call the dialect's do_execute / do_execute_no_params with no
    execution context: timed all the same, and no internal error."""
    with (
        caplog.at_level(logging.WARNING, logger="pgsage.instrument"),
        pgsage.instrument(engine, registry=registry, name="main"),
    ):
        raw = engine.raw_connection()
        try:
            cursor = raw.cursor()
            engine.dialect.do_execute(cursor, "SELECT 1 FROM users WHERE id = %(id)s", {"id": 1})
            engine.dialect.do_execute_no_params(cursor, "SELECT 2 FROM users")
            cursor.close()
        finally:
            raw.close()
        metrics = scrape(registry)
    counts = re.findall(
        r'db_query_duration_seconds_count\{statement="SELECT users[^"]*"\} (\S+)', metrics
    )
    assert [float(c) for c in counts] == [1.0, 1.0]  # two shapes of one name
    assert not [r for r in caplog.records if "instrumentation failed" in r.getMessage()]
