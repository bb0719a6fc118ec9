"""Fixes for the schema-pattern checks, as data: indexes with operator classes or a function
around the column (GIN for JSONB, trigram GIN for LIKE), partial indexes, constraint validation.

Like ``pgsage.fixes.index``: identifiers are quoted with ``ident()``, indexes are built CONCURRENTLY
after a lock_timeout, and the Alembic form runs inside ``autocommit_block()``. Operator classes,
methods and wrapper functions come from the checks' own constants, never from the database.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from pgsage.fixes.quoting import (
    LOCK_TIMEOUT,
    fit_identifier,
    ident,
    literal,
)
from pgsage.fixes.steps import alembic_lines


@dataclass(frozen=True)
class PartitionPlan:
    """Monthly range partitioning of an existing table, with a retention job.

    The first step is runnable as is (it creates a new, empty partitioned twin, so it locks
    nothing in use); the migration and retention steps are written as commented SQL to adapt,
    because their batching and timing depend on the application.
    """

    schema: str
    table: str
    column: str
    months: tuple[date, ...]  # first day of each month to create a partition for
    current_month: date  # the month the snapshot was taken in
    retention_days: int
    copy_columns: tuple[str, ...]  # columns to copy (generated columns left out)
    primary_key: tuple[str, ...] = ()  # the current primary key's columns
    index_statements: tuple[str, ...] = ()  # CREATE INDEX ON <twin> ..., ready to run
    blocked_indexes: tuple[str, ...] = ()  # unique indexes that cannot be partitioned as is
    identity_columns: tuple[str, ...] = ()
    owned_sequences: tuple[tuple[str, str, str], ...] = ()  # (schema, sequence, column)
    referencing: tuple[str, ...] = ()  # foreign keys of other tables pointing here
    nullable: bool = False
    detach_concurrently: bool = True  # PostgreSQL 14+

    @property
    def twin(self) -> str:
        return twin_name(self.table)

    def partition(self, month: date) -> str:
        return fit_identifier(self.table, f"p{month:%Y_%m}")

    def _bounds(self, month: date) -> str:
        return f"FROM ({literal(month.isoformat())}) TO ({literal(_next(month).isoformat())})"

    def to_sql(self) -> str:
        table, twin = ident(self.schema, self.table), ident(self.schema, self.twin)
        col = ident(self.column)
        key = [*self.primary_key] + (
            [] if self.column in self.primary_key or not self.primary_key else [self.column]
        )
        lines = [
            f"-- Monthly range partitioning of {self.schema}.{self.table} on {self.column}, "
            f"keeping {self.retention_days} days.",
            "-- Step 1 — a partitioned twin with monthly partitions (new, empty tables: no lock "
            "on the live one).",
            LOCK_TIMEOUT,
            f"CREATE TABLE {twin} (LIKE {table} INCLUDING DEFAULTS INCLUDING CONSTRAINTS "
            "INCLUDING GENERATED INCLUDING IDENTITY INCLUDING STORAGE INCLUDING COMMENTS) "
            f"PARTITION BY RANGE ({col});",
        ]
        if key:
            lines.append(
                f"ALTER TABLE {twin} ADD PRIMARY KEY ({', '.join(ident(k) for k in key)});"
            )
        lines += list(self.index_statements)
        for name in self.blocked_indexes:
            lines.append(
                f"-- {name} (unique or exclusion, without {self.column}) cannot be "
                f"created on a partitioned table: add {self.column} to it or enforce "
                "the rule otherwise."
            )
        lines += [
            f"CREATE TABLE {ident(self.schema, self.partition(m))} PARTITION OF {twin} "
            f"FOR VALUES {self._bounds(m)};"
            for m in self.months
        ]
        if self.nullable:
            lines.append(
                f"-- {self.column} allows NULL: such rows fit no partition; set it "
                "NOT NULL (or add a DEFAULT partition) before migrating."
            )
        cols = ", ".join(ident(c) for c in self.copy_columns)
        overriding = " OVERRIDING SYSTEM VALUE" if self.identity_columns else ""
        old = ident(self.schema, fit_identifier(self.table, "old"))
        lines.append(
            f"-- Step 2 — copy the finished months of the retention window, one batch "
            f"per month (older rows are past the {self.retention_days}-day retention):"
        )
        for month in self.months:
            if month >= self.current_month:
                break
            lines += [
                f"--   INSERT INTO {twin} ({cols}){overriding}",
                f"--   SELECT {cols} FROM {table}",  # noqa: S608 — identifiers via ident()
                f"--   WHERE {col} >= {literal(month.isoformat())} AND {col} < "
                f"{literal(_next(month).isoformat())};",
            ]
        lines += [
            "-- Step 3 — in one short transaction: copy the current month, swap the names, hand "
            "over the sequences:",
            "--   BEGIN;",
            f"--   LOCK TABLE {table} IN EXCLUSIVE MODE;",
            f"--   INSERT INTO {twin} ({cols}){overriding}",
            f"--   SELECT {cols} FROM {table} WHERE {col} >= "  # noqa: S608 — ident()
            f"{literal(self.current_month.isoformat())};",
            f"--   ALTER TABLE {table} RENAME TO {ident(fit_identifier(self.table, 'old'))};",
            f"--   ALTER TABLE {twin} RENAME TO {ident(self.table)};",
        ]
        for name in self.identity_columns:
            sequence = f"pg_get_serial_sequence({literal(table)}, {literal(name)})"
            highest = f"SELECT max({ident(name)}) FROM {old}"  # noqa: S608 — ident()
            lines.append(f"--   SELECT setval({sequence}, ({highest}));")
        lines += [
            f"--   ALTER SEQUENCE {ident(seq_schema, seq)} OWNED BY {table}.{ident(column)};"
            for seq_schema, seq, column in self.owned_sequences
        ]
        lines.append("--   COMMIT;")
        if self.referencing:
            lines.append(
                f"-- Foreign keys pointing at {self.table} ("
                f"{', '.join(self.referencing)}) must be re-created against the new "
                f"table, referencing its primary key (which includes {self.column})."
            )
        if self.months:
            ahead, oldest = _next(self.months[-1]), self.months[0]
            detach = " CONCURRENTLY" if self.detach_concurrently else ""
            lines += [
                "-- Step 4 — retention, every month (pg_cron or a scheduled job): create the next "
                "partition ahead; detach and drop each partition once its whole month is more "
                f"than {self.retention_days} days old (the oldest first):",
                f"--   CREATE TABLE IF NOT EXISTS {ident(self.schema, self.partition(ahead))} "
                f"PARTITION OF {table} FOR VALUES {self._bounds(ahead)};",
                f"--   ALTER TABLE {table} DETACH PARTITION "
                f"{ident(self.schema, self.partition(oldest))}{detach};",
                f"--   DROP TABLE {ident(self.schema, self.partition(oldest))};",
            ]
        return "\n".join(lines)

    def to_alembic(self) -> str:
        # The same steps: step 1 runs (one statement per line), the rest stays commented.
        return alembic_lines(self.to_sql())


def twin_name(table: str) -> str:
    """The name of the partitioned table built next to ``table`` before the swap."""
    return fit_identifier(table, "partitioned")


def _next(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)
