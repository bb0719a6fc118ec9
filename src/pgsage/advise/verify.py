"""``--verify``: measure the recommended indexes instead of trusting the planner's costs.

On the database named with ``--verify-dsn`` (a copy of production: same schema, similar data)
or, on the embedded server, on the advised database itself — a local development database —
each statement runs under EXPLAIN ANALYZE without and with the indexes, all inside one
transaction that is rolled back: the indexes, and whatever the statements wrote, vanish.

Both sides are measured under the same statistics: the indexes are built first, the tables
analysed once (on a fresh copy only), and "before" is measured with the built indexes dropped
inside a savepoint that is rolled back. A rollback does not undo everything, though: CREATE
INDEX (and ANALYZE) update the table's ``reltuples``/``relpages`` in place, so a second run would
start from another "before". So the measurements run on a fresh copy of the database
(``CREATE DATABASE … TEMPLATE``) dropped at the end; when no copy can be made (no CREATEDB, other
sessions on the database) they run in place, and the ``pg_class`` statistics the run changed are
restored (PostgreSQL 18's ``pg_restore_relation_stats``) or, on older servers, reported.

Each measurement is the best of two runs, so a cold cache does not flatter the second one. The
real plans are compared with the hypothetical ones: a recommended index credited for a
statement that its real plan does not use is reported (``diverged``), and ``confirm`` takes a
recommendation no real plan uses out of the advice.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Any

import psycopg
from psycopg import conninfo, sql
from psycopg.rows import TupleRow

from pgsage.advise.analysis import analyze_query
from pgsage.advise.catalog import Catalog
from pgsage.advise.ddl import build_in_transaction
from pgsage.advise.model import (
    Advice,
    Measured,
    QueryShape,
    Recommendation,
    Unconfirmed,
    WorkloadQuery,
)
from pgsage.advise.searchpath import scoped_catalog
from pgsage.advise.whatif import PlannedQuery, WhatIf
from pgsage.db.connect import SessionOptions, connect, normalize_dsn, one_line, translate
from pgsage.db.scratchmark import mark, sweep
from pgsage.units import human_bytes

VERIFY_SESSION = SessionOptions(
    statement_timeout_ms=120_000,
    lock_timeout_ms=5_000,
    application_name="pgsage advise --verify",
    read_only=False,
)
RUNS = 2
ADMIN_DATABASES = ("postgres", "template1")
COPY_MAX_BYTES = 20 * 1024**3  # a larger database is measured in place: a copy costs its size

# The pg_class statistics a CREATE INDEX or an ANALYZE overwrites in place (no rollback).
_RELATION_STATS = """/* pgsage */
SELECT n.nspname, c.relname, c.relpages, c.reltuples::float8, c.relallvisible
FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p', 'm', 'i', 'I') AND n.nspname <> 'information_schema'
  AND n.nspname NOT LIKE 'pg\\_%'
ORDER BY 1, 2
"""
_RESTORE = (
    "/* pgsage */ SELECT pg_catalog.pg_restore_relation_stats('schemaname', %s::text, "
    "'relname', %s::text, 'relpages', %s::int, 'reltuples', %s::real, 'relallvisible', %s::int)"
)
# The indexes a recommended index is made of: itself and, on a partitioned parent, the
# partitions' indexes CREATE INDEX made for it (their names are the server's).
_INDEX_TREE = """/* pgsage */
SELECT c.relname FROM pg_catalog.pg_partition_tree(%s::pg_catalog.regclass) t
JOIN pg_catalog.pg_class c ON c.oid = t.relid
"""

RelationStats = dict[tuple[str, str], tuple[int, float, int]]


@dataclass(frozen=True)
class VerifyJob:
    """What to measure: the recommended indexes, the statements, and per statement the
    recommended indexes its hypothetical plan was credited with (``expected``)."""

    recommendations: tuple[Recommendation, ...]
    queries: tuple[WorkloadQuery, ...]
    expected: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @classmethod
    def of(cls, advice: Advice) -> VerifyJob:
        planned = tuple(q.query for q in advice.queries if q.skipped is None)
        return cls(advice.recommendations, planned, expected_indexes(advice))


@dataclass(frozen=True)
class Verification:
    """What ``--verify`` measured, and where: ``place`` says on what database and how it was
    left; ``notes`` what the reader must know (statistics it could not restore)."""

    measured: tuple[Measured, ...]
    place: str
    notes: tuple[str, ...] = ()


def verify(
    dsn: str,
    job: VerifyJob,
    progress: Callable[[str], None] = lambda _: None,
    *,
    scratch: bool = False,
) -> Verification:
    """Measure ``job`` on ``dsn``; ``scratch`` says ``dsn`` is already a throwaway copy
    (measured in place, nothing to restore)."""
    if scratch:
        found = _measure_on(dsn, job, progress, analyze=True)
        return Verification(found, "a throwaway copy, dropped afterwards")
    with _fresh_copy(dsn, progress) as (copy, why):
        if copy is not None:
            found = _measure_on(copy, job, progress, analyze=True)
            return Verification(
                found,
                "a fresh copy of the database (CREATE DATABASE … TEMPLATE), dropped afterwards",
            )
    progress(f"no fresh copy ({why}): measuring in place")
    before = relation_stats(dsn)
    found = _measure_on(dsn, job, progress, analyze=False)
    notes = _restore(dsn, before)
    return Verification(found, f"the database itself (no fresh copy: {why})", tuple(notes))


def relation_stats(dsn: str) -> RelationStats:
    """relpages, reltuples and relallvisible of every user relation (tables and indexes)."""
    with connect(dsn, VERIFY_SESSION) as conn:
        try:
            rows = conn.execute(_RELATION_STATS).fetchall()
        except psycopg.Error as exc:
            raise translate(exc) from None
    return {(r[0], r[1]): (int(r[2]), float(r[3]), int(r[4])) for r in rows}


def _restore(dsn: str, before: RelationStats) -> list[str]:
    """Put back the pg_class statistics the run overwrote; what could not be, as notes."""
    changed = _changed(before, relation_stats(dsn))
    if not changed:
        return []
    with connect(dsn, VERIFY_SESSION) as conn:
        if int(conn.info.server_version) // 10000 >= 18:
            for schema, name in changed:
                pages, tuples, visible = before[(schema, name)]
                try:
                    conn.execute(_RESTORE, (schema, name, pages, tuples, visible))
                except psycopg.Error as exc:
                    return [
                        f"--verify could not restore the statistics of {schema}.{name}: "
                        f"{one_line(str(exc))}"
                    ]
    left = _changed(before, relation_stats(dsn))
    return [
        f"--verify changed the planner statistics of {schema}.{name} (relpages, reltuples, "
        f"relallvisible {before[(schema, name)]} -> {after}): CREATE INDEX updates them even "
        f"when rolled back; run ANALYZE {schema}.{name}"
        for (schema, name), after in sorted(left.items())
    ]


def _changed(before: RelationStats, after: RelationStats) -> RelationStats:
    return {key: value for key, value in after.items() if key in before and before[key] != value}


@contextmanager
def _fresh_copy(dsn: str, progress: Callable[[str], None]) -> Iterator[tuple[str | None, str]]:
    """A copy of ``dsn``'s database made with CREATE DATABASE … TEMPLATE, dropped on exit;
    (None, why) when it cannot be made."""
    with connect(dsn, VERIFY_SESSION) as conn:
        source = conn.info.dbname
        major = int(conn.info.server_version) // 10000
        row = conn.execute(
            "/* pgsage */ SELECT pg_catalog.pg_database_size(pg_catalog.current_database())"
        ).fetchone()
    size = int(row[0]) if row else 0
    if size > COPY_MAX_BYTES:
        yield None, f"the database is {human_bytes(size)}, more than a copy may take"
        return
    name = f"pgsage_verify_{secrets.token_hex(4)}"
    admin = _admin(dsn, source)
    if admin is None:
        yield None, "no maintenance database (postgres, template1) to connect to"
        return
    strategy = sql.SQL(" STRATEGY FILE_COPY") if major >= 15 else sql.SQL("")
    try:
        with psycopg.connect(admin, autocommit=True) as conn:
            sweep(conn)  # copies of killed runs (see pgsage.db.scratchmark)
            conn.execute(
                sql.SQL("CREATE DATABASE {} TEMPLATE {}{}").format(
                    sql.Identifier(name), sql.Identifier(source), strategy
                )
            )
            mark(conn, name)
    except psycopg.Error as exc:
        yield None, one_line(str(exc))
        return
    progress(f"measuring on a fresh copy ({name})")
    try:
        yield conninfo.make_conninfo(normalize_dsn(dsn), dbname=name), ""
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


def _admin(dsn: str, source: str) -> str | None:
    """A DSN for the same server on a database other than ``source``."""
    for database in ADMIN_DATABASES:
        if database == source:
            continue
        candidate = conninfo.make_conninfo(normalize_dsn(dsn), dbname=database)
        try:
            with psycopg.connect(candidate, autocommit=True, connect_timeout=10):
                return candidate
        except psycopg.Error:
            continue
    return None


def _measure_on(
    dsn: str, job: VerifyJob, progress: Callable[[str], None], *, analyze: bool
) -> tuple[Measured, ...]:
    with connect(dsn, VERIFY_SESSION) as conn:
        conn.prepare_threshold = None
        conn.autocommit = False
        try:
            return _verify(conn, job, progress, analyze=analyze)
        except psycopg.Error as exc:
            raise translate(exc) from None
        finally:
            conn.rollback()
            conn.autocommit = True
            conn.execute("DEALLOCATE ALL")


def _verify(
    conn: psycopg.Connection[TupleRow],
    job: VerifyJob,
    progress: Callable[[str], None],
    *,
    analyze: bool,
) -> tuple[Measured, ...]:
    catalog = Catalog(conn)
    shaped: list[tuple[WorkloadQuery, QueryShape]] = []
    for query in job.queries:
        shape = analyze_query(query.text, scoped_catalog(catalog, query))  # its search_path
        if shape is not None and shape.accesses:
            shaped.append((query, shape))
    progress(f"building {len(job.recommendations)} index(es)")
    problems: list[tuple[str, str]] = []  # (what, why)
    built: list[Recommendation] = []
    for rec in job.recommendations:
        try:
            with conn.transaction():
                conn.execute(build_in_transaction(rec.candidate, rec.name).encode())
            built.append(rec)
        except psycopg.errors.DuplicateTable:
            # The database named by --verify-dsn may have the index already (applied earlier):
            # its "before" times include it, so they are not the advised database's.
            problems.append(
                (
                    f"CREATE INDEX {rec.name}",
                    "already present on this database (its before times include it)",
                )
            )
        except psycopg.Error as exc:
            problems.append((f"CREATE INDEX {rec.name}: {one_line(str(exc))}", "build failed"))
    if analyze:
        # Once, after the builds (expression indexes bring statistics of their own), so both
        # sides plan with the same statistics.
        for table in sorted({t for _, shape in shaped for t in shape.tables}):
            with conn.transaction():
                conn.execute(sql.SQL("ANALYZE {}").format(sql.Identifier(table.schema, table.name)))
    owners = _owners(conn, built)
    whatif = WhatIf(
        conn, catalog, major=int(conn.info.server_version) // 10000, hypopg=False, real_allowed=True
    )
    planned = whatif.plan_queries(shaped, analyze=True)
    with _hidden(conn, built):
        before = {q.index: _measure(whatif, q, owners) for q in planned}
    after = {q.index: _measure(whatif, q, owners) for q in planned}
    progress(f"measured {len(planned)} statements without and with the indexes")
    found = [Measured(what, None, None, why) for what, why in problems]
    for q in planned:
        b, a = before[q.index], after[q.index]
        error = next((x.error for x in (b, a) if x.error is not None), None)
        found.append(
            Measured(
                q.query.text,
                b.ms,
                a.ms,
                error,
                plan_before=b.nodes,
                plan_after=a.nodes,
                expected=job.expected.get(q.query.text, ()),
                used=a.used,
            )
        )
    return tuple(found)


@contextmanager
def _hidden(conn: psycopg.Connection[TupleRow], built: list[Recommendation]) -> Iterator[None]:
    """The built indexes dropped inside a savepoint that is rolled back on exit."""

    class _Back(Exception):
        pass

    try:
        with conn.transaction():
            for rec in built:
                conn.execute(
                    sql.SQL("DROP INDEX {}").format(
                        sql.Identifier(rec.candidate.table.schema, rec.name)
                    )
                )
            yield
            raise _Back
    except _Back:
        pass


def _owners(conn: psycopg.Connection[TupleRow], built: list[Recommendation]) -> dict[str, str]:
    """Every index name a built recommendation consists of → the recommendation's name."""
    found: dict[str, str] = {}
    for rec in built:
        found[rec.name] = rec.name  # pg_partition_tree lists nothing for a plain index
        ident = sql.Identifier(rec.candidate.table.schema, rec.name).as_string(conn)
        for (name,) in conn.execute(_INDEX_TREE, (ident,)).fetchall():
            found[str(name)] = rec.name
    return found


@dataclass(frozen=True)
class _Run:
    ms: float | None = None
    error: str | None = None
    nodes: tuple[str, ...] = ()
    used: tuple[str, ...] = ()  # the recommended indexes the plan used


def _measure(whatif: WhatIf, query: PlannedQuery, owners: dict[str, str]) -> _Run:
    if query.explain is None:
        return _Run(error=query.skipped or "could not be planned")
    best: _Run | None = None
    for _ in range(RUNS):
        try:
            with whatif.conn.transaction():
                whatif.use_path(query)  # rolled back with the statement
                row = whatif.conn.execute(query.explain).fetchone()
                raise _Undo(row[0] if row else None)
        except _Undo as done:
            run = _read_plan(done.plan, owners)
        except psycopg.Error as exc:
            return _Run(error=one_line(str(exc)))
        if run.ms is not None and (best is None or best.ms is None or run.ms < best.ms):
            best = run
    return best if best is not None else _Run(error="no execution time")


def _read_plan(plan: Any, owners: dict[str, str]) -> _Run:
    document = plan if isinstance(plan, list) else json.loads(plan) if plan else None
    if not document:
        return _Run()
    value = document[0].get("Execution Time")
    nodes: list[str] = []
    indexes: set[str] = set()
    _walk(document[0].get("Plan", {}), nodes, indexes)
    used = tuple(sorted({owners[i] for i in indexes if i in owners}))
    return _Run(float(value) if value is not None else None, None, tuple(nodes), used)


def _walk(node: dict[str, Any], nodes: list[str], indexes: set[str]) -> None:
    kind = str(node.get("Node Type", ""))
    relation = node.get("Relation Name")
    index = node.get("Index Name")
    if index is not None:
        indexes.add(str(index))
        nodes.append(f"{kind} using {index}" + (f" on {relation}" if relation else ""))
    elif relation is not None and kind != "Bitmap Heap Scan":
        nodes.append(f"{kind} on {relation}")
    elif kind in ("Hash Join", "Merge Join", "Nested Loop", "Sort"):
        nodes.append(kind)
    for child in node.get("Plans", ()) or ():
        _walk(child, nodes, indexes)


class _Undo(Exception):
    """Leave the savepoint by rolling back: what the statement wrote must not stay."""

    def __init__(self, plan: Any) -> None:
        super().__init__("undo")
        self.plan = plan


def expected_indexes(advice: Advice) -> dict[str, tuple[str, ...]]:
    """Per statement, the recommended indexes its hypothetical plan was credited with."""
    found: dict[str, set[str]] = {}
    for rec in advice.recommendations:
        for helped in rec.queries:
            found.setdefault(helped.query, set()).add(rec.name)
    return {query: tuple(sorted(names)) for query, names in found.items()}


def confirm(advice: Advice, verification: Verification) -> Advice:
    """The advice with what ``--verify`` measured; a recommendation credited for measured
    statements whose real plans use it in none moves to ``unconfirmed`` (no fix is given
    for it), with the plans that did not use it."""
    measured = [m for m in verification.measured if m.error is None and m.expected]
    keep: list[Recommendation] = []
    dropped: list[Unconfirmed] = []
    for rec in advice.recommendations:
        credited = [m for m in measured if rec.name in m.expected]
        if credited and not any(rec.name in m.used for m in credited):
            plans = tuple(f"{'; '.join(m.plan_after) or '-'}" for m in credited)
            dropped.append(Unconfirmed(rec, plans))
        else:
            keep.append(rec)
    notes = [f"--verify measured on {verification.place}", *verification.notes]
    removed = {u.recommendation.name for u in dropped}
    return replace(
        advice,
        recommendations=tuple(keep),
        drops=tuple(d for d in advice.drops if d.by not in removed),
        verified=verification.measured,
        unconfirmed=tuple(dropped),
        notes=(*advice.notes, *notes),
    )
