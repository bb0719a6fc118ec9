"""timestamp-without-time-zone: a column that records an instant stored as ``timestamp``.

``created_at``, ``updated_at``, ``last_update`` and other ``*_at`` columns record when something
happened. ``timestamp without time zone`` stores a wall-clock reading with no zone: the same
instant reads differently from sessions in different zones, and ``now()`` is converted to the
session's zone on the way in. Dates of the calendar (``birth_date``, ``hire_date``) are not
instants and are left alone.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from pgsage.checks.base import Check, CheckDocs, Param
from pgsage.db.snapshot import Snapshot
from pgsage.fixes.table import AlterColumnType
from pgsage.model import Finding, ObjectRef, Severity


class TimestampWithoutTimeZone(Check):
    id = "timestamp-without-time-zone"
    category = "schema"
    severity = Severity.INFO
    title = "Instant stored without a time zone"
    requires_sections = ("columns",)
    params = (
        Param(
            "instant_names",
            r"^(.*_at|created|updated|modified|deleted|last_update|last_updated|last_modified|"
            r"last_login|last_seen|.*_timestamp|timestamp|.*_time)$",
            "a regular expression (on the lowercased name) for columns that record an instant",
        ),
    )
    docs = CheckDocs(
        problem="A column named for an instant (created_at, updated_at, last_update, *_at, "
        "*_timestamp) is `timestamp without time zone`.",
        why="It stores a wall-clock reading without its zone: sessions (or servers, or "
        "application hosts) in different zones write and read different instants for the "
        "same value, intervals across a daylight-saving change are off by an hour, and "
        "`now()` is silently converted to the session's zone on the way in.",
        fix="ALTER COLUMN ... TYPE timestamptz. With the session's TimeZone set to the zone the "
        "values were written in (UTC in most applications), PostgreSQL 12+ changes the type "
        "without rewriting the table (still a brief ACCESS EXCLUSIVE lock); values written in "
        "local time need USING col AT TIME ZONE 'their zone', which rewrites it.",
        alembic="op.alter_column(table, col, type_=sa.DateTime(timezone=True)) after "
        "op.execute(\"SET TIME ZONE 'UTC'\"); in the model, sa.DateTime(timezone=True).",
    )

    def evaluate(self, snapshot: Snapshot, params: Mapping[str, Any]) -> list[Finding]:
        instant = re.compile(str(params["instant_names"]))
        findings = []
        for column in snapshot.columns:
            if column.type_name != "timestamp" or not instant.match(column.name.lower()):
                continue
            findings.append(
                self.finding(
                    ObjectRef(
                        "column", column.schema, f"{column.table}.{column.name}", column.table
                    ),
                    f"{column.schema}.{column.table}.{column.name} records an instant as "
                    "timestamp without time zone",
                    evidence={"column": column.name, "type": column.type},
                    recommendation="Make it timestamptz: with the session's TimeZone set to "
                    "the zone the values were written in (here assumed UTC) the change does "
                    "not rewrite the table on PostgreSQL 12+.",
                    fix=AlterColumnType(
                        column.schema,
                        column.table,
                        column.name,
                        "timestamptz",
                        rewrites=False,
                        prelude=(
                            "-- The values are read as UTC: if they were written in local time, "
                            "add USING col AT TIME ZONE 'their zone' (rewrites the table).",
                            "SET TIME ZONE 'UTC';",
                        ),
                    ),
                )
            )
        return findings
