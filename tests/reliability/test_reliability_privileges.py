"""Missing privileges never read as "fine": as a role with only pg_monitor/pg_read_all_stats
and as a role with no grants at all, every check whose data the role cannot read says
skipped, naming the GRANT that fixes it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

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


# -- query texts (pg_stat_statements) and every command, as each role ------------------------

# The checks that judge from the workload's statement texts: without pg_read_all_stats other
# roles' texts read <insufficient privilege>, and none of these may then say "ok".
TEXT_CHECKS = (
    "like-without-trigram",
    "jsonb-without-gin",
    "partial-index-opportunity",
    "vector-opclass-mismatch",
)
ROLES = [
    ("pgsage_rel_nobody", []),
    ("pgsage_rel_monitor", ["GRANT pg_monitor TO {}"]),
]


@pytest.fixture
def workload(planted: TestDatabase) -> TestDatabase:
    """Statements by the superuser, in pg_stat_statements, that the text checks would judge:
    ILIKE '%...%' without a trigram index, jsonb containment without GIN."""
    planted.execute(
        "CREATE TABLE docs(id bigint PRIMARY KEY, name text, body jsonb);"
        "INSERT INTO docs SELECT g, 'name ' || g, jsonb_build_object('k', g % 10) "
        "FROM generate_series(1, 20000) g; ANALYZE docs;"
    )
    available = planted.execute(
        "SELECT 1 FROM pg_available_extensions WHERE name = 'hypopg'"
    )  # the advisor's hypothetical indexes, where the server has them (PG15 here)
    if available:
        planted.execute("CREATE EXTENSION IF NOT EXISTS hypopg")
    for _ in range(30):
        planted.execute("SELECT count(*) FROM docs WHERE name ILIKE '%ame 12%'")
        planted.execute("""SELECT count(*) FROM docs WHERE body @> '{"k": 3}'""")
    return planted


@pytest.mark.parametrize(("role", "grants"), ROLES, ids=["no-grants", "pg_monitor"])
def test_text_checks_never_ok_on_hidden_texts(
    workload: TestDatabase, role: str, grants: list[str]
) -> None:
    dsn = _role(workload, role, grants)
    run("audit", "--dsn", dsn, "--format", "json")  # the role's own statements, seen next
    statuses = _statuses(dsn)
    for check in TEXT_CHECKS:
        status, reason = statuses.get(check, ("absent", ""))
        if status == "skipped" and "extension" in reason:
            continue  # vector checks without pgvector
        if grants:  # pg_monitor reads every text: the checks judge the superuser's statements
            assert "insufficient privilege" not in reason, (check, reason)
            continue
        assert status in ("skipped", "findings"), (check, status, reason)
        assert "GRANT pg_read_all_stats" in reason, (check, reason)
        assert "<insufficient privilege>" in reason, (check, reason)
    if grants:
        assert statuses["like-without-trigram"][0] == "findings"
        assert statuses["jsonb-without-gin"][0] == "findings"


def test_superuser_judges_the_texts(workload: TestDatabase) -> None:
    statuses = _statuses(workload.dsn)
    assert statuses["like-without-trigram"][0] == "findings"
    assert statuses["jsonb-without-gin"][0] == "findings"


# (command, arguments after the DSN, exit codes that are answers): every command as each role,
# on a database with data the role cannot read. {out} is a file under the test's folder.
Command = tuple[str, tuple[str, ...], tuple[int, ...]]
COMMANDS: list[Command] = [
    ("audit", ("--format", "json"), (0, 1)),
    ("advise", ("--format", "json"), (0, 1)),
    ("snapshot", ("--out", "{out}"), (0,)),
    ("exporter", ("--once",), (0,)),
    ("checklist", ("--format", "json"), (0, 1)),
]


@pytest.mark.parametrize(("role", "grants"), ROLES, ids=["no-grants", "pg_monitor"])
@pytest.mark.parametrize("case", COMMANDS, ids=[c[0] for c in COMMANDS])
def test_every_command_as_a_limited_role(
    workload: TestDatabase, tmp_path: Path, role: str, grants: list[str], case: Command
) -> None:
    command, args, codes = case
    dsn = _role(workload, role, grants)
    out = tmp_path / "snapshot.json"
    result = run(command, "--dsn", dsn, *(a.format(out=out) for a in args), timeout=600)
    assert "Traceback" not in result.stderr, result.stderr
    assert "internal error" not in result.stderr, result.stderr
    if result.returncode == 2:  # refused: one clean line naming what is missing
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("pgsage: error: "), lines
        if command == "advise" and not grants:  # nothing readable to advise on, or no HypoPG
            assert "GRANT pg_read_all_stats" in lines[0] or "HypoPG" in lines[0], lines
        return
    assert result.returncode in codes, (result.returncode, result.stderr)
    if command == "advise":  # ran: a hidden statement is never read as "nothing to index"
        for query in json.loads(result.stdout).get("queries", []):
            if query["query"] == "<insufficient privilege>":
                assert "GRANT pg_read_all_stats" in (query.get("skipped") or ""), query
    if command == "snapshot":
        data = json.loads(out.read_text())
        assert "statements" in data
    elif command == "exporter":
        assert "pgsage_" in result.stdout
    else:
        _assert_never_ok_on_unread(json.loads(result.stdout), limited=not grants)


def _assert_never_ok_on_unread(data: dict[str, object], limited: bool) -> None:
    results = data.get("results")
    if not isinstance(results, list):
        return
    for item in results:
        if not isinstance(item, dict):
            continue
        status = str(item.get("status"))
        reason = str(item.get("reason") or "")
        if "permission denied" in reason or "privilege" in reason:
            assert status != "ok", item
        if limited and item.get("check") in TEXT_CHECKS:
            assert status != "ok", item


@pytest.mark.parametrize(("role", "grants"), ROLES, ids=["no-grants", "pg_monitor"])
def test_no_check_says_ok_where_the_superuser_sees_more(
    workload: TestDatabase, role: str, grants: list[str]
) -> None:
    """Every check whose result differs from the superuser's on the same database is skipped
    (what the role could not read) or found something — never a quiet "ok"."""
    full = _statuses(workload.dsn)
    limited = _statuses(_role(workload, role, grants))
    differing = {check: limited[check] for check in full if limited[check][0] != full[check][0]}
    assert differing  # the roles do miss data here (sequences, sessions, texts)
    for check, (status, reason) in differing.items():
        assert status == "skipped", (check, status, full[check])
        assert "GRANT" in reason or "superuser" in reason, (check, reason)


def _hide(statement: dict[str, object], which: str) -> bool:
    """Whether the case hides this statement's text (as pg_stat_statements does for another
    role's statement)."""
    text = str(statement["query"])
    searched = "ILIKE" in text or "@>" in text
    return (
        which == "all" or (which == "searches" and searched) or (which == "others" and not searched)
    )


# (texts hidden, status of like-without-trigram, what its reason says)
PARTIAL_CASES = [
    ("none", "findings", ""),
    ("all", "skipped", "GRANT pg_read_all_stats"),
    ("searches", "skipped", "nothing found in what it could read: judged"),
    ("others", "findings", "judged"),
]


@pytest.mark.parametrize(
    ("which", "status", "says"), PARTIAL_CASES, ids=[c[0] for c in PARTIAL_CASES]
)
def test_part_of_the_texts_hidden(
    workload: TestDatabase, tmp_path: Path, which: str, status: str, says: str
) -> None:
    path = tmp_path / "snapshot.json"
    assert run("snapshot", "--dsn", workload.dsn, "--out", str(path)).returncode == 0
    data = json.loads(path.read_text())
    for statement in data["statements"]:
        if _hide(statement, which):
            statement["query"] = "<insufficient privilege>"
    path.write_text(json.dumps(data))
    check = "like-without-trigram"
    result = run("audit", "--snapshot", str(path), "--select", check, "--format", "json")
    (item,) = json.loads(result.stdout)["results"]
    assert (item["status"], item["reason"] or "") == (status, item["reason"] or ""), item
    assert item["status"] == status and says in (item["reason"] or ""), item
    if which == "others":  # the text report says what the check could not read
        text = run("audit", "--snapshot", str(path), "--select", check).stdout
        assert "Checks that read part of their input" in text
        assert "GRANT pg_read_all_stats" in " ".join(text.split())
