"""The lock and rewrite each locking rule names, checked against what PostgreSQL really does.

Every case runs its statement on a real server (PG 18 and PG 15) inside a transaction that is
rolled back, reads the strongest lock the session holds on the table from pg_locks and whether
the table's relfilenode changed (a rewrite), and compares them with the lint verdict: the rule
that fires, the lock level its message names, and whether the message says "rewrites".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest

from pgharness import TestDatabase
from pgsage.lint.runner import lint

SETUP = """
CREATE TABLE users (id bigint PRIMARY KEY);
INSERT INTO users SELECT generate_series(1, 100);
CREATE TABLE t (id integer NOT NULL, user_id bigint, code varchar(50), note text);
INSERT INTO t SELECT g, g, 'c', 'n' FROM generate_series(1, 100) g;
CREATE INDEX ix_t_code ON t (code);
CREATE TABLE p (id bigint, at date) PARTITION BY RANGE (at);
CREATE TABLE p_2020 PARTITION OF p FOR VALUES FROM ('2020-01-01') TO ('2021-01-01');
"""
LOCKS = [
    "AccessShareLock",
    "RowShareLock",
    "RowExclusiveLock",
    "ShareUpdateExclusiveLock",
    "ShareLock",
    "ShareRowExclusiveLock",
    "ExclusiveLock",
    "AccessExclusiveLock",
]
NAMED = re.compile(r"ACCESS EXCLUSIVE|SHARE ROW EXCLUSIVE|SHARE UPDATE EXCLUSIVE|SHARE|EXCLUSIVE")


@dataclass(frozen=True)
class LockCase:
    statement: str
    rule: str | None  # None: pgsage must stay silent
    table: str = "t"


CASES = [
    LockCase("CREATE INDEX ix_t_note ON t (note)", "require-concurrent-index-creation"),
    LockCase("DROP INDEX ix_t_code", "require-concurrent-index-deletion"),
    LockCase(
        "ALTER TABLE t ADD CONSTRAINT t_user_fk FOREIGN KEY (user_id) REFERENCES users (id)",
        "adding-foreign-key-constraint",
    ),
    LockCase(
        "ALTER TABLE t ADD CONSTRAINT t_id_positive CHECK (id > 0)", "constraint-missing-not-valid"
    ),
    LockCase("ALTER TABLE t ALTER COLUMN note SET NOT NULL", "adding-not-nullable-field"),
    LockCase(
        "ALTER TABLE t ADD COLUMN token uuid DEFAULT gen_random_uuid()", "adding-field-with-default"
    ),
    LockCase("ALTER TABLE t ADD COLUMN active boolean NOT NULL DEFAULT true", None),
    LockCase("ALTER TABLE t ALTER COLUMN id TYPE bigint", "changing-column-type"),
    LockCase("ALTER TABLE t ALTER COLUMN code TYPE text", None),
    LockCase("ALTER TABLE t ALTER COLUMN code TYPE varchar(80)", None),
    LockCase(
        "ALTER TABLE t ADD CONSTRAINT t_user_key UNIQUE (user_id)", "disallowed-unique-constraint"
    ),
    LockCase("ALTER TABLE t ADD PRIMARY KEY (id)", "adding-serial-primary-key-field"),
    LockCase("REINDEX TABLE t", "require-concurrent-reindex"),
    LockCase("CLUSTER t USING ix_t_code", "table-rewrite"),
    LockCase("ALTER TABLE t SET UNLOGGED", "table-rewrite"),
    LockCase(
        "ALTER TABLE p DETACH PARTITION p_2020", "require-concurrent-partition-detach", table="p"
    ),
]


def observe(dsn: str, statement: str, table: str) -> tuple[str, bool]:
    """The strongest lock taken on ``table`` and whether it was rewritten; rolled back."""
    with psycopg.connect(dsn) as conn:
        before = conn.execute("SELECT pg_relation_filenode(%s::regclass)", (table,)).fetchone()
        conn.execute(statement.encode())
        modes = [
            row[0]
            for row in conn.execute(
                "SELECT mode FROM pg_locks WHERE locktype = 'relation' AND granted "
                "AND pid = pg_backend_pid() AND relation = %s::regclass",
                (table,),
            )
        ]
        after = conn.execute("SELECT pg_relation_filenode(%s::regclass)", (table,)).fetchone()
        conn.rollback()
    return max(modes, key=LOCKS.index), before != after


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.statement[:48])
def test_named_lock_and_rewrite_match_the_server(
    db: TestDatabase, tmp_path: Path, case: LockCase
) -> None:
    db.execute(SETUP)
    path = tmp_path / "m.sql"
    path.write_text(f"SET lock_timeout = '2s';\n{case.statement};\n")
    verdicts = lint([path], dsn=db.dsn, select=["locking"]).violations
    strongest, rewritten = observe(db.dsn, case.statement, case.table)

    if case.rule is None:
        assert verdicts == (), [v.message for v in verdicts]
        assert not rewritten
        return
    # A foreign key is reported by two rules, as in squawk: each must name the real lock.
    assert case.rule in {v.rule for v in verdicts}, [v.message for v in verdicts]
    for verdict in verdicts:
        named = NAMED.search(verdict.message)
        assert named is not None, verdict.message
        assert LOCKS.index(strongest) == LOCKS.index(
            named.group(0).title().replace(" ", "") + "Lock"
        ), (strongest, verdict.message)
        assert ("rewrite" in verdict.message) == rewritten, (rewritten, verdict.message)
