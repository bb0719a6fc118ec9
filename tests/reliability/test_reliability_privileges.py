"""Missing privileges never read as "fine": as a role with only pg_monitor/pg_read_all_stats
and as a role with no grants at all, every check whose data the role cannot read says
skipped, naming the GRANT that fixes it."""

from __future__ import annotations

import json
from collections.abc import Iterator

import psycopg
import pytest
from psycopg import conninfo, sql
from reliability_support import run

from pgharness import TestDatabase

# The checks whose data reads as NULL (not as an error) without a privilege.
STATS_CHECKS = (
    "idle-in-transaction",
    "lock-waits",
    "long-transaction",
    "long-running-query",
    "replica-lag",
)


@pytest.fixture
def planted(db: TestDatabase) -> Iterator[TestDatabase]:
    """A sequence at 93 % of its integer column, owned by the superuser."""
    db.execute(
        "CREATE TABLE orders(id serial PRIMARY KEY, v int);"
        "SELECT setval('orders_id_seq', 1997168000);"  # 93 % of 2^31 - 1
    )
    yield db  # the roles own nothing in it: the database is dropped whole


def _role(db: TestDatabase, name: str, grants: list[str]) -> str:
    with psycopg.connect(db.server.admin_dsn(), autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [name]).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE ROLE {} LOGIN").format(sql.Identifier(name)))
        for grant in grants:
            conn.execute(sql.SQL(grant).format(sql.Identifier(name)))
    return conninfo.make_conninfo(db.dsn, user=name)


def _statuses(dsn: str) -> dict[str, tuple[str, str]]:
    result = run("audit", "--dsn", dsn, "--format", "json")
    assert result.returncode in (0, 1), result.stderr
    data = json.loads(result.stdout)
    return {r["check"]: (r["status"], r.get("reason") or "") for r in data["results"]}


def test_superuser_sees_the_sequence(planted: TestDatabase) -> None:
    statuses = _statuses(planted.dsn)
    assert statuses["sequence-exhaustion"][0] == "findings"


@pytest.mark.parametrize(
    ("role", "grants", "skipped"),
    [
        ("pgsage_rel_nobody", [], ("sequence-exhaustion", *STATS_CHECKS)),
        ("pgsage_rel_monitor", ["GRANT pg_monitor TO {}"], ("sequence-exhaustion",)),
    ],
    ids=["no-grants", "pg_monitor"],
)
def test_unreadable_data_is_skipped_with_the_grant(
    planted: TestDatabase, role: str, grants: list[str], skipped: tuple[str, ...]
) -> None:
    statuses = _statuses(_role(planted, role, grants))
    for check in skipped:
        status, reason = statuses[check]
        assert status == "skipped", (check, status, reason)
        assert "GRANT" in reason, (check, reason)
    for check, (status, reason) in statuses.items():
        if "permission denied" in reason or "privilege" in reason:
            assert status != "ok", check
    if role == "pgsage_rel_monitor":
        for check in STATS_CHECKS:
            assert (
                statuses[check][0] != "skipped"
                or "GRANT pg_read_all_stats" not in (statuses[check][1])
            )
