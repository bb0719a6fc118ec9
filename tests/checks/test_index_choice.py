"""Which of two equivalent indexes duplicate-index drops never depends on the scan counters:
a --baseline records the finding by the dropped index's name, so the name must not change
from one run to the next (issue 19, point 10)."""

from __future__ import annotations

import psycopg

from pgharness import TestDatabase
from pgsage.commands import audit as audit_commands
from pgsage.settings import Settings


def dropped(db: TestDatabase) -> list[str]:
    report = audit_commands.audit(Settings(dsn=db.dsn, select=["duplicate-index"]))
    return [str(f.object) for f in report.findings]


def test_the_dropped_duplicate_is_the_same_whatever_was_scanned(db: TestDatabase) -> None:
    db.execute(
        "CREATE TABLE t (id int, v int); INSERT INTO t SELECT g, g FROM generate_series(1, 5000) g;"
        "CREATE INDEX t_v_a ON t (v); CREATE INDEX t_v_b ON t (v); ANALYZE t"
    )
    before = dropped(db)
    with psycopg.connect(db.dsn, autocommit=True) as conn:
        conn.execute("SET enable_seqscan = off")
        conn.execute("DROP INDEX t_v_a")  # force scans on t_v_b only ...
        for n in range(50):
            conn.execute("SELECT * FROM t WHERE v = %s", [n])
        conn.execute("CREATE INDEX t_v_a ON t (v)")  # ... then bring the twin back, unscanned
    assert before == ["public.t_v_b on public.t"]
    assert dropped(db) == before
