"""NPlusOneMiddleware: one unit of work per request in a FastAPI app (sync and async
endpoints), with the route template as the unit name and the client's request id."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from instrument_models import Order, User
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, create_async_engine
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.pool import NullPool

import pgsage
from pgsage.instrument import (
    Instrumentation,
    NPlusOneError,
    NPlusOneMiddleware,
    QueryBudgetError,
)


def make_app(engine: Engine, async_engine: AsyncEngine, **middleware: object) -> FastAPI:
    app = FastAPI()
    app.add_middleware(NPlusOneMiddleware, **middleware)  # type: ignore[arg-type]

    @app.get("/users/{flavour}")
    def users(flavour: str) -> list[dict[str, int]]:  # a sync endpoint: runs in a thread
        stmt = select(User).order_by(User.id)
        if flavour == "eager":
            stmt = stmt.options(selectinload(User.orders))
        with Session(engine) as session:
            return [{"id": u.id, "orders": len(u.orders)} for u in session.scalars(stmt)]

    @app.get("/async/orders")
    async def orders() -> dict[int, int]:
        async with AsyncSession(async_engine) as session:
            counts = {}
            for user in (await session.scalars(select(User))).all():
                found = await session.scalars(select(Order).where(Order.user_id == user.id))
                counts[user.id] = len(found.all())
            return counts

    return app


@pytest.fixture
def engines(url18: str, engine18: Engine) -> Iterator[tuple[Engine, AsyncEngine, Instrumentation]]:
    # NullPool: TestClient runs the app on its own event loop; no connection outlives it.
    async_engine = create_async_engine(url18, poolclass=NullPool)
    with (
        pgsage.instrument(engine18, metrics=False, nplusone="warn") as handle,
        pgsage.instrument(async_engine, metrics=False, nplusone="warn", name="async"),
    ):
        yield engine18, async_engine, handle


def test_n_plus_one_in_a_request_raises_with_route_and_request_id(
    engines: tuple[Engine, AsyncEngine, Instrumentation],
) -> None:
    engine, async_engine, _ = engines
    client = TestClient(make_app(engine, async_engine, nplusone="raise", threshold=2))
    assert client.get("/users/eager").json() == [{"id": n, "orders": 2} for n in (1, 2, 3)]
    with pytest.raises(NPlusOneError) as caught:
        client.get("/users/lazy", headers={"X-Request-ID": "abc-123"})
    report = caught.value.report
    assert report.unit == "GET /users/{flavour}"
    assert report.request_id == "abc-123"
    [finding] = report.nplusone
    assert finding.relationship == "User.orders"
    assert finding.call_site.startswith("tests/instrument/test_instrument_middleware.py:")


def test_async_endpoint_explicit_loop(engines: tuple[Engine, AsyncEngine, Instrumentation]) -> None:
    engine, async_engine, _ = engines
    client = TestClient(make_app(engine, async_engine, nplusone="raise", threshold=2))
    with pytest.raises(NPlusOneError, match="SELECT orders repeated 3 times"):
        client.get("/async/orders")


def test_log_mode_records_the_finding_and_the_response_goes_out(
    engines: tuple[Engine, AsyncEngine, Instrumentation], caplog: pytest.LogCaptureFixture
) -> None:
    engine, async_engine, handle = engines
    client = TestClient(make_app(engine, async_engine, nplusone="log", threshold=2))
    with caplog.at_level(logging.WARNING, logger="pgsage.instrument"):
        response = client.get("/users/lazy")
    assert response.status_code == 200
    [record] = [r for r in caplog.records if "N+1" in r.getMessage()]
    assert record.__dict__["unit"] == "GET /users/{flavour}"
    assert len(record.__dict__["request_id"]) == 16  # generated when the client sent none
    [summary] = handle.events.snapshot().nplusone
    assert summary.finding.unit == "GET /users/{flavour}"


def test_request_budget(engines: tuple[Engine, AsyncEngine, Instrumentation]) -> None:
    engine, async_engine, _ = engines
    client = TestClient(make_app(engine, async_engine, nplusone="raise", max_queries=1))
    with pytest.raises(QueryBudgetError, match="max_queries=1"):
        client.get("/users/eager")
