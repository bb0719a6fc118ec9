"""partition-time-series: a large, append-mostly, time-stamped table that is not partitioned."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

from pgsage.checks.base import Check, CheckDocs, Param
from pgsage.db.rows import Column, Index, Table
from pgsage.db.snapshot import Snapshot
from pgsage.fixes.quoting import ident
from pgsage.fixes.schema import PartitionPlan, twin_name
from pgsage.model import Finding, ObjectRef, Severity

TIME_TYPES = frozenset({"timestamptz", "timestamp", "date"})
NOW_DEFAULT = re.compile(
    r"\b(now|clock_timestamp|statement_timestamp|transaction_timestamp)\(\)"
    r"|\bcurrent_(timestamp|date)\b|\blocaltimestamp\b",
    re.IGNORECASE,
)
# Columns that move after the insert make poor partition keys (a row would change partition).
MUTABLE_NAMES = re.compile(r"updat|modif|delet|expir|last_", re.IGNORECASE)
_IDENT = r'(?:"(?:[^"]|"")*"|[^\s."]+)'
INDEX_DEF = re.compile(
    rf"^CREATE (UNIQUE )?INDEX {_IDENT} ON (?:ONLY )?(?:{_IDENT}\.)?{_IDENT} "
    r"USING (.+)$",
    re.DOTALL,
)
GIB = 2**30
DETACH_CONCURRENTLY_SINCE = 140000


def time_column(columns: list[Column]) -> Column | None:
    """The column to partition by: a NOT NULL or now()-defaulted timestamp/date, preferring a
    creation time over a modification time, then both NOT NULL and now(), then NOT NULL, then
    the first in the table."""
    candidates = []
    for column in columns:
        if column.type_name not in TIME_TYPES or column.generated:
            continue
        defaults_now = bool(column.default_expr and NOW_DEFAULT.search(column.default_expr))
        if not (column.not_null or defaults_now):
            continue
        rank = (
            bool(MUTABLE_NAMES.search(column.name)),
            not (column.not_null and defaults_now),
            not column.not_null,
            column.attnum,
        )
        candidates.append((rank, column))
    return min(candidates, key=lambda c: c[0])[1] if candidates else None


def month_start(day: date) -> date:
    return day.replace(day=1)


def months_between(first: date, last: date) -> tuple[date, ...]:
    months, month = [], month_start(first)
    while month <= last:
        months.append(month)
        month = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    return tuple(months)


def add_months(month: date, count: int) -> date:
    index = month.year * 12 + month.month - 1 + count
    return date(index // 12, index % 12 + 1, 1)


class PartitionTimeSeries(Check):
    id = "partition-time-series"
    category = "schema"
    severity = Severity.INFO
    title = "Time-series table not partitioned"
    requires_sections = ("tables", "columns", "indexes", "constraints", "sequences")
    params = (
        Param("min_bytes", GIB, "only tables whose heap (with TOAST) is at least this big"),
        Param("warn_bytes", 10 * GIB, "from this size on, a warning"),
        Param("min_insert_share", 0.9, "inserts / (inserts + updates + deletes) at least this"),
        Param("min_inserts", 10000, "at least this many inserts counted in the statistics"),
        Param("retention_days", 90, "the retention the plan keeps (seed 001: 90 days)"),
        Param("months_ahead", 3, "partitions to create ahead of the current month"),
    )
    docs = CheckDocs(
        problem="A large table that is almost only inserted into (visit logs, bot logs, AI "
        "request logs) and has a NOT NULL or now()-defaulted timestamp column is a "
        "single heap instead of being range-partitioned by time.",
        why="Retention then means DELETE of millions of rows (WAL, bloat, long VACUUMs) instead "
        "of dropping a partition in milliseconds; every index keeps growing, VACUUM and "
        "anti-wraparound scans cover the whole history, and queries over recent data "
        "cannot skip old months.",
        fix="Create a twin partitioned BY RANGE on the timestamp with monthly partitions, copy "
        "the retention window in batches, swap names in one short transaction, and drop "
        "partitions past the retention every month (the finding's SQL is that plan, "
        "step 1 runnable, the rest to adapt). The primary key must include the partition "
        "column.",
        alembic="Run step 1 with op.execute(...) in a migration; do the copy and swap as a "
        "separate, supervised operation, not inside a migration transaction.",
    )

    def evaluate(self, snapshot: Snapshot, params: Mapping[str, Any]) -> list[Finding]:
        findings = []
        for table in snapshot.tables:
            if table.kind != "r" or table.is_partition or table.persistence == "t":
                continue
            heap = table.table_bytes + table.toast_bytes
            if heap < int(params["min_bytes"]):
                continue
            ins, upd, dele = table.n_tup_ins or 0, table.n_tup_upd or 0, table.n_tup_del or 0
            if ins < int(params["min_inserts"]):
                continue
            share = ins / (ins + upd + dele)
            if share < float(params["min_insert_share"]):
                continue
            column = time_column(snapshot.columns_by_table.get((table.schema, table.name), []))
            if column is None:
                continue
            plan = self._plan(snapshot, table, column, params)
            findings.append(
                self.finding(
                    ObjectRef("table", table.schema, table.name),
                    f"{table.qualified} is {heap / 2**20:,.1f} MiB and append-mostly "
                    f"({share:.0%} of {ins + upd + dele:,} row changes are inserts) but not "
                    f"partitioned; {column.name} ({column.type}) can be the range key",
                    severity=Severity.WARNING if heap >= int(params["warn_bytes"]) else None,
                    evidence={
                        "heap_bytes": heap,
                        "total_bytes": table.total_bytes,
                        "rows": int(table.estimated_rows),
                        "inserts": ins,
                        "updates": upd,
                        "deletes": dele,
                        "insert_share": round(share, 4),
                        "partition_column": column.name,
                        "partition_column_type": column.type,
                        "retention_days": int(params["retention_days"]),
                        "threshold_bytes": int(params["min_bytes"]),
                        "threshold_insert_share": float(params["min_insert_share"]),
                    },
                    recommendation=f"Partition {table.name} by month on {column.name} and drop "
                    f"partitions older than {int(params['retention_days'])} days "
                    "instead of deleting rows; the SQL is a step-by-step plan.",
                    fix=plan,
                )
            )
        return sorted(findings, key=Finding.sort_key)

    def _plan(
        self, snapshot: Snapshot, table: Table, column: Column, params: Mapping[str, Any]
    ) -> PartitionPlan:
        today = snapshot.collected_at.date()
        current = month_start(today)
        oldest = month_start(today - timedelta(days=int(params["retention_days"])))
        months = months_between(oldest, add_months(current, int(params["months_ahead"])))
        columns = snapshot.columns_by_table.get((table.schema, table.name), [])
        primary = next(
            (
                c
                for c in snapshot.constraints
                if c.type == "p" and (c.schema, c.table) == (table.schema, table.name)
            ),
            None,
        )
        indexes, blocked = self._indexes(snapshot, table, column)
        return PartitionPlan(
            schema=table.schema,
            table=table.name,
            column=column.name,
            months=months,
            current_month=current,
            retention_days=int(params["retention_days"]),
            copy_columns=tuple(c.name for c in columns if not c.generated),
            primary_key=tuple(primary.columns) if primary else (),
            index_statements=indexes,
            blocked_indexes=blocked,
            identity_columns=tuple(c.name for c in columns if c.identity),
            owned_sequences=tuple(
                (s.schema, s.name, s.owner_column)
                for s in snapshot.sequences
                if (s.owner_schema, s.owner_table) == (table.schema, table.name)
                and not s.is_identity
                and s.owner_column
            ),
            referencing=tuple(
                sorted(
                    f"{c.schema}.{c.table}.{c.name}"
                    for c in snapshot.constraints
                    if c.type == "f" and (c.ref_schema, c.ref_table) == (table.schema, table.name)
                )
            ),
            nullable=not column.not_null,
            detach_concurrently=snapshot.server.version_num >= DETACH_CONCURRENTLY_SINCE,
        )

    @staticmethod
    def _indexes(
        snapshot: Snapshot, table: Table, column: Column
    ) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """CREATE INDEX statements for the twin, and unique indexes it cannot have as they are."""
        twin = ident(table.schema, twin_name(table.name))
        statements, blocked = [], []
        ordered: list[Index] = sorted(
            snapshot.indexes_by_table.get((table.schema, table.name), []), key=lambda i: i.name
        )
        for index in ordered:
            if index.is_primary or not index.is_valid:
                continue
            match = INDEX_DEF.match(index.definition)
            if (
                index.is_exclusion
                or match is None
                or (index.is_unique and column.attnum not in index.key_attnums[: index.key_count])
            ):
                blocked.append(index.name)
                continue
            unique = "UNIQUE " if match.group(1) else ""
            statements.append(f"CREATE {unique}INDEX ON {twin} USING {match.group(2)};")
        return tuple(statements), tuple(blocked)
