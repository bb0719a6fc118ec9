"""The linter's static verdicts against what trace measures, statement by statement.

lint runs with --dsn on a scratch database seeded like the trace's (so it knows the column types
and does not drop warnings on empty tables); trace runs the same file. Per statement:
a measured rewrite of a live table ⇔ a lint rewrite rule fires; a lint locking rule fires ⇒
trace measured a lock that blocks writes (SHARE or stronger) on a live table.
"""

from __future__ import annotations

from pathlib import Path

import psycopg

from pgharness import TestServer
from pgsage.commands.migrations import TraceOptions
from pgsage.commands.migrations import trace as run_trace
from pgsage.lint import runner as lint_command
from pgsage.migrations.locks import BLOCKING_MODES
from pgsage.migrations.scratch import ScratchServer
from pgsage.migrations.trace import StatementTrace

SQL = Path(__file__).parent / "sql"
REWRITE_RULES = {"changing-column-type", "adding-field-with-default", "table-rewrite"}


def measured_rewrite(trace: StatementTrace) -> bool:
    assert trace.effects is not None
    return any(r.endswith("(table)") for r in trace.effects.rewritten)


def measured_blocking(trace: StatementTrace) -> bool:
    assert trace.effects is not None
    return any(
        lock.preexisting and lock.mode in BLOCKING_MODES and lock.kind == "table"
        for lock in trace.effects.locks
    )


def test_lint_agrees_with_trace(server: TestServer) -> None:
    scratch = ScratchServer(server.admin_dsn())
    with scratch.database("lint") as dsn:
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute((SQL / "crosscheck_setup.sql").read_bytes())
        result = lint_command.lint([SQL / "crosscheck.sql"], dsn=dsn, pg_version=server.major)
    locking: dict[int, set[str]] = {}
    for violation in result.violations:
        if violation.group == "locking":
            locking.setdefault(violation.line, set()).add(violation.rule)
    traced = run_trace(
        TraceOptions(
            files=[SQL / "crosscheck.sql"],
            setup=SQL / "crosscheck_setup.sql",
            dsn=server.admin_dsn(),
        )
    ).trace
    disagreements = []
    for trace in traced.statements:
        assert trace.error is None and trace.effects is not None, trace
        assert trace.line is not None
        rules = locking.get(trace.line, set())
        if measured_rewrite(trace) != bool(rules & REWRITE_RULES):
            disagreements.append(
                f"line {trace.line}: rewrite measured={measured_rewrite(trace)}"
                f", lint={sorted(rules)}: {trace.sql}"
            )
        if rules and not measured_blocking(trace):
            disagreements.append(
                f"line {trace.line}: lint {sorted(rules)} but no blocking lock "
                f"measured: {trace.sql}"
            )
    assert disagreements == []
    # the file covers both verdicts: some statements are flagged, some are safe
    assert any(locking.values()) and len(locking) < len(traced.statements)
