"""integer-as-boolean: an integer column that only ever holds 0 and 1, named like a flag.

Northwind's ``products.discontinued`` is an integer that is 0 or 1. Judged from pg_stats (the
column is analyzed: at most two distinct values, all of them 0 or 1) and the name (``is_``,
``has_``, ``active``, ``discontinued``...); key columns are never flags. A column with a boolean
twin (Pagila's ``customer.active`` beside ``activebool``) is duplicate-flag-column's.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pgsage.checks.base import Check, CheckDocs, Param
from pgsage.checks.columns import columns_by_name
from pgsage.checks.schema.column_design import flag_values, key_columns, sampled_values
from pgsage.checks.schema.flag_columns import says_flag, twins
from pgsage.checks.security.refs import split_list
from pgsage.db.rows import Column
from pgsage.db.snapshot import Snapshot
from pgsage.fixes.quoting import ident
from pgsage.fixes.table import AlterColumnType
from pgsage.model import Finding, ObjectRef, Severity

FLAG_DEFAULTS = {"0": "false", "1": "true"}


def boolean_fix(column: Column) -> AlterColumnType:
    default = None
    if column.default_expr is not None:
        default = FLAG_DEFAULTS.get(column.default_expr.strip("()'").split("::")[0], "NULL")
    return AlterColumnType(
        column.schema,
        column.table,
        column.name,
        "boolean",
        using=f"{ident(column.name)} <> 0",
        default=default,
    )


class IntegerAsBoolean(Check):
    id = "integer-as-boolean"
    category = "schema"
    severity = Severity.INFO
    title = "Integer column used as a boolean"
    requires_sections = ("columns", "column_values", "constraints")
    params = (
        Param(
            "flag_prefixes",
            "is,has,can,should,was,allow,allows,enable,use,show",
            "first words of a column name that make it a flag (is_active, has_paid)",
        ),
        Param(
            "flag_words",
            "active,enabled,disabled,deleted,discontinued,visible,hidden,archived,verified,"
            "confirmed,approved,published,flag,locked,blocked,banned,default,primary,valid",
            "words of a column name that make it a flag",
        ),
    )
    docs = CheckDocs(
        problem="An integer column named like a flag (is_*, has_*, active, discontinued ...) "
        "holds only 0 and 1 in pg_stats' sample (Northwind's `products.discontinued`).",
        why="Nothing stops a 2 or a -1 from being written, every query must remember the "
        "encoding (`WHERE discontinued = 1`), ORMs map it to an int, and it takes 2 to 8 bytes "
        "where a boolean takes 1.",
        fix="ALTER COLUMN ... TYPE boolean USING col <> 0 (its default dropped and set again as "
        "false/true); it rewrites the table under an ACCESS EXCLUSIVE lock. Or, to keep the "
        "type, add CHECK (col IN (0, 1)) NOT VALID and validate it.",
        alembic="op.alter_column(table, col, type_=sa.Boolean(), postgresql_using='col <> 0', "
        "server_default=sa.false()) — drop the server default first.",
    )

    def evaluate(self, snapshot: Snapshot, params: Mapping[str, Any]) -> list[Finding]:
        prefixes = set(split_list(str(params["flag_prefixes"]).lower()))
        flag_words = set(split_list(str(params["flag_words"]).lower()))
        sampled = sampled_values(self.context)
        keys = key_columns(self.context)
        by_name = columns_by_name(self.context)
        findings = []
        for column in snapshot.columns:
            key = (column.schema, column.table, column.name)
            if key in keys or column.generated:
                continue
            shares = flag_values(column, sampled.get(key))
            if shares is None or not says_flag(column.name, prefixes, flag_words):
                continue
            table_columns = list(by_name.get(column.schema, column.table).values())
            if any(t.flag.name == column.name for t in twins(table_columns)):
                continue  # duplicate-flag-column reports it with its twin
            findings.append(
                self.finding(
                    ObjectRef(
                        "column", column.schema, f"{column.table}.{column.name}", column.table
                    ),
                    f"{column.schema}.{column.table}.{column.name} ({column.type}) holds only "
                    "0 and 1: a boolean stored as an integer",
                    evidence={
                        "column": column.name,
                        "type": column.type,
                        "value_shares": {k: round(v, 4) for k, v in sorted(shares.items())},
                        "n_distinct": column.n_distinct,
                    },
                    recommendation="Make it a boolean (or at least CHECK (col IN (0, 1))) so "
                    "that no other value can be written and queries read as intended.",
                    fix=boolean_fix(column),
                )
            )
        return findings
