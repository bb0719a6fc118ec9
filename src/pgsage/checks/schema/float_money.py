"""float-money: an amount of money stored in ``real`` or ``double precision``.

Northwind's ``products.unit_price``, ``order_details.unit_price`` and ``orders.freight`` are
``real``. Binary floating point cannot hold most decimal fractions (0.10 is
0.100000001490116...), so sums drift by cents and equality tests fail; ``real`` keeps only
about six significant digits. A column is money when a word of its name says so.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pgsage.checks.base import Check, CheckDocs, Param
from pgsage.checks.schema.column_design import words
from pgsage.checks.security.refs import split_list
from pgsage.db.snapshot import Snapshot
from pgsage.fixes.quoting import ident
from pgsage.fixes.table import AlterColumnType
from pgsage.model import Finding, ObjectRef, Severity

FLOAT_TYPES = {"float4": "real", "float8": "double precision"}


class FloatMoney(Check):
    id = "float-money"
    category = "schema"
    severity = Severity.WARNING
    title = "Money stored as floating point"
    requires_sections = ("columns",)
    params = (
        Param(
            "money_words",
            "money,price,amount,cost,freight,total,subtotal,balance,salary,wage,fee,tax,"
            "payment,charge,revenue,invoice,budget,paid,refund",
            "comma-separated words of a column's name (snake_case or camelCase) that say it "
            "holds money",
        ),
        Param(
            "not_money_words",
            "rate,ratio,percent,percentage,pct,weight,count,score,factor,share,qty,quantity",
            "words that, anywhere in the name, say the number is not an amount of money "
            "(tax_rate, total_weight)",
        ),
        Param("precision", 12, "the numeric type proposed: numeric(precision, scale)"),
        Param("scale", 2, "digits after the decimal point in the numeric type proposed"),
    )
    docs = CheckDocs(
        problem="A column whose name says it holds money (price, amount, cost, freight, "
        "total ...) is `real` or `double precision` (Northwind's `unit_price` and "
        "`freight`).",
        why="Binary floating point cannot represent most decimal fractions: 0.1 + 0.2 is "
        "not 0.3, sums over many rows drift by cents, `WHERE price = 9.99` misses rows, and "
        "`real` keeps only about six significant digits (a price of 123456.78 is stored as "
        "123456.8). Accounting needs exact decimal arithmetic.",
        fix="ALTER COLUMN ... TYPE numeric(12,2) USING round(col::numeric, 2) (pick the scale "
        "the currency needs; rewrites the table under an ACCESS EXCLUSIVE lock), or "
        "migrate through a new column online. Or store integer cents in bigint.",
        alembic="op.alter_column(table, col, type_=sa.Numeric(12, 2), "
        "postgresql_using='round(col::numeric, 2)'); in the model, sa.Numeric(12, 2) "
        "(Python Decimal).",
    )

    def evaluate(self, snapshot: Snapshot, params: Mapping[str, Any]) -> list[Finding]:
        money = set(split_list(str(params["money_words"]).lower()))
        not_money = set(split_list(str(params["not_money_words"]).lower()))
        precision, scale = int(params["precision"]), int(params["scale"])
        new_type = f"numeric({precision}, {scale})"
        findings = []
        for column in snapshot.columns:
            if column.type_name not in FLOAT_TYPES or column.generated:
                continue
            name_words = set(words(column.name))
            said = sorted(money & name_words)
            if not said or not_money & name_words:
                continue
            table = snapshot.table(column.schema, column.table)
            rows = int(table.estimated_rows) if table else 0
            findings.append(
                self.finding(
                    ObjectRef(
                        "column", column.schema, f"{column.table}.{column.name}", column.table
                    ),
                    f"{column.schema}.{column.table}.{column.name} holds money ({', '.join(said)}) "
                    f"as {FLOAT_TYPES[column.type_name]}: binary floating point rounds decimal "
                    f"amounts; {rows:,} rows",
                    evidence={
                        "column": column.name,
                        "type": column.type,
                        "matched": said,
                        "table_rows": rows,
                    },
                    recommendation=f"Store it as {new_type} (exact decimal arithmetic; choose "
                    "the scale the currency needs) or as integer cents.",
                    fix=AlterColumnType(
                        column.schema,
                        column.table,
                        column.name,
                        new_type,
                        using=f"pg_catalog.round({ident(column.name)}::numeric, {scale})",
                    ),
                )
            )
        return findings
