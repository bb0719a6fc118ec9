"""Judging index advice by measured time (issue 13, "How to judge advice").

Each set of indexes (no index, a hand-picked best set, each tool's recommendation) is built for
real on its own copy of the database (``CREATE DATABASE … TEMPLATE``, file copy: the same
pages and the same statistics, gathered once on the VACUUM ANALYZEd original). No copy is
ANALYZEd after its build, so every copy plans under the very same table statistics (a fresh
ANALYZE per copy draws a new random sample each time, and a LIMIT plan could flip on it);
only when a set holds an expression index, which needs statistics of its own, is every copy
ANALYZEd. Sets with the same indexes share one copy. The workload
runs under ``EXPLAIN (ANALYZE, TIMING OFF)`` in interleaved rounds (the copies' order rotates
each round, after one untimed warm-up round); each statement's time on a copy is its best
round, a copy's time the sum over the statements. A statement that hits the timeout counts as
the timeout (a lower bound, marked). The score of a set is the share of the hand-picked set's
time saving it reaches: (none - set) / (none - hand).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import psycopg
from psycopg import sql

from pgsage.advise.ddl import build_in_transaction, candidate_names
from pgsage.advise.model import Candidate

STATEMENT_TIMEOUT_MS = 30_000


@dataclass
class Measured:
    name: str  # "none", "hand", "pgsage", ...
    indexes: list[Candidate]
    database: str = ""
    size_bytes: int = 0
    build_s: float = 0.0
    best_ms: list[float] = field(default_factory=list)  # per statement
    timeouts: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def total_ms(self) -> float:
        return sum(self.best_ms)


@dataclass(frozen=True)
class Server:
    admin_dsn: str
    dsn_for: Callable[[str], str]


def measure(  # noqa: PLR0913
    server: Server,
    base: str,
    sets: dict[str, list[Candidate]],
    statements: Sequence[str],
    rounds: int = 3,
    *,
    before_drop: Callable[[list[Measured]], None] | None = None,
) -> list[Measured]:
    """Build each set on a copy of ``base``, time ``statements`` on every copy, drop them
    (``before_drop`` may look at the copies first: their plans, say)."""
    admin_dsn, dsn_for, say = server.admin_dsn, server.dsn_for, _say
    results = [Measured(name, list(indexes)) for name, indexes in sets.items()]
    # Sets with the same indexes (the same CREATE INDEX statements; a tool that recommends
    # nothing is "none") share one copy.
    copies: dict[frozenset[str], Measured] = {}
    for result in results:
        copies.setdefault(_ddl(result.indexes), result)
    built = list(copies.values())
    try:
        for result in built:
            result.database = f"{base}_judge_{result.name.replace('-', '_')}"
            _copy(admin_dsn, base, result.database)
            _build(dsn_for(result.database), result)
            say(
                f"   {result.name}: {len(result.indexes)} index(es), "
                f"{result.size_bytes / 1024 / 1024:.1f} MB built in {result.build_s:.0f} s"
            )
        if any(k.expression for r in built for c in r.indexes for k in c.keys):
            # an expression index needs statistics of its own: then every copy is ANALYZEd
            for result in built:
                with psycopg.connect(dsn_for(result.database), autocommit=True) as conn:
                    conn.execute("ANALYZE")
        _time(built, dsn_for, statements, rounds, say)
        if before_drop is not None:
            before_drop(built)
    finally:
        with psycopg.connect(admin_dsn, autocommit=True) as conn:
            for result in built:
                if result.database:
                    conn.execute(
                        sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                            sql.Identifier(result.database)
                        )
                    )
    for result in results:
        twin = copies[_ddl(result.indexes)]
        if twin is not result:
            result.size_bytes, result.best_ms, result.timeouts = (
                twin.size_bytes,
                twin.best_ms,
                twin.timeouts,
            )
            result.errors = [*twin.errors, f"same set as {twin.name}: its copy's times"]
    return results


def _ddl(indexes: list[Candidate]) -> frozenset[str]:
    return frozenset(build_in_transaction(c, "judged") for c in indexes)


def _say(message: str) -> None:
    print(message, flush=True)


def _copy(admin_dsn: str, base: str, name: str) -> None:
    with psycopg.connect(admin_dsn, autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        conn.execute(
            sql.SQL("CREATE DATABASE {} TEMPLATE {} STRATEGY FILE_COPY").format(
                sql.Identifier(name), sql.Identifier(base)
            )
        )


def _build(dsn: str, result: Measured) -> None:
    names = candidate_names(result.indexes)
    started = time.perf_counter()
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("SET maintenance_work_mem = '512MB'")
        for candidate in result.indexes:
            name = names[candidate]
            try:
                conn.execute(build_in_transaction(candidate, name).encode())
            except psycopg.Error as exc:
                result.errors.append(f"{name}: {str(exc).strip().splitlines()[0]}")
                continue
            row = conn.execute(
                "SELECT pg_relation_size(%s::regclass)",
                (sql.Identifier(candidate.table.schema, name).as_string(conn),),
            ).fetchone()
            result.size_bytes += int(row[0]) if row else 0
    result.build_s = time.perf_counter() - started


def _time(
    results: list[Measured],
    dsn_for: Callable[[str], str],
    statements: Sequence[str],
    rounds: int,
    say: Callable[[str], None],
) -> None:
    conns = {r.name: psycopg.connect(dsn_for(r.database), autocommit=True) for r in results}
    try:
        for conn in conns.values():
            conn.execute(f"SET statement_timeout = {STATEMENT_TIMEOUT_MS}")
        best: dict[str, list[float | None]] = {r.name: [None] * len(statements) for r in results}
        timed_out: dict[str, set[int]] = {r.name: set() for r in results}
        for round_number in range(rounds + 1):  # round 0: the untimed warm-up
            shift = round_number % len(results)
            order = results[shift:] + results[:shift]
            for n, statement in enumerate(statements):
                for result in order:
                    elapsed = _run(conns[result.name], statement)
                    if elapsed is None:
                        timed_out[result.name].add(n)
                        elapsed = float(STATEMENT_TIMEOUT_MS)
                    if round_number == 0:
                        continue
                    current = best[result.name][n]
                    best[result.name][n] = elapsed if current is None else min(current, elapsed)
            if round_number:
                say(f"   round {round_number}/{rounds} done")
        for result in results:
            result.best_ms = [v or 0.0 for v in best[result.name]]
            result.timeouts = len(timed_out[result.name])
    finally:
        for conn in conns.values():
            conn.close()


def _run(conn: psycopg.Connection[Any], statement: str) -> float | None:
    """Execution time in ms of one run (rolled back: the workload may write); None on timeout."""
    try:
        with conn.transaction():
            row = conn.execute(
                f"EXPLAIN (ANALYZE, TIMING OFF, FORMAT JSON) {statement}".encode()
            ).fetchone()
            raise _Undo(row[0] if row else None)
    except _Undo as done:
        plan = done.plan
    except psycopg.errors.QueryCanceled:
        return None
    document = plan if isinstance(plan, list) else json.loads(plan)
    return float(document[0]["Execution Time"])


class _Undo(Exception):
    def __init__(self, plan: Any) -> None:
        super().__init__("undo")
        self.plan = plan


def share_of_hand(results: list[Measured], name: str) -> float | None:
    """(none - set) / (none - hand): the share of the hand set's time saving ``name`` reaches."""
    by_name = {r.name: r for r in results}
    none, hand, found = by_name.get("none"), by_name.get("hand"), by_name.get(name)
    if none is None or hand is None or found is None:
        return None
    saving = none.total_ms - hand.total_ms
    return (none.total_ms - found.total_ms) / saving if saving > 0 else None


def table(workload: str, results: list[Measured]) -> list[str]:
    """The judged sets as lines: time, share of the hand set's saving, indexes, size."""
    by_name = {r.name: r for r in results}
    hand = by_name.get("hand")
    lines = []
    for result in results:
        share = share_of_hand(results, result.name)
        size_ratio = (
            f"{result.size_bytes / hand.size_bytes:.2f}x"
            if hand is not None and hand.size_bytes and result.name != "none"
            else "-"
        )
        timeouts = f" ({result.timeouts} timed out at {STATEMENT_TIMEOUT_MS / 1000:.0f} s)"
        lines.append(
            f"{workload:<10} {result.name:<13} {result.total_ms:>11,.1f} "
            f"{'-' if share is None else f'{share * 100:.0f} %':>9} {len(result.indexes):>7} "
            f"{result.size_bytes / 1024 / 1024:>8.1f}MB {size_ratio:>8}"
            + (timeouts if result.timeouts else "")
            + (f"  ({'; '.join(result.errors)})" if result.errors else "")
        )
    return lines


HEADER = (
    f"{'workload':<10} {'set':<13} {'workload ms':>11} {'of hand':>9} {'indexes':>7} "
    f"{'size':>10} {'vs hand':>8}"
)
