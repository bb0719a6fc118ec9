"""The schema design checks' fixes applied for real on the Northwind and Pagila reproductions
(tests/cases/schema/northwind_design.sql, pagila_design.sql): after each fix's SQL runs, the
finding is gone; every fix's Alembic form is valid Python."""

from __future__ import annotations

import ast
from decimal import Decimal

from casefiles import all_cases, apply_case, apply_fix_sql
from pgharness import TestDatabase
from pgsage.commands import audit as audit_commands
from pgsage.model import Finding
from pgsage.settings import Settings

APPLIED = [
    "float-money",
    "integer-as-boolean",
    "integer-key-near-limit",
    "timestamp-without-time-zone",
    "gist-fulltext-index",
]


def audit(db: TestDatabase, checks: list[str]) -> list[Finding]:
    return list(audit_commands.audit(Settings(dsn=db.dsn, select=checks)).findings)


def test_design_fixes_applied_for_real(db: TestDatabase) -> None:
    for case in all_cases("schema"):
        if case.path.stem in ("northwind_design", "pagila_design"):
            apply_case(db.dsn, case)
    before = audit(db, [*APPLIED, "duplicate-flag-column"])
    assert {f.check for f in before} == {*APPLIED, "duplicate-flag-column"}
    for finding in before:
        assert finding.fix is not None, finding
        ast.parse("def upgrade():\n" + finding.fix.to_alembic())
        assert finding.evidence, finding
    for finding in before:
        if finding.check in APPLIED:
            assert finding.fix is not None
            apply_fix_sql(db.dsn, finding.fix.to_sql())
    db.execute("ANALYZE")
    assert audit(db, APPLIED) == []
    types = db.execute(
        "SELECT table_name || '.' || column_name, data_type FROM information_schema.columns "
        "WHERE column_name IN ('unit_price', 'freight', 'discontinued', 'created_at') "
        "ORDER BY 1"
    )
    assert types == [
        ("audit_log.created_at", "timestamp with time zone"),
        ("order_details.unit_price", "numeric"),
        ("orders.freight", "numeric"),
        ("products.discontinued", "boolean"),
        ("products.unit_price", "numeric"),
    ]
    # the values survived: prices rounded to cents, flags as booleans
    assert db.execute("SELECT unit_price, discontinued FROM products WHERE product_id = 9") == [
        (Decimal("14.05"), True)
    ]
