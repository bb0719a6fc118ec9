"""How far the planner's estimates behind the advice can be trusted: the statistics of the
tables the workload reads.

A table never analyzed (``reltuples`` -1, or no row in pg_stats) is planned on guesses (ten
pages, default selectivities); one whose statistics are stale (many rows modified since its last
ANALYZE, or grown well past the size its statistics were taken at) on a picture of another
table. The advice is still given — refusing the whole workload for one table helps no one —
but each such table is named with ``ANALYZE`` as the fix, and each recommendation that rests on
one is marked low-confidence. Judged from the catalog (pg_class, pg_stats, the relation's
size), so a ``pg_stat_reset()`` does not hide a table never analyzed; the modification counter
adds what it still knows.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace

import psycopg
from psycopg import sql
from psycopg.rows import TupleRow

from pgsage.advise.model import Recommendation, RelName, TableStatistics

# Rows modified since the last ANALYZE, beyond this share of the rows the statistics describe
# (twice autovacuum's default analyze scale factor: autovacuum is well behind), plus a floor.
STALE_MODIFIED_SHARE = 0.2
STALE_MODIFIED_MIN = 50
# The table's pages now against the pages its statistics were taken at.
STALE_GROWTH = 2.0
STALE_GROWTH_MIN_PAGES = 8

# What is read of each table: its size now and as last ANALYZEd, changes since, statistics.
_TABLE_FACTS = """n.nspname, c.relname, c.relkind::text, c.reltuples::float8, c.relpages::bigint,
       (pg_catalog.pg_relation_size(c.oid)
        / pg_catalog.current_setting('block_size')::int)::bigint,
       coalesce(s.n_mod_since_analyze, 0)::bigint,
       EXISTS (SELECT 1 FROM pg_catalog.pg_stats st
               WHERE st.schemaname = n.nspname AND st.tablename = c.relname),
       c.relkind = 'p' AND EXISTS (
           SELECT 1 FROM pg_catalog.pg_partition_tree(c.oid) t
           JOIN pg_catalog.pg_class l ON l.oid = t.relid
           WHERE t.isleaf AND pg_catalog.pg_relation_size(l.oid) > 0)
"""
_TABLES = sql.SQL(
    """/* pgsage */
SELECT {facts}FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_catalog.pg_stat_all_tables s ON s.relid = c.oid
WHERE c.oid = %(oid)s
   OR c.oid IN (SELECT t.relid FROM pg_catalog.pg_partition_tree(%(oid)s) t WHERE t.isleaf)
ORDER BY c.relkind <> 'p', n.nspname, c.relname
"""
).format(facts=sql.SQL(_TABLE_FACTS))
_OID = "/* pgsage */ SELECT pg_catalog.to_regclass(%s)::oid"
# Every table of the workload at once, each with its leaf partitions, numbered as given.
_TABLES_MANY = sql.SQL(
    """/* pgsage */
SELECT r.n, {facts}FROM pg_catalog.unnest(%s::pg_catalog.text[]) WITH ORDINALITY AS r(name, n)
JOIN pg_catalog.pg_class top ON top.oid = pg_catalog.to_regclass(r.name)
JOIN pg_catalog.pg_class c ON c.oid = top.oid
   OR c.oid IN (SELECT t.relid FROM pg_catalog.pg_partition_tree(top.oid) t WHERE t.isleaf)
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_catalog.pg_stat_all_tables s ON s.relid = c.oid
ORDER BY r.n, c.relkind <> 'p', n.nspname, c.relname
"""
).format(facts=sql.SQL(_TABLE_FACTS))


@dataclass(frozen=True)
class _Row:
    relation: RelName
    kind: str
    reltuples: float
    relpages: int
    pages_now: int
    modified: int
    has_stats: bool
    partitions_have_rows: bool


def table_statistics(
    conn: psycopg.Connection[TupleRow], tables: Iterable[RelName]
) -> tuple[TableStatistics, ...]:
    """The workload's tables (and their partitions) whose statistics are missing or stale."""
    found: list[TableStatistics] = []
    ordered = sorted(set(tables))
    try:
        with conn.transaction():  # a savepoint: a locked table must not end the run
            every = _rows_of_all(conn, ordered)
    except psycopg.errors.LockNotAvailable:
        every = None  # one is locked: each on its own, the locked one left out
    for table in ordered:
        if every is not None:
            rows = every.get(table, [])
        else:
            try:
                with conn.transaction():
                    rows = _rows(conn, table)
            except psycopg.errors.LockNotAvailable:
                continue  # its statements are reported as locked by another session
        for row in rows:
            judged = _judge(row)
            if judged is not None:
                found.append(TableStatistics(table, row.relation, *judged))
    return tuple(found)


def _rows_of_all(
    conn: psycopg.Connection[TupleRow], tables: list[RelName]
) -> dict[RelName, list[_Row]]:
    """``_rows`` of every table in one query."""
    names = [sql.Identifier(t.schema, t.name).as_string(conn) for t in tables]
    found: dict[RelName, list[_Row]] = {}
    for r in conn.execute(_TABLES_MANY, (names,)).fetchall():
        found.setdefault(tables[int(r[0]) - 1], []).append(
            _Row(RelName(r[1], r[2]), r[3], r[4], r[5], r[6], r[7], bool(r[8]), bool(r[9]))
        )
    return found


def _rows(conn: psycopg.Connection[TupleRow], table: RelName) -> list[_Row]:
    ident = sql.Identifier(table.schema, table.name).as_string(conn)
    row = conn.execute(_OID, (ident,)).fetchone()
    if row is None or row[0] is None:
        return []
    return [
        _Row(RelName(r[0], r[1]), r[2], r[3], r[4], r[5], r[6], bool(r[7]), bool(r[8]))
        for r in conn.execute(_TABLES, {"oid": int(row[0])}).fetchall()
    ]


def _judge(row: _Row) -> tuple[str, str] | None:
    """("never-analyzed" | "stale", why) or None when the statistics can be trusted."""
    if row.kind == "p":
        return _judge_parent(row)
    if not row.has_stats:
        if row.pages_now == 0:
            return None  # empty: nothing to estimate, nothing to index
        counted = "reltuples -1, " if row.reltuples < 0 else ""
        return (
            "never-analyzed",
            f"never analyzed ({counted}no statistics in pg_stats; "
            f"{row.pages_now:,} pages): its row counts and selectivities are guesses",
        )
    rows = max(row.reltuples, 0.0)
    if row.modified > STALE_MODIFIED_MIN + STALE_MODIFIED_SHARE * rows:
        return (
            "stale",
            f"{row.modified:,} rows modified since its last ANALYZE, which counted "
            f"{rows:,.0f} rows",
        )
    if row.pages_now > max(STALE_GROWTH * row.relpages, STALE_GROWTH_MIN_PAGES):
        return (
            "stale",
            f"grown to {row.pages_now:,} pages since its statistics were taken "
            f"({row.relpages:,} pages then)",
        )
    return None


def _judge_parent(row: _Row) -> tuple[str, str] | None:
    if row.has_stats or not row.partitions_have_rows:
        return None
    return (
        "never-analyzed",
        "the partitioned table has no statistics of its own (autovacuum never analyzes a "
        "partitioned parent)",
    )


def mark_confidence(
    recommendations: Iterable[Recommendation],
    statistics: tuple[TableStatistics, ...],
    tables_of: dict[str, frozenset[RelName]],
) -> tuple[Recommendation, ...]:
    """Each recommendation with the tables without trustworthy statistics it rests on: its
    own table, and every table a statement it helps reads (``tables_of``: statement → tables)."""
    weak = {s.table for s in statistics}
    marked = []
    for rec in recommendations:
        read = {rec.candidate.table}
        for helped in rec.queries:
            read |= tables_of.get(helped.query, frozenset())
        marked.append(replace(rec, low_confidence=tuple(sorted(str(t) for t in read & weak))))
    return tuple(marked)
