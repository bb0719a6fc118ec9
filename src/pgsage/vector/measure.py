"""The measuring side of a tune, on a read-only session: sampled query vectors, the exact
top-k by sequential scan, and the same queries through the index at one setting.

Every statement runs in a READ ONLY transaction whose settings are SET LOCAL: nothing is
written and nothing outlives the transaction.
"""

from __future__ import annotations

import random
import time
from collections.abc import Sequence
from dataclasses import dataclass

import psycopg
from psycopg import sql
from psycopg.rows import TupleRow

from pgsage.errors import MissingExtension
from pgsage.vector.analysis import Neighbour, held_out, percentile, recall_at_k
from pgsage.vector.catalog import AnnIndex
from pgsage.vector.model import SweepPoint
from pgsage.vector.queries import QueryVector

Conn = psycopg.Connection[TupleRow]
EXACT_SETTINGS = ("enable_indexscan", "enable_bitmapscan", "enable_indexonlyscan")
ROW_ID = sql.SQL("concat(tableoid, ':', ctid)")
MIN_QUERIES = 3


@dataclass(frozen=True)
class Target:
    """What is searched: the index's table and column, the distance operator, the rows
    (the partial index's predicate and the user's filter)."""

    index: AnnIndex
    operator: str
    k: int
    conditions: tuple[str, ...] = ()

    def where(self) -> sql.Composable:
        if not self.conditions:
            return sql.SQL("")
        return sql.SQL(" WHERE ") + sql.SQL(" AND ").join(
            sql.SQL("({})").format(sql.SQL(c)) for c in self.conditions
        )

    def query(self) -> sql.Composed:
        ix = self.index
        distance = sql.SQL("{} {} {}::{}").format(
            sql.Identifier(str(ix.column)),
            sql.SQL(self.operator),
            sql.Placeholder("q"),
            sql.Identifier(ix.type_name),
        )
        return sql.SQL("SELECT {}, {} FROM {}{} ORDER BY 2 LIMIT {}").format(
            ROW_ID,
            distance,
            sql.Identifier(ix.schema, ix.table),
            self.where(),
            sql.Literal(self.k + 1),
        )

    def ordered_query(self) -> sql.Composed:
        """ORDER BY the distance expression itself, as an application writes it (so the
        planner can use the index)."""
        ix = self.index
        distance = sql.SQL("{} {} {}::{}").format(
            sql.Identifier(str(ix.column)),
            sql.SQL(self.operator),
            sql.Placeholder("q"),
            sql.Identifier(ix.type_name),
        )
        return sql.SQL("SELECT {}, {} FROM {}{} ORDER BY {} LIMIT {}").format(
            ROW_ID,
            distance,
            sql.Identifier(ix.schema, ix.table),
            self.where(),
            distance,
            sql.Literal(self.k + 1),
        )


@dataclass(frozen=True)
class Probe:
    """Queries with their true neighbours, to send through an index."""

    target: Target
    queries: list[QueryVector]
    truths: list[list[Neighbour]]


def set_local(conn: Conn, name: str, value: str) -> None:
    conn.execute("SELECT pg_catalog.set_config(%s, %s, true)", (name, value))


def begin_read_only(conn: Conn) -> None:
    conn.execute("SET TRANSACTION READ ONLY")


def load_pgvector(conn: Conn) -> str:
    """The installed pgvector version; loads the library so its settings are known."""
    row = conn.execute(
        "SELECT extversion FROM pg_catalog.pg_extension WHERE extname = 'vector'"
    ).fetchone()
    if row is None:
        raise MissingExtension("pgvector (the vector extension) is not installed in this database")
    conn.execute("SELECT '[1]'::vector")
    return str(row[0])


def sample_queries(conn: Conn, target: Target, count: int, seed: int) -> list[QueryVector]:
    """``count`` random rows of the column (within the index's predicate), with their row ids."""
    ix = target.index
    rows = max(ix.rows, 1.0)
    percent = min(100.0, 100.0 * 4 * count / rows)
    where = target.where()
    not_null = sql.SQL("{} IS NOT NULL").format(sql.Identifier(str(ix.column)))
    where = (
        sql.SQL("{} AND {}").format(where, not_null)
        if target.conditions
        else sql.SQL(" WHERE {}").format(not_null)
    )
    found: list[tuple[str, str]] = []
    for pct in (percent, 100.0) if percent < 100.0 else (100.0,):
        query = sql.SQL("SELECT {}, {}::text FROM {} TABLESAMPLE BERNOULLI ({}) REPEATABLE ({}){}")
        with conn.transaction():
            begin_read_only(conn)
            found = [
                (str(r[0]), str(r[1]))
                for r in conn.execute(
                    query.format(
                        ROW_ID,
                        sql.Identifier(str(ix.column)),
                        sql.Identifier(ix.schema, ix.table),
                        sql.Literal(pct),
                        sql.Literal(seed),
                        where,
                    )
                ).fetchall()
            ]
        if len(found) >= count:
            break
    random.Random(seed).shuffle(found)
    return [QueryVector(text, row) for row, text in found[:count]]


def _neighbours(conn: Conn, query: sql.Composed, vector: QueryVector) -> list[Neighbour]:
    return [
        Neighbour(str(r[0]), float(r[1]))
        for r in conn.execute(query, {"q": vector.text}).fetchall()
    ]


def exact(
    conn: Conn, target: Target, queries: Sequence[QueryVector], deadline: float
) -> tuple[list[list[Neighbour]], float]:
    """The true top-k of each query by sequential scan (index scans off), until the deadline
    (at least MIN_QUERIES queries); and the mean time of one, in ms."""
    truths: list[list[Neighbour]] = []
    query = target.query()
    started = time.perf_counter()
    with conn.transaction():
        begin_read_only(conn)
        for name in EXACT_SETTINGS:
            set_local(conn, name, "off")
        for vector in queries:
            if len(truths) >= MIN_QUERIES and time.perf_counter() > deadline:
                break
            truths.append(held_out(_neighbours(conn, query, vector), vector.row, target.k))
    elapsed = time.perf_counter() - started
    return truths, 1000 * elapsed / max(len(truths), 1)


def uses_index(conn: Conn, target: Target, vector: QueryVector) -> bool:
    with conn.transaction():
        begin_read_only(conn)
        set_local(conn, "enable_seqscan", "off")
        plan = conn.execute(
            sql.SQL("EXPLAIN ") + target.ordered_query(), {"q": vector.text}
        ).fetchall()
    text = "\n".join(str(r[0]) for r in plan)
    return target.index.name in text


def through_index(
    conn: Conn,
    probe: Probe,
    setting: tuple[str, int],
    iterative: tuple[str, str] | None = None,
) -> SweepPoint:
    """Recall@k and latency of the queries through the index at one setting (SET LOCAL)."""
    name, value = setting
    target, queries, truths = probe.target, probe.queries, probe.truths
    query = target.ordered_query()
    recalls: list[float] = []
    timings: list[float] = []
    returned = 0
    with conn.transaction():
        begin_read_only(conn)
        set_local(conn, "enable_seqscan", "off")
        set_local(conn, name, str(value))
        if iterative is not None:
            set_local(conn, *iterative)
        _neighbours(conn, query, queries[0])  # warm-up, not timed
        for vector, truth in zip(queries, truths, strict=False):
            started = time.perf_counter()
            found = _neighbours(conn, query, vector)
            timings.append(1000 * (time.perf_counter() - started))
            kept = held_out(found, vector.row, target.k)
            returned += len(kept)
            recalls.append(recall_at_k(kept, truth, target.k))
    return SweepPoint(
        setting=name,
        value=value,
        recall=sum(recalls) / max(len(recalls), 1),
        p50_ms=percentile(timings, 0.5),
        p95_ms=percentile(timings, 0.95),
        iterative=iterative[1] if iterative else "off",
        returned=returned / max(len(recalls), 1),
    )


def matching_fraction(conn: Conn, target: Target, condition: str) -> float | None:
    """The share of the table's rows (a sample of them) that a filter keeps."""
    ix = target.index
    pct = min(100.0, 100.0 * 20_000 / max(ix.rows, 1.0))
    query = sql.SQL(
        "SELECT pg_catalog.avg(({})::int)::float8 FROM {} TABLESAMPLE SYSTEM ({})"
    ).format(
        sql.SQL(condition),
        sql.Identifier(ix.schema, ix.table),
        sql.Literal(pct),
    )
    with conn.transaction():
        begin_read_only(conn)
        row = conn.execute(query).fetchone()
    return None if row is None or row[0] is None else float(row[0])


def session_info(conn: Conn, names: Sequence[str]) -> tuple[str, str, dict[str, str]]:
    """The role, the database and the session's own value of each setting."""
    row = conn.execute("SELECT current_user, pg_catalog.current_database()").fetchone()
    assert row is not None
    values = {}
    for name in names:
        found = conn.execute("SELECT pg_catalog.current_setting(%s, true)", (name,)).fetchone()
        values[name] = str(found[0]) if found and found[0] is not None else ""
    return str(row[0]), str(row[1]), values
