"""duplicate-flag-column: two columns of one table that mean the same thing.

Pagila's ``customer`` has ``activebool boolean`` and ``active integer``: one name stem, one a
boolean and the other an integer holding only 0 and 1 (pg_stats). pg_stats' shares say whether
they can agree: when the share of ``true`` differs from the share of ``1``, they disagree on at
least that share of rows (Pagila: every ``activebool`` is true, 2.5 % of ``active`` are 0).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pgsage.checks.base import Check, CheckDocs, Param
from pgsage.checks.schema.column_design import flag_values, sampled_values
from pgsage.checks.schema.flag_columns import Twin, twins
from pgsage.db.rows import ColumnValues
from pgsage.db.snapshot import Snapshot
from pgsage.fixes.quoting import ident
from pgsage.fixes.steps import Comment, CommentedOut, Steps
from pgsage.fixes.table import ReplaceWithGenerated
from pgsage.model import Finding, ObjectRef, Severity


class DuplicateFlagColumn(Check):
    id = "duplicate-flag-column"
    category = "schema"
    severity = Severity.INFO
    title = "Two columns for one flag"
    requires_sections = ("columns", "column_values")
    params = (
        Param(
            "disagree_share",
            0.001,
            "from this difference between the share of true and the share of 1, the columns "
            "disagree on rows: a warning",
        ),
    )
    docs = CheckDocs(
        problem="A table has a boolean column and an integer 0/1 column with the same name stem "
        "(`activebool` and `active`, `is_deleted` and `deleted_flag`): one fact stored twice.",
        why="Every write must update both, and sooner or later one is missed: then reports "
        "and the application read different truths. When pg_stats' shares of true and of 1 "
        "differ, they already disagree on at least that share of rows (Pagila: all "
        "`activebool` true, 15 customers with `active` = 0).",
        fix="Decide which one is the truth (compare them: SELECT count(*) FROM t WHERE "
        "activebool <> (active <> 0)), correct the rows, and replace the other with a "
        "generated column computed from it (readers keep working, the two cannot drift) "
        "— or drop it once nothing reads it.",
        alembic="op.drop_column(table, col) then op.add_column(table, sa.Column(col, "
        "sa.Integer(), sa.Computed('activebool::int', persisted=True))).",
    )

    def evaluate(self, snapshot: Snapshot, params: Mapping[str, Any]) -> list[Finding]:
        sampled = sampled_values(self.context)
        findings = []
        for (schema, table), columns in sorted(snapshot.columns_by_table.items()):
            for twin in twins(columns):
                found = self.judge(schema, table, twin, sampled, float(params["disagree_share"]))
                if found is not None:
                    findings.append(found)
        return findings

    def judge(
        self,
        schema: str,
        table: str,
        twin: Twin,
        sampled: Mapping[tuple[str, str, str], ColumnValues],
        disagree_share: float,
    ) -> Finding | None:
        shares = flag_values(twin.flag, sampled.get((schema, table, twin.flag.name)))
        if shares is None:
            return None
        values = sampled.get((schema, table, twin.boolean.name))
        if values is None:
            return None
        # a boolean's most common values read as t/f (bool's text output)
        by_value: dict[str, float] = dict(zip(values.values, values.freqs, strict=True))
        true_share = by_value.get("t", by_value.get("true", 0.0))
        one_share = shares.get("1", 0.0)
        gap = abs(true_share - one_share)
        disagree = gap >= disagree_share
        flag, boolean = twin.flag.name, twin.boolean.name
        message = (
            f"{schema}.{table}.{flag} ({twin.flag.type}) and {boolean} (boolean) hold the same "
            "flag"
            + (
                f" and disagree on at least {gap:.1%} of rows ({one_share:.1%} of {flag} are 1, "
                f"{true_share:.1%} of {boolean} are true)"
                if disagree
                else ""
            )
        )
        fix = Steps(
            (
                Comment(
                    "First make them agree; the rows where they differ: "  # noqa: S608 — ident()
                    f"SELECT count(*) FROM {ident(schema, table)} "
                    f"WHERE {ident(boolean)} IS DISTINCT FROM ({ident(flag)} <> 0);"
                ),
                CommentedOut(
                    ReplaceWithGenerated(
                        schema, table, flag, twin.flag.type, f"{ident(boolean)}::integer"
                    )
                ),
            )
        )
        return self.finding(
            ObjectRef("column", schema, f"{table}.{flag}", table),
            message,
            severity=Severity.WARNING if disagree else None,
            evidence={
                "columns": [flag, boolean],
                "share_one": round(one_share, 4),
                "share_true": round(true_share, 4),
                "disagree_at_least": round(gap, 4),
            },
            recommendation=f"Keep one ({boolean}) as the truth, correct the rows where they "
            f"differ, and make {flag} a generated column computed from it (or drop it).",
            fix=fix,
        )
