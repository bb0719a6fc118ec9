"""plaintext-secret-columns reads the values' shape: Pagila's SHA-1 staff.password is an
unsalted weak hash, not plain text (tests/cases/security/password_hash_shapes.sql)."""

from __future__ import annotations

from casefiles import all_cases, apply_case
from pgharness import TestDatabase
from pgsage.commands import audit as audit_commands
from pgsage.model import Severity
from pgsage.settings import Settings


def test_weak_hash_said_as_such(db: TestDatabase) -> None:
    [case] = [c for c in all_cases("security") if c.path.stem == "password_hash_shapes"]
    apply_case(db.dsn, case)
    report = audit_commands.audit(Settings(dsn=db.dsn, select=["plaintext-secret-columns"]))
    by_column = {
        f"{f.evidence['column']}@{f.object and f.object.table}": f for f in report.findings
    }
    staff = by_column["password@staff"]
    assert "unsalted/weak hash" in staff.message and "SHA-1" in staff.message
    assert "plain text" not in staff.message
    assert staff.severity is Severity.WARNING
    assert staff.evidence["hash"] == "SHA-1"
    assert "plain text" in by_column["password@legacy_users"].message
    token = by_column["token@api_clients"]
    assert token.severity is Severity.INFO and "SHA-1" in token.message
    # the shape is reported, never the value
    assert "8cb2237d" not in str(staff.evidence)
