"""Table and sequence checks: what case files cannot plant, on real servers.

The plain positive and healthy cases are case files (tests/cases/tables, tests/cases/sequences).
Here: the proposed fixes really fix what was found; severities escalate; autovacuum kept away
from a table by a lock another session holds (autovacuum behind); autovacuum switched off for
the whole server (ALTER SYSTEM, restored afterwards); transaction and multixact IDs burnt until
a table is past its freeze age; the accuracy of the bloat estimate.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
import pytest

from casefiles import Case, all_cases, apply_case, case_named
from pgharness import TestDatabase
from pgsage.checks.context import AuditContext
from pgsage.checks.tables.estimate import index_estimate, table_estimate
from pgsage.commands import audit as audit_commands
from pgsage.model import Finding, Report, Severity
from pgsage.settings import Settings


def audit(
    db: TestDatabase,
    select: list[str] | tuple[str, ...],
    checks: dict[str, dict[str, Any]] | None = None,
) -> Report:
    report = audit_commands.audit(Settings(dsn=db.dsn, select=list(select), checks=checks or {}))
    assert [
        (r.check, r.reason) for r in report.results if r.status.value not in {"ok", "findings"}
    ] == []
    return report


def found(report: Report) -> dict[tuple[str, str], Finding]:
    return {(f.check, str(f.object)): f for f in report.findings}


def run_script(db: TestDatabase, script: str) -> None:
    """Run fix SQL as psql would, statement by statement (VACUUM and CONCURRENTLY refuse to
    run inside the implicit transaction of a multi-statement string)."""
    lines = [line for line in script.splitlines() if not line.lstrip().startswith("--")]
    with psycopg.connect(db.dsn, autocommit=True) as conn:
        for statement in "\n".join(lines).split(";\n"):
            if statement.strip():
                conn.execute(statement.encode())


@contextmanager
def autovacuum_kept_away(db: TestDatabase, *tables: str) -> Iterator[None]:
    """Hold SHARE UPDATE EXCLUSIVE on the tables in another session: autovacuum skips (or
    waits for) them, while reads, writes and the snapshot go on."""
    with psycopg.connect(db.dsn) as conn:
        for table in tables:
            conn.execute(f"LOCK TABLE {table} IN SHARE UPDATE EXCLUSIVE MODE".encode())
        yield
        conn.rollback()


FIXABLE = [c for c in [*all_cases("tables"), *all_cases("sequences")] if c.expected]


@pytest.mark.parametrize("case", FIXABLE, ids=lambda c: c.id)
def test_the_proposed_fix_resolves_the_finding(db: TestDatabase, case: Case) -> None:
    apply_case(db.dsn, case)
    before = found(audit(db, case.scope, case.params))
    assert set(before) == case.expected
    fixed = {key for key, finding in before.items() if finding.fix_sql}
    for key in sorted(fixed):
        fix_sql = before[key].fix_sql
        assert fix_sql is not None
        assert "lock_timeout" in fix_sql, fix_sql
        run_script(db, fix_sql)
    after = found(audit(db, case.scope, case.params))
    assert fixed & set(after) == set()
    # Findings without a fix are advice (seq-scan-heavy, wide-rows, a partitioned table's key).
    assert {k[0] for k in set(before) - fixed} <= {"seq-scan-heavy", "wide-rows", "no-primary-key"}


def test_severity_escalates_with_the_share_used(db: TestDatabase) -> None:
    case = case_named("sequences", "exhaustion")
    apply_case(db.dsn, case)
    severities = {key[1]: f.severity for key, f in found(audit(db, case.scope)).items()}
    assert severities == {
        "public.tickets_id_seq on public.tickets": Severity.WARNING,  # 88.5 %
        "public.legacy_orders_id_seq on public.legacy_orders": Severity.ERROR,  # 93.1 %
        "public.invoice_no on public.invoices": Severity.WARNING,  # 83.8 %
        "public.sessions_id_seq on public.sessions": Severity.WARNING,  # 79.2 %
        "public.flags_id_seq on public.flags": Severity.ERROR,  # 91.6 %
        "public.countdown": Severity.ERROR,  # 93.1 %, descending
        "public.batch_numbers": Severity.ERROR,  # 95 % of its own MAXVALUE
    }
    # Raising both thresholds turns the errors into warnings and silences the rest.
    relaxed = audit(
        db, case.scope, {"sequence-exhaustion": {"warning_percent": 92, "error_percent": 99}}
    )
    assert {str(f.object): f.severity for f in relaxed.findings} == {
        "public.legacy_orders_id_seq on public.legacy_orders": Severity.WARNING,
        "public.countdown": Severity.WARNING,
        "public.batch_numbers": Severity.WARNING,
    }


def test_the_classic_serial_trap_widens_the_referencing_columns(db: TestDatabase) -> None:
    case = case_named("sequences", "exhaustion")
    apply_case(db.dsn, case)
    finding = found(audit(db, ["sequence-exhaustion"]))[
        ("sequence-exhaustion", "public.legacy_orders_id_seq on public.legacy_orders")
    ]
    assert finding.evidence["limit_source"] == "column"
    assert finding.evidence["sequence_type"] == "bigint"
    assert finding.fix_sql is not None
    assert (
        'ALTER TABLE "public"."legacy_order_items" ALTER COLUMN "order_id" TYPE bigint;'
        in finding.fix_sql
    )
    assert "ACCESS EXCLUSIVE" in finding.fix_sql


def test_dead_rows_when_autovacuum_is_on_but_behind(db: TestDatabase) -> None:
    db.execute("CREATE TABLE site_visits (id bigint PRIMARY KEY, page text)")
    db.execute(
        "CREATE TABLE daily_stats (id bigint PRIMARY KEY, visits int) "
        "WITH (autovacuum_vacuum_scale_factor = 0.01)"
    )
    db.execute(
        "INSERT INTO site_visits SELECT g, '/p' || g FROM generate_series(1, 20000) g;"
        "INSERT INTO daily_stats SELECT g, g FROM generate_series(1, 20000) g"
    )
    db.execute("ANALYZE site_visits; ANALYZE daily_stats")
    with autovacuum_kept_away(db, "site_visits", "daily_stats"):
        # 40 % dead; and 5 % dead, but 4x the 250 rows its own scale factor waits for.
        db.execute(
            "DELETE FROM site_visits WHERE id % 5 < 2; DELETE FROM daily_stats WHERE id % 20 = 0"
        )
        report = audit(db, ["dead-tuples"])
    findings = found(report)
    assert set(findings) == {
        ("dead-tuples", "public.site_visits"),
        ("dead-tuples", "public.daily_stats"),
    }
    behind = findings[("dead-tuples", "public.daily_stats")]
    assert behind.severity == Severity.WARNING
    assert behind.evidence["scale_factor_source"] == "table"
    assert behind.evidence["autovacuum_trigger_rows"] == 250
    assert behind.evidence["dead_ratio"] == pytest.approx(0.05, abs=0.01)
    assert "autovacuum has not caught up" in behind.message
    assert findings[("dead-tuples", "public.site_visits")].evidence["dead_ratio"] == pytest.approx(
        0.4, abs=0.01
    )


def test_stale_statistics_when_autovacuum_is_on_but_behind(db: TestDatabase) -> None:
    db.execute("CREATE TABLE daily_stats (day date PRIMARY KEY, visits int)")
    db.execute(
        "INSERT INTO daily_stats SELECT date '2000-01-01' + g, g FROM generate_series(1, 10000) g"
    )
    db.execute("ANALYZE daily_stats")
    with autovacuum_kept_away(db, "daily_stats"):
        db.execute("UPDATE daily_stats SET visits = 0 WHERE visits % 2 = 0")
        # Analyzed seconds ago: autovacuum gets its turn first, unless the grace is removed.
        assert audit(db, ["stale-statistics"]).findings == []
        report = audit(
            db, ["stale-statistics"], {"stale-statistics": {"min_minutes_since_analyze": 0}}
        )
    [finding] = report.findings
    assert str(finding.object) == "public.daily_stats"
    assert finding.evidence["modified_since_analyze"] == 5000
    assert finding.evidence["autoanalyze_trigger_rows"] == 1050
    assert finding.evidence["autovacuum_disabled"] is None


def _wait_for_setting(db: TestDatabase, name: str, value: str) -> None:
    for _ in range(100):
        if db.execute(f"SHOW {name}")[0][0] == value:
            return
        time.sleep(0.05)
    raise AssertionError(f"{name} did not become {value}")


def test_autovacuum_off_on_the_server(db: TestDatabase) -> None:
    db.execute("CREATE TABLE bot_logs (id bigint PRIMARY KEY)")
    db.execute("INSERT INTO bot_logs SELECT generate_series(1, 5000)")
    try:
        db.execute("ALTER SYSTEM SET autovacuum = off")
        db.execute("SELECT pg_reload_conf()")
        _wait_for_setting(db, "autovacuum", "off")
        report = audit(db, ["autovacuum-disabled"])
    finally:
        db.execute("ALTER SYSTEM RESET autovacuum")
        db.execute("SELECT pg_reload_conf()")
        _wait_for_setting(db, "autovacuum", "on")
    [finding] = report.findings
    assert str(finding.object) == "autovacuum"
    assert finding.severity == Severity.ERROR
    assert finding.evidence["busiest_tables"] == ["public.bot_logs: 5000 rows written"]
    assert finding.fix_sql == "ALTER SYSTEM SET autovacuum = on;\nSELECT pg_reload_conf();"


# Subtransactions that write get transaction IDs of their own; locking a row already locked by
# the enclosing transaction from a new subtransaction creates a multixact.
BURN_XIDS = (
    "DO $$ BEGIN FOR i IN 1..{n} LOOP BEGIN INSERT INTO burn VALUES (i); "
    "EXCEPTION WHEN others THEN NULL; END; END LOOP; END $$"
)
BURN_MULTIXACTS = (
    "DO $$ DECLARE r int; BEGIN PERFORM 1 FROM mx FOR KEY SHARE; "
    "FOR r IN SELECT id FROM mx LOOP BEGIN PERFORM 1 FROM mx WHERE id = r "
    "FOR SHARE; EXCEPTION WHEN others THEN NULL; END; END LOOP; END $$"
)


def test_tables_past_their_freeze_age(db: TestDatabase) -> None:
    # The lowest freeze ages a table may have; the ages are then burnt past them for real.
    db.execute(
        "CREATE TABLE ai_requests (id bigint PRIMARY KEY) WITH "
        "(autovacuum_freeze_max_age = 100000, "
        "autovacuum_multixact_freeze_max_age = 10000)"
    )
    db.execute(
        "CREATE TABLE burn (id int); CREATE TABLE mx (id int PRIMARY KEY);"
        "INSERT INTO mx SELECT generate_series(1, 12000)"
    )
    params = {
        "xid-wraparound": {"warning_factor": 1.0},
        "multixact-wraparound": {"warning_factor": 1.0},
    }
    with autovacuum_kept_away(db, "ai_requests"):  # an anti-wraparound autovacuum waits
        db.execute(BURN_XIDS.format(n=110000))
        db.execute(BURN_MULTIXACTS)
        report = audit(db, ["xid-wraparound", "multixact-wraparound"], params)
        strict = audit(db, ["xid-wraparound"], {"xid-wraparound": {"error_age": 100000}})
    findings = found(report)
    assert set(findings) == {
        ("xid-wraparound", "public.ai_requests"),
        ("multixact-wraparound", "public.ai_requests"),
    }
    xid = findings[("xid-wraparound", "public.ai_requests")]
    assert xid.severity == Severity.WARNING
    assert xid.evidence["freeze_max_age"] == 100000
    assert xid.evidence["freeze_max_age_source"] == "table"
    assert int(str(xid.evidence["age"] or 0)) > 110000
    mxid = findings[("multixact-wraparound", "public.ai_requests")]
    assert mxid.evidence["freeze_max_age"] == 10000
    assert int(str(mxid.evidence["age"] or 0)) >= 12000
    # Past the error age everything that old is an error, the database included.
    strict_found = found(strict)
    assert strict_found[("xid-wraparound", "public.ai_requests")].severity == Severity.ERROR
    database = strict_found[("xid-wraparound", db.name)]
    assert database.severity == Severity.ERROR
    assert database.fix_sql is not None and "VACUUM (FREEZE, VERBOSE)" in database.fix_sql
    # The fix freezes the table: its ages drop back under the limits.
    assert xid.fix_sql is not None
    run_script(db, xid.fix_sql)
    assert audit(db, ["xid-wraparound", "multixact-wraparound"], params).findings == []


def test_seq_scan_heavy_cites_the_selective_statements(db: TestDatabase) -> None:
    case = case_named("tables", "seq_scan_heavy")
    apply_case(db.dsn, case)
    [finding] = audit(db, case.scope, case.params).findings
    assert finding.evidence["statements"] == "ok"
    assert finding.evidence["query_1_text"] == "SELECT count(*) FROM orders WHERE customer_id = i"
    assert finding.evidence["query_1_calls"] == 25
    assert finding.evidence["query_1_rows_per_call"] == 1.0
    assert "query_2_text" not in finding.evidence  # the customers look-ups are not about orders
    assert f"queryid {finding.evidence['query_1_queryid']}" in finding.recommendation


def test_bloat_estimate_is_close_on_compact_tables(db: TestDatabase) -> None:
    case = case_named("tables", "bloat")
    apply_case(db.dsn, case)
    snapshot = audit_commands.take_snapshot(Settings(dsn=db.dsn))
    tables = {t.name: table_estimate(snapshot, t) for t in snapshot.tables}
    context = AuditContext(snapshot)
    indexes = {ix.name: index_estimate(context, ix) for ix in snapshot.indexes}
    compact = tables["site_visits"]
    bloated = tables["bot_logs"]
    assert compact is not None and bloated is not None
    assert compact.fillfactor == 70
    assert compact.ratio < 0.05
    assert abs(compact.actual_bytes - compact.expected_bytes) / compact.actual_bytes < 0.05
    assert bloated.ratio > 0.85
    for name in ("site_visits_pkey", "site_visits_path", "site_visits_date_referrer"):
        estimate = indexes[name]
        assert estimate is not None
        assert estimate.ratio < 0.1, name
    bloated_index = indexes["bot_logs_pkey"]
    assert bloated_index is not None and bloated_index.ratio > 0.85


def test_after_a_statistics_reset_the_catalog_still_speaks(db: TestDatabase) -> None:
    """pg_stat_reset() (or a crash, a failover) zeroes the counters: a big table that was never
    analyzed, and autovacuum switched off on a table of real size, are still reported from
    what the catalog and the files prove."""
    db.execute(
        "CREATE TABLE events (id bigint, payload text) WITH (autovacuum_enabled = false); "
        "INSERT INTO events SELECT g, repeat('x', 200) FROM generate_series(1, 20000) g"
    )
    with psycopg.connect(db.dsn, autocommit=True) as conn:
        conn.execute("SELECT pg_stat_reset()")
    report = audit(
        db,
        ["stale-statistics", "autovacuum-disabled"],
        {"autovacuum-disabled": {"min_size_bytes": 1_048_576}},
    )
    findings = found(report)
    never = findings[("stale-statistics", "public.events")]
    assert "has never been analyzed" in never.message and "row count unknown" in never.message
    assert int(str(never.evidence["table_bytes"])) >= 1_048_576
    off = findings[("autovacuum-disabled", "public.events")]
    assert "no writes recorded" in off.message
