"""Every check case file (tests/cases/<folder>/*.sql), on every server: within the case's scope
(check ids or categories), the findings are exactly the expected ones — no more, no fewer."""

from __future__ import annotations

import pytest

from casefiles import Case, all_cases, apply_case
from pgharness import TestDatabase
from pgsage.commands import audit as audit_commands
from pgsage.settings import Settings


@pytest.mark.parametrize("case", all_cases(), ids=lambda c: c.id)
def test_case(db: TestDatabase, case: Case) -> None:
    apply_case(db.dsn, case)
    report = audit_commands.audit(Settings(dsn=db.dsn, checks=case.params, select=list(case.scope)))
    found = {(f.check, str(f.object)) for f in report.findings}
    assert found == case.expected
    not_run = [
        (r.check, r.status.value, r.reason)
        for r in report.results
        if r.status.value not in ("ok", "findings", "skipped")
    ]
    assert not_run == []
    for finding in report.findings:
        assert finding.recommendation, finding
