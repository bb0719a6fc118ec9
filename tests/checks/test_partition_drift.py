"""Pagila's payment partitions (tests/cases/schema/partition_drift_pagila.sql, a minimal
reproduction of pagila-schema.sql): the fixes of partition-index-not-on-parent,
fk-without-index and partition-sibling-drift applied for real leave one valid index per key on
the parent, reuse the partitions' existing indexes (no third copy), and nothing to report."""

from __future__ import annotations

from casefiles import all_cases, apply_case, apply_fix_sql
from pgharness import TestDatabase
from pgsage.commands import audit as audit_commands
from pgsage.settings import Settings

CHECKS = ["partition-sibling-drift", "partition-index-not-on-parent", "fk-without-index"]


def findings(db: TestDatabase) -> list[tuple[str, str, str | None]]:
    report = audit_commands.audit(Settings(dsn=db.dsn, select=CHECKS))
    return [(f.check, str(f.object), f.fix.to_sql() if f.fix else None) for f in report.findings]


def test_partition_fixes_applied_for_real(db: TestDatabase) -> None:
    [case] = [c for c in all_cases("schema") if c.path.stem == "partition_drift_pagila"]
    apply_case(db.dsn, case)
    before = findings(db)
    assert len(before) == 4
    for check in CHECKS[::-1]:  # parent indexes first, then the foreign keys
        for found, _, fix_sql in before:
            if found == check:
                assert fix_sql
                apply_fix_sql(db.dsn, fix_sql)
    db.execute("ANALYZE")
    assert findings(db) == []
    parent_indexes = db.execute(
        "SELECT c.relname, x.indisvalid FROM pg_index x JOIN pg_class c ON c.oid = x.indexrelid "
        "WHERE x.indrelid = 'payment'::regclass ORDER BY 1"
    )
    assert parent_indexes == [
        ("payment_customer_id_idx", True),
        ("payment_pkey", True),
        ("payment_rental_id_idx", True),
        ("payment_staff_id_idx", True),
    ]
    # the existing partition indexes were attached, not built again beside them
    per_partition = db.execute(
        "SELECT count(*) FROM pg_indexes WHERE tablename = 'payment_p2022_01' "
        "AND indexdef LIKE '%(customer_id)'"
    )
    assert per_partition == [(2,)]  # the sample's own duplicate pair, no third
