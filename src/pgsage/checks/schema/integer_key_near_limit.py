"""integer-key-near-limit: a smallint/integer key that no sequence fills, nearing its type's
limit.

sequence-exhaustion watches sequences; a key whose values the application picks itself
(``max(id) + 1``, imported ids: Northwind's ``smallint`` keys) has no sequence to watch. The
snapshot reads ``max(key)`` of each such one-column primary or unique key (one index probe per
table, read-only, under the statement timeout: ``key_maxima``) and this check compares it with
the type's largest value. Only keys whose statistics put them at a tenth of the limit or more
are probed (a probe counts as a scan in the table's statistics); the others are judged by the
largest value pg_stats saw.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pgsage.checks.base import Check, CheckDocs, Param
from pgsage.db.rows import KeyMaximum
from pgsage.db.snapshot import Snapshot
from pgsage.fixes.steps import Steps
from pgsage.fixes.table import AlterColumnType
from pgsage.model import Finding, ObjectRef, Severity

TYPE_LIMITS = {"int2": ("smallint", 32767), "int4": ("integer", 2147483647)}


class IntegerKeyNearLimit(Check):
    id = "integer-key-near-limit"
    category = "schema"
    severity = Severity.WARNING
    title = "Key without a sequence nearing its type's limit"
    requires_sections = ("key_maxima", "constraints")
    params = (
        Param("info_percent", 25.0, "report (as info) a key that has used this share of its range"),
        Param("warning_percent", 75.0, "a warning from this share on"),
        Param("error_percent", 90.0, "an error from this share on"),
    )
    docs = CheckDocs(
        problem="A one-column smallint or integer primary or unique key with no identity and no "
        "sequence default has a largest value close to the type's limit (32,767 for "
        "smallint, 2,147,483,647 for integer): max(key), read from its index when pg_stats "
        "puts it at a tenth of the limit or more, else the largest value pg_stats saw.",
        why="Inserts fail with 'smallint out of range' / 'integer out of range' once the "
        "application's next id passes the limit. No sequence exists, so sequence-exhaustion "
        "cannot see it coming; a smallint key fills after 32,767 rows.",
        fix="ALTER COLUMN ... TYPE bigint on the key and on every column whose foreign key "
        "references it (rewrites each table under an ACCESS EXCLUSIVE lock: plan a window, "
        "or migrate through a new column online); consider an identity column so the "
        "database picks the ids.",
        alembic="op.alter_column(table, col, type_=sa.BigInteger()) for the key and each "
        "referencing column, in one revision.",
    )

    def evaluate(self, snapshot: Snapshot, params: Mapping[str, Any]) -> list[Finding]:
        findings = []
        for key in snapshot.key_maxima:
            if key.largest is None or key.type_name not in TYPE_LIMITS:
                continue
            found = self.near(snapshot, key, params)
            if found is not None:
                findings.append(found)
        return findings

    @staticmethod
    def severity_at(percent: float, params: Mapping[str, Any]) -> Severity | None:
        if percent >= float(params["error_percent"]):
            return Severity.ERROR
        if percent >= float(params["warning_percent"]):
            return Severity.WARNING
        if percent >= float(params["info_percent"]):
            return Severity.INFO
        return None

    def near(
        self, snapshot: Snapshot, key: KeyMaximum, params: Mapping[str, Any]
    ) -> Finding | None:
        type_label, limit = TYPE_LIMITS[key.type_name]
        largest = key.largest or 0
        percent = 100.0 * largest / limit
        severity = self.severity_at(percent, params)
        if severity is None:
            return None
        referencing = sorted(
            (fk.schema, fk.table, fk.columns[0])
            for fk in snapshot.constraints
            if fk.type == "f"
            and (fk.ref_schema, fk.ref_table) == (key.schema, key.table)
            and list(fk.ref_columns) == [key.column]
        )
        columns = [(key.schema, key.table, key.column), *referencing]
        return self.finding(
            ObjectRef("column", key.schema, f"{key.table}.{key.column}", key.table),
            f"{key.schema}.{key.table}.{key.column} ({type_label}, filled without a sequence) "
            f"has reached {largest:,} of {limit:,} ({percent:.1f}%)",
            severity=severity,
            evidence={
                "column": key.column,
                "type": type_label,
                "max_value": largest,
                "read_with": "max()" if key.probed else "pg_stats (last ANALYZE)",
                "type_limit": limit,
                "percent_used": round(percent, 2),
                "referencing_columns": [f"{s}.{t}.{c}" for s, t, c in referencing],
            },
            recommendation=f"Widen {key.table}.{key.column} and the {len(referencing)} "
            "column(s) referencing it to bigint before inserts fail; let the database pick "
            "ids (an identity column) rather than the application.",
            fix=Steps(tuple(AlterColumnType(s, t, c, "bigint") for s, t, c in columns)),
        )
