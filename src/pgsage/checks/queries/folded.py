"""What the query checks share: pg_stat_statements rows folded per queryid, minus monitoring.

pg_stat_statements keeps one row per (user, queryid, top-level flag); the checks judge a
statement as a whole, so rows of the same queryid are added up. Statements that only read
system catalogs and statistics views (monitoring tools, pgsage's own snapshot) and utility
statements (SET, VACUUM, CREATE INDEX ...) are not the application's workload and are left out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from pgsage.checks.context import AuditContext
from pgsage.db.rows import Statement
from pgsage.model import ObjectRef
from pgsage.sql.analysis import StatementInfo, TableRef

QUERY_PREVIEW_CHARS = 300
CATALOG_SCHEMAS = frozenset({"pg_catalog", "information_schema"})


@dataclass(frozen=True)
class QueryStats:
    """One statement (queryid) over every user that ran it."""

    queryid: int | None
    query: str
    calls: int
    rows: int
    total_ms: float
    max_ms: float
    toplevel_ms: float  # time of top-level executions (nested ones are inside other statements)
    shared_blks_hit: int
    shared_blks_read: int
    temp_blks_read: int
    temp_blks_written: int
    users: tuple[str, ...]
    # What the text does (None: the parser cannot read it), parsed once for the run.
    info: StatementInfo | None = field(default=None, compare=False, repr=False)

    @property
    def mean_ms(self) -> float:
        return self.total_ms / self.calls if self.calls else 0.0

    @property
    def rows_per_call(self) -> float:
        return self.rows / self.calls if self.calls else 0.0

    @property
    def shared_blocks(self) -> int:
        return self.shared_blks_hit + self.shared_blks_read


def is_catalog(table: TableRef) -> bool:
    """System catalogs and statistics/extension views (pg_class, pg_stat_statements...)."""
    return table.schema in CATALOG_SCHEMAS or table.name.startswith("pg_")


def is_workload(info: StatementInfo | None) -> bool:
    """Whether a statement is the application's: not a utility statement, not catalog-only.

    A text the parser cannot read (None) is kept: it is somebody's workload all the same.
    """
    if info is None:
        return True
    if info.kind == "other":
        return False
    return not (info.tables and all(is_catalog(t) for t in info.tables))


def workload(context: AuditContext) -> tuple[QueryStats, ...]:
    """The workload's statements, folded per queryid, heaviest (total time) first, each with
    its text parsed (``info``). Nine checks read it: folded and filtered once per run."""
    return context.view(_workload)


def _workload(context: AuditContext) -> tuple[QueryStats, ...]:
    groups: dict[tuple[int | None, str], list[Statement]] = {}
    for row in context.snapshot.statements:
        key = (row.queryid, row.query if row.queryid is None else "")
        groups.setdefault(key, []).append(row)
    kept = []
    for rows in groups.values():
        if sum(r.calls for r in rows) > 0:
            info = context.statement(_first(rows).query)
            if is_workload(info):
                kept.append(_fold(rows, info))
    return tuple(sorted(kept, key=lambda q: (-q.total_ms, q.queryid or 0, q.query)))


def _first(rows: list[Statement]) -> Statement:
    """The row whose queryid and text the folded statement shows."""
    if len(rows) == 1:
        return rows[0]
    return min(rows, key=lambda r: (r.username or "", r.toplevel is False))


def _fold(rows: list[Statement], info: StatementInfo | None) -> QueryStats:
    # One pass rather than a sum() per counter: most queryids have a single row, and a big
    # database has thousands. The sums start from 0 and add in row order, as sum() does.
    first = _first(rows)
    calls = returned = hit = read = temp_read = temp_written = 0
    total_ms: float = 0
    toplevel_ms: float = 0
    users = set()
    for r in rows:
        calls += r.calls
        returned += r.rows
        total_ms += r.total_exec_time
        if r.toplevel is not False:
            toplevel_ms += r.total_exec_time
        hit += r.shared_blks_hit
        read += r.shared_blks_read
        temp_read += r.temp_blks_read
        temp_written += r.temp_blks_written
        users.add(r.username or "?")
    return QueryStats(
        queryid=first.queryid,
        query=first.query,
        calls=calls,
        rows=returned,
        total_ms=total_ms,
        max_ms=max(r.max_exec_time for r in rows),
        toplevel_ms=toplevel_ms,
        shared_blks_hit=hit,
        shared_blks_read=read,
        temp_blks_read=temp_read,
        temp_blks_written=temp_written,
        users=tuple(sorted(users)),
        info=info,
    )


def query_ref(query: QueryStats) -> ObjectRef:
    return ObjectRef("query", "", f"queryid {query.queryid}")


def preview(query: str) -> str:
    """The statement on one line, cut to a readable length."""
    text = re.sub(r"\s+", " ", query).strip()
    if len(text) <= QUERY_PREVIEW_CHARS:
        return text
    return text[: QUERY_PREVIEW_CHARS - 1] + "…"


def query_evidence(query: QueryStats) -> dict[str, int | float | str | None]:
    return {
        "queryid": query.queryid,
        "calls": query.calls,
        "mean_ms": round(query.mean_ms, 2),
        "max_ms": round(query.max_ms, 2),
        "total_ms": round(query.total_ms, 2),
        "rows_per_call": round(query.rows_per_call, 1),
        "users": ", ".join(query.users),
        "query": preview(query.query),
    }


def advise_hint(query: QueryStats) -> str:
    return (
        f"Run EXPLAIN (ANALYZE, BUFFERS) on it with typical parameters, and "
        f"`pgsage advise` for index candidates (queryid {query.queryid})."
    )
