"""The N+1 detector and query budgets against real servers: lazy loads and explicit loops,
sync and async; no report for eager loading or a single parent; modes; nesting; isolation."""

from __future__ import annotations

import asyncio
import contextvars
import logging
import sys
import threading
import warnings
from collections.abc import Iterator

import pytest
from instrument_models import Item, Order, User
from sqlalchemy import create_engine, event, select, text
from sqlalchemy.engine import Engine
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine
from sqlalchemy.orm import Session, contains_eager, joinedload, selectinload

import pgsage
from pgsage.errors import UsageError
from pgsage.instrument import Instrumentation, NPlusOneError, QueryBudgetError, unit_of_work
from pgsage.instrument.findings import NPlusOneWarning, ProblemKind
from pgsage.instrument.unit import current_unit

HERE = "tests/instrument/test_instrument_nplusone.py"


def line_of(marker: str) -> int:
    """The line of this file that carries ``# <marker>``."""
    with open(__file__, encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            if line.rstrip().endswith(f"# {marker}"):
                return number
    raise AssertionError(marker)


@pytest.fixture(params=[False, True], ids=["dialect", "orm_events"])
def handle(engine: Engine, request: pytest.FixtureRequest) -> Iterator[Instrumentation]:
    # Test gates (any repeat counts), raise mode; metrics are tested in test_instrument_metrics.
    # ORM loads told apart at the dialect (the default) and by the do_orm_execute hook.
    with pgsage.instrument(
        engine,
        metrics=False,
        nplusone="raise",
        nplusone_threshold=2,
        nplusone_min_total_ms=0,
        orm_events=request.param,
    ) as instrumentation:
        yield instrumentation


def test_lazy_load_n_plus_one_raises_with_the_report(
    engine: Engine, handle: Instrumentation
) -> None:
    with (
        pytest.raises(NPlusOneError) as caught,
        unit_of_work("list users"),
        Session(engine) as session,
    ):
        users = session.scalars(select(User).order_by(User.id)).all()  # parent-query
        for user in users:
            assert len(user.orders) == 2  # lazy-line
    report = caught.value.report
    assert report.unit == "list users"
    assert report.query_count == 4
    [finding] = report.nplusone
    assert finding.kind is ProblemKind.LAZY_LOAD
    assert finding.relationship == "User.orders"
    assert finding.count == 3
    assert finding.call_site == f"{HERE}:{line_of('lazy-line')}"
    assert finding.parent_query == f"SELECT users at {HERE}:{line_of('parent-query')}"
    assert finding.statement == "SELECT orders"
    assert "FROM orders" in finding.sql
    assert finding.fix.loader_option == "selectinload"
    assert finding.fix.code == "select(User).options(selectinload(User.orders))"
    assert "lazy load of User.orders repeated 3 times" in str(caught.value)
    # the finding is also kept for the Markdown report
    assert "Lazy load of `User.orders`" in handle.report_markdown()


def test_nested_lazy_loads_and_many_to_one(engine: Engine, handle: Instrumentation) -> None:
    with pytest.raises(NPlusOneError) as caught, unit_of_work("orders"), Session(engine) as session:
        for order in session.scalars(select(Order).order_by(Order.id)).all():
            _ = order.user.name, [item.sku for item in order.items]
    found = {f.relationship: f for f in caught.value.report.nplusone}
    assert set(found) == {"Order.user", "Order.items"}
    assert found["Order.items"].count == 6
    assert found["Order.user"].count == 3  # the other orders find their user in the session
    assert found["Order.user"].fix.code == "select(Order).options(joinedload(Order.user))"


def test_many_to_one_with_a_join_suggests_contains_eager(
    engine: Engine, handle: Instrumentation
) -> None:
    with pytest.raises(NPlusOneError) as caught, unit_of_work("joined"), Session(engine) as session:
        orders = session.scalars(select(Order).join(Order.user).where(User.id > 0)).all()
        for order in orders:
            _ = order.user.name
    [finding] = caught.value.report.nplusone
    assert finding.fix.loader_option == "contains_eager"
    assert "contains_eager(Order.user)" in finding.fix.code


@pytest.mark.parametrize(
    "option",
    [
        selectinload(User.orders).selectinload(Order.items),
        joinedload(User.orders).joinedload(Order.items),
    ],
    ids=["selectinload", "joinedload"],
)
def test_no_report_with_eager_loading(
    engine: Engine, handle: Instrumentation, option: object
) -> None:
    with unit_of_work("eager", capture=True) as unit, Session(engine) as session:
        users = session.scalars(select(User).options(option)).unique().all()  # type: ignore[arg-type]
        assert sum(len(o.items) for u in users for o in u.orders) == 12
    assert unit.query_count in (1, 3)


def test_contains_eager_and_a_single_parent_are_fine(
    engine: Engine, handle: Instrumentation
) -> None:
    with unit_of_work("one user"), Session(engine) as session:
        user = session.get(User, 1)
        assert user is not None
        assert len(user.orders) == 2
        orders = session.scalars(
            select(Order).join(Order.user).options(contains_eager(Order.user))
        ).all()
        assert {o.user.name for o in orders} == {"user 1", "user 2", "user 3"}


def test_explicit_loop_is_caught_as_repeated_statement(
    engine: Engine, handle: Instrumentation
) -> None:
    with pytest.raises(NPlusOneError) as caught, unit_of_work("loop"), engine.connect() as conn:
        for user_id in (1, 2, 3):
            conn.execute(select(Order.id).where(Order.user_id == user_id)).all()  # loop-line
    [finding] = caught.value.report.nplusone
    assert finding.kind is ProblemKind.REPEATED_STATEMENT
    assert finding.count == 3
    assert finding.call_site == f"{HERE}:{line_of('loop-line')}"
    assert "orders.c.user_id.in_(keys)" in finding.fix.code


def test_same_statement_from_different_lines_is_not_n_plus_one(
    engine: Engine, handle: Instrumentation
) -> None:
    with unit_of_work("two lines"), engine.connect() as conn:
        conn.execute(select(User.name).where(User.id == 1)).all()
        conn.execute(select(User.name).where(User.id == 2)).all()


def test_expired_objects_reloaded_one_by_one(engine: Engine, handle: Instrumentation) -> None:
    with (
        pytest.raises(NPlusOneError) as caught,
        unit_of_work("after commit"),
        Session(engine) as session,
    ):
        users = session.scalars(select(User)).all()
        session.commit()  # expires every loaded object
        names = [u.name for u in users]
    assert len(names) == 3
    [finding] = caught.value.report.nplusone
    assert finding.kind is ProblemKind.EXPIRED_REFRESH
    assert "expire_on_commit=False" in finding.fix.code


def test_raise_mode_decides_by_counts_alone(engine: Engine) -> None:
    # instrument()'s defaults in "raise" mode: 5 repeats, whatever they cost, so the verdict
    # does not depend on the machine's speed. Run outside the test's own unit (the pytest
    # plugin's settings would be inherited otherwise).
    def lookups(count: int) -> None:
        with unit_of_work(f"{count} cheap look-ups"), engine.connect() as conn:
            for _ in range(count):
                conn.execute(text("SELECT id FROM users WHERE id = :id"), {"id": 1})

    with pgsage.instrument(engine, metrics=False, nplusone="raise"):
        contextvars.Context().run(lookups, 4)  # under the repeat gate
        with pytest.raises(NPlusOneError):
            contextvars.Context().run(lookups, 5)  # cheap, yet counted: raises every time


def test_log_mode_keeps_cheap_repeats_quiet(
    engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    # Production logging is gated by total time too (Sentry's default, 50 ms). The slow unit
    # sleeps past the gate (sleeps never finish early); the cheap one is held under an
    # explicit gate no machine can reach, so neither verdict depends on speed.
    def repeats(name: str, statement: str) -> None:
        with unit_of_work(name), engine.connect() as conn:
            for _ in range(5):
                conn.execute(text(statement), {"id": 1})

    slow = "SELECT pg_sleep(0.011) FROM users WHERE id = :id"
    cheap = "SELECT id FROM users WHERE id = :id"
    with caplog.at_level(logging.WARNING, logger="pgsage.instrument"):
        with pgsage.instrument(engine, metrics=False, nplusone="log"):
            contextvars.Context().run(repeats, "slow", slow)
        assert any("slow" in record.getMessage() for record in caplog.records)
        caplog.clear()
        with pgsage.instrument(
            engine, metrics=False, nplusone="log", nplusone_min_total_ms=3_600_000
        ):
            contextvars.Context().run(repeats, "cheap", cheap)
        assert not any("cheap" in record.getMessage() for record in caplog.records)


def test_warn_and_log_modes(
    engine: Engine, handle: Instrumentation, caplog: pytest.LogCaptureFixture
) -> None:
    with (
        pytest.warns(NPlusOneWarning, match=r"User\.orders"),
        unit_of_work("warned", nplusone="warn"),
        Session(engine) as session,
    ):
        for user in session.scalars(select(User)).all():
            _ = user.orders
    with (
        caplog.at_level(logging.WARNING, logger="pgsage.instrument"),
        unit_of_work("logged", nplusone="log", request_id="req-7"),
        Session(engine) as session,
    ):
        for user in session.scalars(select(User)).all():
            _ = user.orders
    [record] = [r for r in caplog.records if "N+1" in r.getMessage()]
    assert record.unit == "logged"  # type: ignore[attr-defined]
    assert record.request_id == "req-7"  # type: ignore[attr-defined]
    assert record.nplusone[0]["relationship"] == "User.orders"  # type: ignore[attr-defined]
    with unit_of_work("off", nplusone=None), Session(engine) as session:
        for user in session.scalars(select(User)).all():
            _ = user.orders


def test_warn_mode_warns_once_per_pattern(engine: Engine, handle: Instrumentation) -> None:
    # A hot endpoint with a known N+1 must not print a warning per request.
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for request in range(3):
            with unit_of_work(f"request {request}", nplusone="warn"), Session(engine) as session:
                for user in session.scalars(select(User)).all():
                    _ = user.orders
    assert [w.category for w in caught] == [NPlusOneWarning]
    [summary] = handle.events.snapshot().nplusone
    assert summary.occurrences == 3


def test_a_failing_block_keeps_its_own_exception(engine: Engine, handle: Instrumentation) -> None:
    with pytest.raises(KeyError), unit_of_work("failing"), Session(engine) as session:
        for user in session.scalars(select(User)).all():
            _ = user.orders
        raise KeyError("the application's error")


def test_budget_enforced(engine: Engine, handle: Instrumentation) -> None:
    with unit_of_work("within", max_queries=2), engine.connect() as conn:
        conn.execute(select(User.id)).all()
        conn.execute(select(Order.id)).all()
    with (
        pytest.raises(QueryBudgetError) as caught,
        unit_of_work("over", max_queries=2, capture=True),
        engine.connect() as conn,
    ):
        conn.execute(select(User.id)).all()
        conn.execute(select(Order.id)).all()
        conn.execute(select(Item.id)).all()
    text_ = str(caught.value)
    assert "query budget exceeded: 3 queries, max_queries=2" in text_
    assert "SELECT items" in text_
    assert caught.value.report.budget is not None


def test_nested_units_fold_counts_into_the_parent(engine: Engine, handle: Instrumentation) -> None:
    with unit_of_work("outer", capture=True) as outer, engine.connect() as conn:
        conn.execute(select(User.id)).all()
        with unit_of_work("inner") as inner:
            assert current_unit() is inner
            conn.execute(select(Order.id)).all()
            conn.execute(select(Item.id)).all()
        assert current_unit() is outer
    assert inner.query_count == 2
    assert outer.query_count == 3
    assert [q.name for q in outer.queries] == ["SELECT users", "SELECT orders", "SELECT items"]
    assert current_unit() is not outer


def test_units_are_isolated_between_threads(engine: Engine, handle: Instrumentation) -> None:
    seen: dict[str, int] = {}
    barrier = threading.Barrier(2)

    def work(name: str, statements: int) -> None:
        with unit_of_work(name, nplusone=None) as unit, engine.connect() as conn:
            barrier.wait(timeout=10)
            for n in range(statements):
                conn.execute(text(f"SELECT {n}")).all()
            barrier.wait(timeout=10)
        seen[name] = unit.query_count

    threads = [threading.Thread(target=work, args=(f"t{n}", n + 1)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert seen == {"t0": 1, "t1": 2}


def test_instrumentation_never_raises_into_the_application(
    engine: Engine,
    handle: Instrumentation,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def broken(statement: str) -> None:
        raise RuntimeError("instrumentation bug")

    monkeypatch.setattr(handle, "_entry", broken)
    with (
        caplog.at_level(logging.WARNING, logger="pgsage.instrument"),
        unit_of_work("robust"),
        engine.connect() as conn,
    ):
        assert conn.execute(text("SELECT 42")).scalar() == 42
    assert any("instrumentation failed" in r.getMessage() for r in caplog.records)


# -- async -----------------------------------------------------------------------------------
def test_async_explicit_loop_and_awaitable_attrs(url: str) -> None:
    async def scenario() -> tuple[NPlusOneError, NPlusOneError]:
        engine = create_async_engine(url)
        try:
            with pgsage.instrument(
                engine,
                metrics=False,
                nplusone="raise",
                nplusone_threshold=2,
                nplusone_min_total_ms=0,
            ):
                with pytest.raises(NPlusOneError) as loop:
                    async with unit_of_work("async loop"), AsyncSession(engine) as session:
                        users = (await session.scalars(select(User))).all()
                        for user in users:
                            await session.scalars(  # async-loop
                                select(Order).where(Order.user_id == user.id)
                            )
                with pytest.raises(NPlusOneError) as lazy:
                    async with unit_of_work("awaitable attrs"), AsyncSession(engine) as session:
                        users = (await session.scalars(select(User))).all()
                        for user in users:
                            await user.awaitable_attrs.orders  # async-lazy
                async with unit_of_work("async eager") as eager, AsyncSession(engine) as session:
                    users = (
                        await session.scalars(select(User).options(selectinload(User.orders)))
                    ).all()
                    assert sum(len(u.orders) for u in users) == 6
                assert eager.query_count == 2
        finally:
            await engine.dispose()
        return loop.value, lazy.value

    loop, lazy = asyncio.run(scenario())
    [repeated] = loop.report.nplusone
    assert repeated.kind is ProblemKind.REPEATED_STATEMENT
    assert repeated.count == 3
    # the call site is found across SQLAlchemy's greenlet boundary
    assert repeated.call_site == f"{HERE}:{line_of('async-loop')}"
    [lazy_load] = lazy.report.nplusone
    assert lazy_load.relationship == "User.orders"
    assert lazy_load.call_site == f"{HERE}:{line_of('async-lazy')}"


def test_async_tasks_inherit_the_unit(url: str) -> None:
    async def scenario() -> int:
        engine = create_async_engine(url, pool_size=3)
        try:
            with pgsage.instrument(engine, metrics=False, nplusone=None):

                async def one(n: int) -> None:
                    async with engine.connect() as conn:
                        await conn.execute(text(f"SELECT {n}"))

                async with unit_of_work("gathered", nplusone=None) as unit:
                    await asyncio.gather(*(one(n) for n in range(3)))
                return unit.query_count
        finally:
            await engine.dispose()

    assert asyncio.run(scenario()) == 3


def test_remove_detaches_everything(url: str) -> None:
    engine = create_engine(url)
    try:
        handle = pgsage.instrument(
            engine, metrics=False, nplusone="raise", nplusone_threshold=2, nplusone_min_total_ms=0
        )
        listeners = list(handle._listeners)  # none by default: wrappers only
        hooked = {"do_execute", "do_executemany", "do_execute_no_params"}
        assert hooked <= set(vars(engine.dialect)) and "raw_connection" in vars(engine)
        handle.remove()
        handle.remove()  # idempotent
        for target, identifier, fn in listeners:
            assert not event.contains(target, identifier, fn), identifier
        assert not hooked & set(vars(engine.dialect)) and "raw_connection" not in vars(engine)
        with_hook = pgsage.instrument(engine, metrics=False, orm_events=True)
        [(target, identifier, fn)] = with_hook._listeners
        with_hook.remove()
        assert not event.contains(target, identifier, fn)
        with unit_of_work("after remove", nplusone="raise") as unit, Session(engine) as session:
            for user in session.scalars(select(User)).all():
                _ = user.orders
        assert unit.query_count == 0
        pgsage.instrument(engine, metrics=False).remove()  # can be instrumented again
    finally:
        engine.dispose()
    assert sys.modules["pgsage.instrument.core"]  # sanity: the module stayed importable


@pytest.mark.nplusone("off")
def test_runtime_units_of_work_are_sampled(
    engine18: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Outside tests, after the first SAMPLE_AFTER_UNITS units of work (here 2) every k-th
    (1 / nplusone_sample_rate) goes through the N+1 detector and the others are only counted;
    "raise" units and explicit gates see every statement. Run in a thread of its own: no
    enclosing pytest unit."""
    monkeypatch.setattr("pgsage.instrument.core.SAMPLE_AFTER_UNITS", 2)
    found: list[tuple[str, int, int]] = []

    def requests() -> None:
        for number in range(8):
            with unit_of_work(f"request {number}") as unit, engine18.connect() as conn:
                for key in range(6):
                    conn.execute(select(User.id).where(User.id == key)).all()
            found.append((unit.name, unit.query_count, unit.max_repeats))
        for name, scope in (
            ("raise", unit_of_work("raise", nplusone="raise")),
            ("gated", unit_of_work("gated", threshold=3)),
        ):
            try:
                with scope as unit, engine18.connect() as conn:
                    for key in range(6):
                        conn.execute(select(User.id).where(User.id == key)).all()
            except NPlusOneError:
                pass  # six look-ups may pass the runtime gates on a slow machine
            found.append((name, scope.unit.query_count, scope.unit.max_repeats))

    with pgsage.instrument(engine18, metrics=False, nplusone="log", nplusone_sample_rate=0.25):
        thread = threading.Thread(target=requests)
        thread.start()
        thread.join()
    assert [count for _, count, _ in found] == [6] * 10  # budgets count every statement
    assert [name for name, _, repeats in found if repeats] == [
        "request 0",
        "request 1",
        "request 4",
        "raise",
        "gated",
    ]
    with pytest.raises(UsageError, match="nplusone_sample_rate"):
        pgsage.instrument(engine18, metrics=False, nplusone_sample_rate=0)
