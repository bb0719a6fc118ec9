"""wide-rows: tables with very wide rows, or most of their bytes in TOAST."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pgsage.checks.base import Check, CheckDocs, Param
from pgsage.checks.tables.estimate import stored_columns
from pgsage.checks.tables.storage_params import table_ref
from pgsage.db.rows import Column, Table
from pgsage.db.snapshot import Snapshot
from pgsage.model import Finding, Severity
from pgsage.units import human_bytes

LISTED_COLUMNS = 5
TOAST_POINTER_BYTES = 18


def column_bytes(column: Column) -> float:
    """Average stored bytes per row: avg_width of the non-null values x their share."""
    return (column.avg_width or 0) * (1.0 - (column.null_frac or 0.0))


class WideRows(Check):
    id = "wide-rows"
    category = "tables"
    severity = Severity.INFO
    title = "Very wide rows or TOAST-heavy table"
    requires_sections = ("tables", "columns")
    params = (
        Param("min_rows", 10000.0, "only tables with at least this many rows"),
        Param("max_row_bytes", 1500.0, "report an average row width (pg_stats) above this"),
        Param("min_toast_bytes", 100 * 1024 * 1024, "report TOAST of at least this size..."),
        Param(
            "max_toast_share", 0.5, "...when it is more than this share of the table's total size"
        ),
    )
    docs = CheckDocs(
        problem="The table's rows are very wide on average (the sum over its columns of "
        "pg_stats avg_width x non-null share), or most of its bytes live in its TOAST "
        "table (large text, jsonb or bytea values stored out of line).",
        why="Wide rows fit few to a page: every scan, even one that needs two narrow "
        "columns, reads all of them, and the cache holds fewer rows. TOASTed values are "
        "cheap while nobody reads them, but `SELECT *` (an ORM loading whole objects) "
        "fetches and decompresses every one of them on each read, and updates of other "
        "columns can still copy large inline values.",
        fix="Select only the columns a query needs (SQLAlchemy: deferred() / load_only() for "
        "the big ones). Move large, rarely read columns to a separate 1:1 table. For "
        "compressible values, ALTER TABLE ... ALTER COLUMN ... SET COMPRESSION lz4 "
        "(PostgreSQL 14+, faster than pglz; applies to new values). Large binary files "
        "belong in object storage with a reference in the row.",
        alembic="A new table for the big columns (op.create_table) and a data migration; "
        "sqlalchemy.orm.deferred() on the model's large columns.",
    )

    def evaluate(self, snapshot: Snapshot, params: Mapping[str, Any]) -> list[Finding]:
        findings = []
        for table in snapshot.tables:
            if table.kind not in ("r", "m") or table.estimated_rows < float(params["min_rows"]):
                continue
            columns = stored_columns(snapshot, table)
            with_stats = [c for c in columns if c.avg_width is not None]
            width = sum(column_bytes(c) for c in with_stats)
            wide = bool(with_stats) and width > float(params["max_row_bytes"])
            share = table.toast_bytes / table.total_bytes if table.total_bytes else 0.0
            toast_heavy = table.toast_bytes >= int(params["min_toast_bytes"]) and share > float(
                params["max_toast_share"]
            )
            if wide or toast_heavy:
                findings.append(
                    self._finding(table, columns, width, wide, share, toast_heavy, params)
                )
        return findings

    def _finding(
        self,
        table: Table,
        columns: list[Column],
        width: float,
        wide: bool,
        share: float,
        toast_heavy: bool,
        params: Mapping[str, Any],
    ) -> Finding:
        widest = sorted(columns, key=lambda c: (-column_bytes(c), c.attnum))[:LISTED_COLUMNS]
        toastable = [c.name for c in columns if c.type_length == -1]
        reasons = []
        if wide:
            reasons.append(f"rows average {width:,.0f} bytes")
        if toast_heavy:
            reasons.append(
                f"{human_bytes(table.toast_bytes)} ({share:.0%} of its "
                f"{human_bytes(table.total_bytes)}) is TOAST"
            )
        big = ", ".join(c.name for c in widest[:3] if column_bytes(c) > 0)
        if toast_heavy and not wide:
            # a value stored out of line counts in avg_width as its 18-byte TOAST pointer
            big = ", ".join(
                c.name
                for c in columns
                if c.type_length == -1
                and (c.avg_width is None or c.avg_width >= TOAST_POINTER_BYTES)
            )
        return self.finding(
            table_ref(table),
            f"{table.qualified}: {' and '.join(reasons)}"
            + (f" (largest columns: {big})" if big else ""),
            evidence={
                "rows": int(table.estimated_rows),
                "avg_row_bytes": round(width, 1),
                "widest_columns": [f"{c.name}: {column_bytes(c):.0f} bytes" for c in widest],
                "toastable_columns": toastable,
                "table_bytes": table.table_bytes,
                "toast_bytes": table.toast_bytes,
                "total_bytes": table.total_bytes,
                "toast_share": round(share, 4),
                "max_row_bytes": float(params["max_row_bytes"]),
                "min_toast_bytes": int(params["min_toast_bytes"]),
                "max_toast_share": float(params["max_toast_share"]),
            },
            recommendation="Read only the columns queries need (no SELECT * / deferred ORM "
            f"columns), move rarely read large columns of {table.qualified} to "
            "a 1:1 side table"
            + (
                ", and consider lz4 compression for them (ALTER TABLE ... ALTER "
                "COLUMN ... SET COMPRESSION lz4; new values only)"
                if toast_heavy
                else ""
            )
            + ".",
        )
