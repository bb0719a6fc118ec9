"""History collection: one sample of each target into the store (``pgsage collect`` and the
web process's scheduler call the same function).

A sample is the audit of the target (its snapshot and report, the same command functions as
``pgsage audit``): pg_stat_statements deltas since the previous sample, database size and
connections, the findings, and table sizes when the last space sample is older than
``space_interval_s``. Each target is collected under a per-target advisory lock in the store,
and skipped when another process sampled it less than ``min_gap_s`` ago, so that several
processes sharing a store never take a sample twice.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import Connection, text

from pgsage.db.connect import one_line
from pgsage.errors import PgsageError
from pgsage.model import Report
from pgsage.settings import Settings

if TYPE_CHECKING:
    from pgsage.db.rows import Sequence
    from pgsage.db.snapshot import Snapshot
    from pgsage.web.store import Store

TOP_TABLES = 500  # table sizes recorded per space sample (the largest)


@dataclass(frozen=True)
class CollectResult:
    target: str
    status: str  # collected, skipped, failed
    detail: str = ""
    statements: int = 0
    findings: int = 0
    tables: int = 0


def snapshot_and_report(settings: Settings) -> tuple[Snapshot, Report]:
    """The target's snapshot and its audit report (the checks run over the snapshot)."""
    from pgsage.checks.runner import run_checks, select_checks
    from pgsage.commands.audit import take_snapshot

    checks = select_checks(settings.select, settings.ignore)
    taken = take_snapshot(settings)
    return taken, run_checks(taken, checks, settings.checks)


# Who takes a target's audit for a sample: (target name, settings) -> (snapshot, report). The
# web process passes its own, so that the audit it samples is the one its pages show.
Audit = Callable[[str, Settings], "tuple[Snapshot, Report]"]


def audit_only(target: str, settings: Settings) -> tuple[Snapshot, Report]:
    """The default ``Audit``: the snapshot and report, for the sample only."""
    return snapshot_and_report(settings)


def lock_key(target: str) -> int:
    return zlib.crc32(f"pgsage-collect:{target}".encode()) - 2**31


def statement_key(
    queryid: int | None, username: str | None, toplevel: bool | None, query: str
) -> str:
    ident = str(queryid) if queryid is not None else f"q{zlib.crc32(query.encode())}"
    return f"{ident}:{username or ''}:{'t' if toplevel is not False else 'n'}"


def collect_target(
    store: Store, target: str, settings: Settings, options: CollectOptions | None = None
) -> CollectResult:
    """Sample one target (its DSN in ``settings.dsn``) into the store (``options``: the gap,
    the space interval and who audits; retention is ``collect``'s)."""
    options = options or CollectOptions()
    with store.engine.connect() as lock_conn:
        got = lock_conn.execute(
            text("SELECT pg_catalog.pg_try_advisory_lock(:k)"), {"k": lock_key(target)}
        )
        lock_conn.commit()
        if not got.scalar_one():
            return CollectResult(target, "skipped", "another process is collecting it")
        try:
            return _collect_locked(store, target, settings, options)
        finally:
            lock_conn.execute(
                text("SELECT pg_catalog.pg_advisory_unlock(:k)"), {"k": lock_key(target)}
            )
            lock_conn.commit()


def _collect_locked(
    store: Store, target: str, settings: Settings, options: CollectOptions
) -> CollectResult:
    min_gap_s, space_interval_s = options.min_gap_s, options.space_interval_s
    with store.begin() as conn:
        if min_gap_s > 0:
            recent = conn.execute(
                text(
                    "SELECT extract(epoch FROM pg_catalog.now() - pg_catalog.max(started_at)) FROM "
                    "pgsage_web.collect_runs WHERE target = :t AND ok"
                ),
                {"t": target},
            ).scalar_one()
            if recent is not None and float(recent) < min_gap_s:
                return CollectResult(target, "skipped", f"sampled {float(recent):.0f} s ago")
        run_id = int(
            conn.execute(
                text("INSERT INTO pgsage_web.collect_runs (target) VALUES (:t) RETURNING id"),
                {"t": target},
            ).scalar_one()
        )
    try:
        taken, report = options.audit(target, settings)
    except PgsageError as exc:
        _finish(store, run_id, False, one_line(str(exc)), "")
        return CollectResult(target, "failed", one_line(str(exc)))
    with store.begin() as conn:
        now = conn.execute(text("SELECT pg_catalog.now()")).scalar_one()
        kinds = ["database", "findings"]
        _database_sample(conn, run_id, target, now, taken)
        statements = 0
        if taken.statements_info.status == "ok":
            statements = _statement_deltas(conn, run_id, target, now, taken)
            kinds.append("statements")
        findings = _findings(conn, run_id, target, now, report)
        _sequence_sample(conn, SampleAt(run_id, target, now), taken)
        tables = 0
        last_space = conn.execute(
            text(
                "SELECT extract(epoch FROM pg_catalog.now() - pg_catalog.max(taken_at)) "
                "FROM pgsage_web.table_sizes "
                "WHERE target = :t"
            ),
            {"t": target},
        ).scalar_one()
        if last_space is None or float(last_space) >= space_interval_s:
            tables = _table_sizes(conn, run_id, target, now, taken)
            kinds.append("space")
        errors = "; ".join(f"{k}: {v}" for k, v in sorted(taken.errors.items()))
        conn.execute(
            text(
                "UPDATE pgsage_web.collect_runs SET finished_at = pg_catalog.now(), ok = true, "
                "error = :e, kinds = :k WHERE id = :id"
            ),
            {"e": errors or None, "k": ",".join(kinds), "id": run_id},
        )
    return CollectResult(target, "collected", errors, statements, findings, tables)


SEQUENCES = 100  # the most used sequences of a target are recorded at each sample


@dataclass(frozen=True)
class SampleAt:
    run_id: int
    target: str
    now: datetime


def _sequence_sample(conn: Connection, at: SampleAt, taken: Snapshot) -> None:
    """The most used sequences' values (for the days-until-exhausted forecast)."""

    def used(s: Sequence) -> float:
        span = s.max_value - s.min_value
        return ((s.last_value or s.min_value) - s.min_value) / span if span > 0 else 0.0

    ascending = [s for s in taken.sequences if s.increment_by > 0 and s.last_value is not None]
    top = sorted(ascending, key=used, reverse=True)[:SEQUENCES]
    if not top:
        return
    conn.execute(
        text(
            "INSERT INTO pgsage_web.sequence_samples (run_id, target, taken_at, schema_name, "
            "sequence_name, last_value, max_value) VALUES (:r, :t, :at, :s, :n, :v, :m)"
        ),
        [
            {
                "r": at.run_id,
                "t": at.target,
                "at": at.now,
                "s": s.schema,
                "n": s.name,
                "v": s.last_value,
                "m": s.max_value,
            }
            for s in top
        ],
    )


def _finish(store: Store, run_id: int, ok: bool, error: str, kinds: str) -> None:
    with store.begin() as conn:
        conn.execute(
            text(
                "UPDATE pgsage_web.collect_runs SET finished_at = pg_catalog.now(), ok = :ok, "
                "error = :e, "
                "kinds = :k WHERE id = :id"
            ),
            {"ok": ok, "e": error, "k": kinds, "id": run_id},
        )


def _database_sample(
    conn: Connection, run_id: int, target: str, now: datetime, taken: Snapshot
) -> None:
    db = taken.database
    sessions = [s for s in taken.activity if s.backend_type in (None, "client backend")]
    hit = None
    if db is not None and db.blks_hit is not None and db.blks_read is not None:
        total = db.blks_hit + db.blks_read
        hit = db.blks_hit / total if total else None
    conn.execute(
        text(
            "INSERT INTO pgsage_web.db_samples (run_id, target, taken_at, size_bytes, "
            "connections, max_connections, active, idle_in_transaction, waiting, cache_hit, "
            "frozenxid_age) VALUES (:r, :t, :now, :size, :conn, :max, :active, :iit, :wait, "
            ":hit, :age)"
        ),
        {
            "r": run_id,
            "t": target,
            "now": now,
            "size": db.size_bytes if db else None,
            "conn": len(sessions) if taken.activity or db is None else db.numbackends,
            "max": db.max_connections if db else None,
            "active": sum(1 for s in sessions if s.state == "active"),
            "iit": sum(1 for s in sessions if (s.state or "").startswith("idle in transaction")),
            "wait": sum(1 for s in sessions if s.blocked_by),
            "hit": hit,
            "age": db.frozenxid_age if db else None,
        },
    )


def _statement_deltas(
    conn: Connection, run_id: int, target: str, now: datetime, taken: Snapshot
) -> int:
    previous = {
        row.key: (int(row.calls), float(row.total_ms), int(row.rows))
        for row in conn.execute(
            text(
                "SELECT key, calls, total_ms, rows FROM pgsage_web.statement_totals WHERE target = :t"
            ),
            {"t": target},
        )
    }
    totals: dict[str, tuple[int, float, int, int | None, str]] = {}
    for st in taken.statements:
        key = statement_key(st.queryid, st.username, st.toplevel, st.query)
        calls, ms, rows, _, _ = totals.get(key, (0, 0.0, 0, None, ""))
        totals[key] = (
            calls + st.calls,
            ms + st.total_exec_time,
            rows + st.rows,
            st.queryid,
            st.query,
        )
    samples = []
    for key, (calls, ms, rows, queryid, query) in totals.items():
        if not previous:
            continue  # the first sample of a target only sets the baseline
        before = previous.get(key)
        if before is None or calls < before[0]:  # new since the last sample, or a reset
            d_calls, d_ms, d_rows = calls, ms, rows
        else:
            d_calls, d_ms, d_rows = calls - before[0], ms - before[1], rows - before[2]
        if d_calls > 0:
            samples.append(
                {
                    "r": run_id,
                    "t": target,
                    "now": now,
                    "k": key,
                    "q": queryid,
                    "text": query[:4000],
                    "c": d_calls,
                    "ms": max(d_ms, 0.0),
                    "rows": max(d_rows, 0),
                }
            )
    if samples:
        conn.execute(
            text(
                "INSERT INTO pgsage_web.statement_samples (run_id, target, taken_at, key, "
                "queryid, query, calls, total_ms, rows) VALUES (:r, :t, :now, :k, :q, :text, "
                ":c, :ms, :rows)"
            ),
            samples,
        )
    conn.execute(text("DELETE FROM pgsage_web.statement_totals WHERE target = :t"), {"t": target})
    if totals:
        conn.execute(
            text(
                "INSERT INTO pgsage_web.statement_totals (target, key, calls, total_ms, rows) "
                "VALUES (:t, :k, :c, :ms, :rows)"
            ),
            [
                {"t": target, "k": k, "c": c, "ms": ms, "rows": r}
                for k, (c, ms, r, _, _) in totals.items()
            ],
        )
    return len(samples)


def _findings(conn: Connection, run_id: int, target: str, now: datetime, report: Report) -> int:
    rows = [
        {
            "r": run_id,
            "t": target,
            "now": now,
            "c": f.check,
            "s": f.severity.value,
            "subj": f.subject(),
            "m": f.message[:2000],
        }
        for f in report.findings
    ]
    if rows:
        conn.execute(
            text(
                "INSERT INTO pgsage_web.finding_samples (run_id, target, taken_at, check_id, "
                "severity, subject, message) VALUES (:r, :t, :now, :c, :s, :subj, :m)"
            ),
            rows,
        )
    return len(rows)


def _table_sizes(conn: Connection, run_id: int, target: str, now: datetime, taken: Snapshot) -> int:
    largest = sorted(taken.tables, key=lambda t: t.total_bytes, reverse=True)[:TOP_TABLES]
    if largest:
        conn.execute(
            text(
                "INSERT INTO pgsage_web.table_sizes (run_id, target, taken_at, schema_name, "
                "table_name, total_bytes) VALUES (:r, :t, :now, :s, :n, :b)"
            ),
            [
                {
                    "r": run_id,
                    "t": target,
                    "now": now,
                    "s": t.schema,
                    "n": t.name,
                    "b": t.total_bytes,
                }
                for t in largest
            ],
        )
    return len(largest)


@dataclass(frozen=True)
class CollectOptions:
    """How often and how long: the gap below which a target is not sampled again, the
    interval of the table sizes, and the retention of query and space history."""

    min_gap_s: float = 0.0
    space_interval_s: float = 86_400.0
    query_retention_days: int = 30
    space_retention_days: int = 365
    audit: Audit = audit_only


def collect(
    store: Store,
    targets: dict[str, str],
    settings: Settings,
    options: CollectOptions | None = None,
) -> list[CollectResult]:
    """One sample of every target, then the retention purge."""
    options = options or CollectOptions()
    results = [
        collect_target(store, name, settings.model_copy(update={"dsn": dsn}), options)
        for name, dsn in targets.items()
    ]
    store.purge(options.query_retention_days, options.space_retention_days)
    return results
