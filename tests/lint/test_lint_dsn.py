"""--dsn on real servers (PG 18 and PG 15): size grading, empty and missing tables skipped,
column types and the version read from the server, a read-only session that changes nothing."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest

from pgharness import TestDatabase
from pgsage.lint.engine import SMALL_TABLE_BYTES
from pgsage.lint.runner import lint
from pgsage.model import Severity

SCHEMA = """
CREATE TABLE big (id bigint PRIMARY KEY, pad text, code varchar(50));
INSERT INTO big SELECT g, repeat('x', 120), 'c' FROM generate_series(1, 90000) g;
CREATE TABLE small (id bigint PRIMARY KEY, code varchar(50));
INSERT INTO small VALUES (1, 'a'), (2, 'b');
CREATE TABLE empty (id bigint PRIMARY KEY, code varchar(50));
ANALYZE big, small, empty;
"""

MIGRATION = """\
SET lock_timeout = '2s';
CREATE INDEX ix_big_code ON big (code);
CREATE INDEX ix_small_code ON small (code);
CREATE INDEX ix_empty_code ON empty (code);
CREATE INDEX ix_future_code ON future (code);
ALTER TABLE small ALTER COLUMN code TYPE text;
ALTER TABLE small ALTER COLUMN code TYPE varchar(20);
"""


def test_dsn_grades_by_size_and_skips_empty_or_missing_tables(
    db: TestDatabase, tmp_path: Path
) -> None:
    db.execute(SCHEMA)
    path = tmp_path / "m.sql"
    path.write_text(MIGRATION)
    before = db.execute("SELECT count(*) FROM pg_indexes WHERE schemaname = 'public'")

    result = lint([path], dsn=db.dsn)

    by_line = {(v.line, v.rule): v for v in result.violations}
    assert sorted(by_line) == [
        (2, "require-concurrent-index-creation"),
        (3, "require-concurrent-index-creation"),
        (7, "changing-column-type"),
    ]
    big = by_line[(2, "require-concurrent-index-creation")]
    assert big.severity is Severity.WARNING and "table big: " in big.message
    assert by_line[(3, "require-concurrent-index-creation")].severity is Severity.INFO
    # varchar(50) -> text is binary-coercible (the type came from the server); -> varchar(20) is not
    assert "varchar(20)" in by_line[(7, "changing-column-type")].message
    assert any("empty: empty on the server" in note for note in result.notes)
    assert any("future: not on the server" in note for note in result.notes)
    assert any(f"PostgreSQL {db.major} (from the server)" in note for note in result.notes)
    assert db.execute("SELECT pg_total_relation_size('big')")[0][0] > SMALL_TABLE_BYTES
    assert db.execute("SELECT count(*) FROM pg_indexes WHERE schemaname = 'public'") == before


def test_explicit_pg_version_wins_over_the_server(db: TestDatabase, tmp_path: Path) -> None:
    db.execute("CREATE TABLE t (id bigint); INSERT INTO t VALUES (1);")
    path = tmp_path / "m.sql"
    path.write_text(
        "SET lock_timeout = '2s';\nALTER TABLE t ADD COLUMN flag boolean DEFAULT true;\n"
    )
    assert [v.rule for v in lint([path], dsn=db.dsn, pg_version=10).violations] == [
        "adding-field-with-default"
    ]
    assert lint([path], dsn=db.dsn).violations == ()


def test_partitioned_table_from_the_server(db: TestDatabase, tmp_path: Path) -> None:
    db.execute("""
        CREATE TABLE events (id bigint, at date) PARTITION BY RANGE (at);
        CREATE TABLE events_2024 PARTITION OF events FOR VALUES FROM ('2024-01-01')
            TO ('2025-01-01');
        INSERT INTO events SELECT g, '2024-03-01' FROM generate_series(1, 1000) g;
    """)
    path = tmp_path / "m.sql"
    path.write_text(
        "SET lock_timeout = '2s';\n"
        "CREATE INDEX CONCURRENTLY ix_events_at ON events (at);\n"
        "CREATE INDEX ix_events_id ON events (id);\n"
        "CREATE INDEX ix_events_only ON ONLY events (at, id);\n"
    )
    found = {(v.line, v.rule): v for v in lint([path], dsn=db.dsn).violations}
    assert sorted(found) == [
        (2, "concurrent-index-on-partitioned-table"),
        (3, "require-concurrent-index-creation"),
    ]
    # graded by the partitions' size, not the (empty) parent's
    assert "ON ONLY" in found[(3, "require-concurrent-index-creation")].message
    # and PostgreSQL does reject the concurrent build
    with pytest.raises(psycopg.errors.FeatureNotSupported):
        db.execute("CREATE INDEX CONCURRENTLY ix_events_at ON events (at)")


def test_dsn_reads_the_longest_value_of_a_narrowed_column(db: TestDatabase, tmp_path: Path) -> None:
    # issue 19.17, full-stack-fastapi-template 9c0a54914c78: VARCHAR → VARCHAR(255)
    db.execute(
        "CREATE TABLE item (id bigint PRIMARY KEY, title varchar, note varchar);"
        "INSERT INTO item VALUES (1, repeat('t', 300), 'short'), (2, 'x', NULL);"
    )
    migration = tmp_path / "m.sql"
    migration.write_text(
        "SET lock_timeout = '2s';\n"
        "ALTER TABLE item ALTER COLUMN title TYPE varchar(255);\n"
        "ALTER TABLE item ALTER COLUMN note TYPE varchar(255);\n"
    )
    offline = lint([migration], select=["narrowing-column-type"], pg_version=db.major)
    # offline the old types are unknown: nothing to judge
    assert [v.line for v in offline.violations] == []
    online = lint([migration], select=["narrowing-column-type"], dsn=db.dsn)
    # title holds a 300-character value: an error that says so; note's values all fit
    assert [(v.line, v.severity) for v in online.violations] == [(2, Severity.ERROR)]
    assert "longest existing value has 300 characters" in online.violations[0].message
    rows = db.execute("SELECT count(*), max(length(title)) FROM item")
    assert rows == [(2, 300)]  # read, not changed
