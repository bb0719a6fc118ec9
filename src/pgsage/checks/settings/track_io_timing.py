"""track-io-timing-off: I/O timing is not collected, so no statistic can say what waits on I/O."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pgsage.checks.base import Check, CheckDocs
from pgsage.checks.settings.values import (
    change_setting,
    default_value,
    setting_ref,
    setting_row,
)
from pgsage.db.snapshot import Snapshot
from pgsage.model import Finding, Severity


class TrackIoTimingOff(Check):
    id = "track-io-timing-off"
    category = "settings"
    severity = Severity.INFO
    title = "track_io_timing is off"
    requires_sections = ("settings",)
    docs = CheckDocs(
        problem="track_io_timing is off for new sessions in this database.",
        why="Without it, pg_stat_statements' blk_read_time/blk_write_time, pg_stat_database's "
        "I/O times and EXPLAIN (ANALYZE, BUFFERS) show no I/O timings, so a slow query "
        "cannot be told apart as CPU-bound or waiting on storage. On current hardware the "
        "cost is small (check the clock overhead with pg_test_timing).",
        fix="ALTER SYSTEM SET track_io_timing = on; SELECT pg_reload_conf(); — after "
        "pg_test_timing shows cheap clock reads (most per-call times under 100 ns).",
    )

    def evaluate(self, snapshot: Snapshot, params: Mapping[str, Any]) -> list[Finding]:
        row = setting_row(snapshot, "track_io_timing")
        if row is None or default_value(row) != "off":
            return []
        return [
            self.finding(
                setting_ref(row.name),
                "track_io_timing is off: query statistics and EXPLAIN cannot show time spent "
                "reading and writing blocks",
                evidence={"track_io_timing": "off", "source": row.source},
                recommendation="Turn track_io_timing on (after checking the clock overhead with "
                "pg_test_timing) so that I/O waits show up in pg_stat_statements "
                "and EXPLAIN (ANALYZE, BUFFERS).",
                fix=change_setting(snapshot, row, "on"),
            )
        ]
