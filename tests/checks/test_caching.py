"""Cache checks on a database whose reads really miss shared_buffers (the plant of the
caching/low_hit_ratio case): the database finding is named after the test's own database, so
it is checked here, with the default thresholds that leave such a little-used database alone."""

from __future__ import annotations

from typing import Any

from casefiles import apply_case, case_named
from pgharness import TestDatabase
from pgsage.commands import audit as audit_commands
from pgsage.model import Severity
from pgsage.settings import Settings

LOW_BUSY: dict[str, dict[str, Any]] = {
    "cache-hit-database": {"min_blocks": 1000},
    "cache-hit-table": {"min_blocks": 1000},
    "cache-hit-index": {"min_blocks": 300},
}


def test_cold_reads_lower_the_database_ratio(db: TestDatabase) -> None:
    apply_case(db.dsn, case_named("caching", "low_hit_ratio"))
    report = audit_commands.audit(Settings(dsn=db.dsn, select=["caching"], checks=LOW_BUSY))
    found = {(f.check, str(f.object)): f for f in report.findings}
    assert set(found) == {
        ("cache-hit-database", db.name),
        ("cache-hit-table", "public.events"),
        ("cache-hit-index", "public.events_id on public.events"),
    }
    database = found[("cache-hit-database", db.name)]
    assert database.severity is Severity.WARNING
    evidence = database.evidence
    assert int(str(evidence["blocks_read"])) > 0
    assert float(str(evidence["hit_ratio"])) < 0.99
    assert evidence["min_blocks"] == 1000
    assert evidence["shared_buffers_bytes"] == 128 * 1024 * 1024  # the servers' default
    table = found[("cache-hit-table", "public.events")]
    assert table.severity is Severity.INFO
    assert "sequential scans" in table.message  # events is read by seq scans, not by id

    # With the default "busy" thresholds this little traffic is not judged at all.
    assert audit_commands.audit(Settings(dsn=db.dsn, select=["caching"])).findings == []

    # The ratio threshold is a parameter: asking for less than the observed ratio is quiet.
    observed = float(str(evidence["hit_ratio"]))
    relaxed: dict[str, dict[str, Any]] = {
        **LOW_BUSY,
        "cache-hit-database": {"min_blocks": 1000, "min_ratio": observed - 0.01},
    }
    report = audit_commands.audit(
        Settings(dsn=db.dsn, select=["cache-hit-database"], checks=relaxed)
    )
    assert report.findings == []
