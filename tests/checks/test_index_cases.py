"""Every index case file, on every server: the findings are exactly the expected ones."""

from __future__ import annotations

import pytest

from casefiles import Case, all_cases, apply_case
from pgharness import TestDatabase
from pgsage import commands
from pgsage.settings import Settings

CASES = all_cases("indexes") + all_cases("healthy")


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_case(db: TestDatabase, case: Case) -> None:
    apply_case(db.dsn, case)
    report = commands.audit(Settings(dsn=db.dsn, checks=case.params))
    found = {(f.check, str(f.object)) for f in report.findings}
    assert found == case.expected
    not_run = [(r.check, r.status.value, r.reason) for r in report.results
               if r.status.value not in ("ok", "findings")]
    assert not_run == []
    for finding in report.findings:
        assert (finding.fix_sql and "CONCURRENTLY" in finding.fix_sql) or "CONSTRAINT" in (
            finding.fix_sql or "")
