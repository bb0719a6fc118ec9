"""Query checks against workloads run for real: statements executed with psycopg and parameters
after pg_stat_statements_reset(), then the audit reads what the server recorded.

pg_stat_statements is shared by the whole server, so each test resets it first; thresholds are
lowered with check parameters to keep the workloads small and fast.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import psycopg

from pgharness import TestDatabase, cleanup_root, make_root
from pgsage.commands import audit as audit_commands
from pgsage.db.cluster import LocalCluster
from pgsage.model import Finding, Severity
from pgsage.settings import Settings

Workload = Sequence[tuple[str, Sequence[Any] | None]]


def run(db: TestDatabase, workload: Workload, *, repeat: int = 1) -> None:
    """Reset pg_stat_statements, then run the statements (with parameters) ``repeat`` times."""
    with psycopg.connect(db.dsn, autocommit=True) as conn:
        conn.execute("SELECT pg_stat_statements_reset()")
        for _ in range(repeat):
            for query, params in workload:
                cur = conn.execute(query, params) if params is not None else conn.execute(query)
                if cur.description:
                    cur.fetchall()


def queryid(db: TestDatabase, fragment: str, *, exact: bool = False) -> int:
    """The queryid of the one recorded statement whose text contains (or is) ``fragment``."""
    rows = db.execute(
        "SELECT DISTINCT queryid FROM pg_stat_statements WHERE dbid = (SELECT oid FROM "
        "pg_database WHERE datname = current_database()) AND query LIKE %s",
        [fragment if exact else f"%{fragment}%"],
    )
    assert len(rows) == 1, (fragment, rows)
    return int(rows[0][0])


def audit(db: TestDatabase, check: str, **params: Any) -> list[Finding]:
    report = audit_commands.audit(Settings(dsn=db.dsn, select=[check], checks={check: params}))
    [result] = report.results
    assert result.status.value in ("ok", "findings"), result.reason
    return list(report.findings)


def number(finding: Finding, key: str) -> float:
    value = finding.evidence[key]
    assert isinstance(value, int | float), (key, value)
    return float(value)


def objects(findings: list[Finding]) -> set[str]:
    return {str(f.object) for f in findings}


def test_slow_query(db: TestDatabase) -> None:
    db.execute(
        "CREATE TABLE reports (id int PRIMARY KEY, total int); "
        "INSERT INTO reports SELECT g, g FROM generate_series(1, 1000) g; ANALYZE reports"
    )
    run(
        db,
        [
            ("SELECT pg_sleep(%s), count(*) FROM reports WHERE id > %s", [0.03, 10]),
            ("SELECT total FROM reports WHERE id = %s", [5]),
        ],
        repeat=5,
    )
    with psycopg.connect(db.dsn, autocommit=True) as conn:  # slow, but run only twice
        for _ in range(2):
            conn.execute("SELECT pg_sleep(%s), max(total) FROM reports", [0.03])
    slow = queryid(db, "pg_sleep($1), count(*)")
    rare = queryid(db, "pg_sleep($1), max(total)")
    findings = audit(
        db, "slow-query", min_mean_ms=20.0, error_mean_ms=10000.0, min_calls=5, warning_total_ms=100
    )
    assert objects(findings) == {f"queryid {slow}"}
    [finding] = findings
    assert finding.severity is Severity.WARNING  # 5 calls of >= 30 ms: >= 150 ms in total
    assert finding.evidence["calls"] == 5
    assert number(finding, "mean_ms") >= 25
    assert "reports" in str(finding.evidence["query"])
    [severe] = audit(db, "slow-query", min_mean_ms=20.0, error_mean_ms=25.0, min_calls=5)
    assert severe.severity is Severity.ERROR
    assert audit(db, "slow-query") == []  # 30 ms is far from the default second
    # By default a slow statement counts at any call count; graded by the time it took.
    by_default = {str(f.object): f.severity for f in audit(db, "slow-query", min_mean_ms=20.0)}
    assert by_default[f"queryid {slow}"] is Severity.INFO
    assert by_default[f"queryid {rare}"] is Severity.INFO  # run twice: reported all the same


def test_top_time_query(db: TestDatabase) -> None:
    db.execute(
        "CREATE TABLE events (id int PRIMARY KEY, kind text); "
        "INSERT INTO events SELECT g, 'k' || g % 5 FROM generate_series(1, 500) g"
    )
    run(
        db,
        [
            # 50 ms a call: the three cheap statements would need a quarter of that (25 ms
            # over their 15 calls) to bring the heavy one's share under 90 %, load or not
            ("SELECT pg_sleep(%s), count(*) FROM events WHERE kind = %s", [0.05, "k1"]),
            ("SELECT * FROM events WHERE id = %s", [1]),
            ("SELECT kind, count(*) FROM events GROUP BY kind", None),
            ("SELECT max(id) FROM events", None),
        ],
        repeat=5,
    )
    heavy = queryid(db, "pg_sleep")
    findings = audit(db, "top-time-query", min_share=0.2, min_total_ms=50.0)
    assert objects(findings) == {f"queryid {heavy}"}
    [finding] = findings
    assert finding.severity is Severity.INFO
    assert number(finding, "share") > 0.9
    assert "pgsage advise" in finding.recommendation
    # the default floor (a minute of total time) keeps a quiet database quiet
    assert audit(db, "top-time-query") == []


def test_top_time_query_spread_workload_is_quiet(db: TestDatabase, tmp_path: Path) -> None:
    db.execute("CREATE TABLE t (id int PRIMARY KEY); INSERT INTO t SELECT generate_series(1, 100)")
    # six statements (different operators: different queryids), each called twice
    run(
        db,
        [(f"SELECT count(*) FROM t WHERE id {op} %s", [50]) for op in SIX_OPERATORS],  # noqa: S608
        repeat=2,
    )
    # Shares of measured time move with the machine's load (six ~17 % shares of 10 ms sleeps
    # crossed 20 % on a busy machine). The recorded snapshot's times are set to 10 ms a call,
    # so each statement holds exactly 1/6 of the workload, whatever the machine's speed.
    recorded = tmp_path / "snapshot.json"
    audit_commands.snapshot(Settings(dsn=db.dsn), recorded)
    spread = tmp_path / "spread.json"
    statements = pin_statement_times(recorded, spread, "FROM t WHERE id", ms_per_call=10.0)
    assert sorted(calls for _, calls in statements) == [2] * 6
    assert offline_audit(spread, "top-time-query", min_share=0.2, min_total_ms=1.0) == []

    # The same workload with one statement weighing double (2/7, 29 %) is flagged: the
    # quiet result above is the threshold's doing, not an empty workload.
    heavy_query = statements[0][0]
    uneven = tmp_path / "uneven.json"
    pin_statement_times(
        recorded, uneven, "FROM t WHERE id", ms_per_call=10.0, heavier=(heavy_query, 2.0)
    )
    [finding] = offline_audit(uneven, "top-time-query", min_share=0.2, min_total_ms=1.0)
    assert number(finding, "share") == round(2 / 7, 4)


SIX_OPERATORS = ("=", "<", ">", "<=", ">=", "<>")


def pin_statement_times(
    recorded: Path,
    out: Path,
    fragment: str,
    *,
    ms_per_call: float,
    heavier: tuple[str, float] | None = None,
) -> list[tuple[str, int]]:
    """Copy a saved snapshot keeping only the statements containing ``fragment``, each timed
    ``ms_per_call`` per call (``heavier`` multiplies one statement's time); returns their
    (query, calls)."""
    data = json.loads(recorded.read_text())
    kept = [row for row in data["statements"] if fragment in row["query"]]
    for row in kept:
        factor = heavier[1] if heavier is not None and row["query"] == heavier[0] else 1.0
        per_call = ms_per_call * factor
        row.update(
            total_exec_time=per_call * row["calls"],
            mean_exec_time=per_call,
            min_exec_time=per_call,
            max_exec_time=per_call,
            stddev_exec_time=0.0,
        )
    data["statements"] = kept
    out.write_text(json.dumps(data))
    return [(row["query"], row["calls"]) for row in kept]


def offline_audit(snapshot_file: Path, check: str, **params: Any) -> list[Finding]:
    """The audit of one check over a saved snapshot (no server involved)."""
    report = audit_commands.audit(
        Settings(select=[check], checks={check: params}), snapshot_file=snapshot_file
    )
    [result] = report.results
    assert result.status.value in ("ok", "findings"), result.reason
    return list(report.findings)


def test_high_rows_per_call(db: TestDatabase) -> None:
    db.execute(
        "CREATE TABLE bot_logs (id int PRIMARY KEY, message text); "
        "INSERT INTO bot_logs SELECT g, 'm' || g FROM generate_series(1, 3000) g"
    )
    run(
        db,
        [
            ("SELECT * FROM bot_logs WHERE id > %s", [0]),  # the whole table, every call
            ("SELECT * FROM bot_logs WHERE id > %s ORDER BY id LIMIT %s", [0, 50]),
            ("UPDATE bot_logs SET message = message WHERE id > %s", [0]),  # rows affected
        ],
        repeat=5,
    )
    everything = queryid(db, "SELECT * FROM bot_logs WHERE id > $1", exact=True)
    findings = audit(db, "high-rows-per-call", min_rows_per_call=1000.0, min_calls=5)
    assert objects(findings) == {f"queryid {everything}"}
    [finding] = findings
    assert finding.evidence["rows_per_call"] == 3000
    assert finding.evidence["has_limit"] is False
    assert "no LIMIT" in finding.message
    assert audit(db, "high-rows-per-call") == []  # 3,000 rows is under the default 10,000


def test_low_cache_hit_query(db: TestDatabase) -> None:
    # A table bigger than a quarter of shared_buffers (128 MB): written through a bulk-write
    # ring and scanned through a bulk-read ring, so most of its pages are read, not hit.
    db.execute(
        "CREATE TABLE site_visits AS SELECT g AS id, repeat('x', 200) AS page_path "
        "FROM generate_series(1, 170000) g; "
        "CREATE TABLE settings (key text PRIMARY KEY, value text); "
        "INSERT INTO settings SELECT 'k' || g, 'v' FROM generate_series(1, 100) g"
    )
    run(
        db,
        [
            ("SELECT count(*) FROM site_visits WHERE page_path <> %s", ["y"]),
            ("SELECT value FROM settings WHERE key = %s", ["k1"]),
        ],
        repeat=3,
    )
    scan = queryid(db, "FROM site_visits")
    findings = audit(db, "low-cache-hit-query", max_hit_ratio=0.9, min_blocks=1000)
    assert objects(findings) == {f"queryid {scan}"}
    [finding] = findings
    assert number(finding, "hit_ratio") < 0.9
    assert number(finding, "shared_blks_read") > 1000
    assert audit(db, "low-cache-hit-query") == []  # under the default 100,000 blocks


def test_temp_spill_query(db: TestDatabase) -> None:
    db.execute(
        "CREATE TABLE news (id int PRIMARY KEY, title text); "
        "INSERT INTO news SELECT g, md5(g::text) || repeat('t', 60) "
        "FROM generate_series(1, 20000) g"
    )
    run(
        db,
        [
            ("SET work_mem = '64kB'", None),
            ("SELECT id FROM news ORDER BY title DESC LIMIT %s OFFSET %s", [10, 15000]),
            ("SELECT id FROM news ORDER BY id LIMIT %s", [10]),  # served by the primary key
        ],
        repeat=2,
    )
    spill = queryid(db, "ORDER BY title")
    findings = audit(db, "temp-spill-query", min_temp_bytes=256 * 1024)
    assert objects(findings) == {f"queryid {spill}"}
    [finding] = findings
    block_size = int(db.execute("SHOW block_size")[0][0])
    blocks = number(finding, "temp_blks_written")
    assert number(finding, "temp_bytes_written") == blocks * block_size
    assert "work_mem" in finding.recommendation
    assert audit(db, "temp-spill-query") == []  # a few MB, under the default 100 MiB


def test_monitoring_and_utility_statements_are_not_workload(db: TestDatabase) -> None:
    """pgsage's own catalog queries and slow utility statements never become findings."""
    db.execute("CREATE TABLE t (id int)")
    run(
        db,
        [("SELECT pg_sleep(%s), count(*) FROM pg_class", [0.02]), ("CREATE INDEX ON t (id)", None)],
        repeat=1,
    )
    audit_commands.audit(Settings(dsn=db.dsn, select=["queries"]))  # its own statements, recorded
    for check, params in (
        ("slow-query", {"min_mean_ms": 0.0, "min_calls": 1}),
        ("top-time-query", {"min_share": 0.0, "min_total_ms": 0.0}),
    ):
        found = audit(db, check, **params)
        assert all("pg_class" not in str(f.evidence["query"]) for f in found), found
        assert all("CREATE INDEX" not in str(f.evidence["query"]) for f in found), found


def test_pg_stat_statements_healthy(db: TestDatabase) -> None:
    assert audit(db, "pg-stat-statements-missing") == []


def test_pg_stat_statements_not_preloaded(db: TestDatabase) -> None:
    """A real server started without the library: the extension exists, its view cannot be
    read; the fix keeps the libraries already preloaded and adds pg_stat_statements."""
    bindir = db.server.cluster.bindir
    root = make_root()
    cluster = LocalCluster(
        bindir=bindir,
        home=root / "nopreload",
        settings={"shared_preload_libraries": "'auto_explain'", "fsync": "off"},
    )
    try:
        cluster.init()
        cluster.start()
        dsn = cluster.dsn("postgres")
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute("CREATE EXTENSION pg_stat_statements")
        report = audit_commands.audit(Settings(dsn=dsn, select=["queries"]))
        assert {r.check: r.status.value for r in report.results}["slow-query"] in ("ok",)
        [finding] = report.findings
        assert finding.check == "pg-stat-statements-missing"
        assert finding.evidence["status"] == "not-preloaded"
        assert finding.fix_sql is not None
        assert (
            "ALTER SYSTEM SET shared_preload_libraries = 'auto_explain', "
            "'pg_stat_statements';" in finding.fix_sql
        )
        assert "CREATE EXTENSION" not in finding.fix_sql  # it is already created
    finally:
        cluster.stop()
        cleanup_root(root)
