"""migrations trace on real servers: the locks, rewrites and scans each statement measures."""

from __future__ import annotations

import json
from pathlib import Path

from migproj import PROJECTS, project, run_cli

from pgharness import TestServer
from pgsage.commands.migrations import TraceOptions
from pgsage.commands.migrations import trace as run_trace
from pgsage.migrations.findings import revision_of
from pgsage.migrations.graph import load_graph
from pgsage.migrations.scratch import ScratchServer
from pgsage.migrations.trace import StatementTrace, trace_revisions

SQL = Path(__file__).parent / "sql"


def locks(trace: StatementTrace) -> set[tuple[str, str]]:
    assert trace.effects is not None, trace
    return {(lock.mode, lock.relation) for lock in trace.effects.locks}


def test_revisions_per_statement(server: TestServer) -> None:
    graph = load_graph(project("healthy"))
    with ScratchServer(server.admin_dsn()).database("t") as dsn:
        result = trace_revisions(graph, dsn, {"h002", "h003"})
    by_source: dict[str, list[StatementTrace]] = {}
    for trace in result.statements:
        by_source.setdefault(trace.source, []).append(trace)
    assert set(by_source) == {"h002", "h003"}  # h001 ran untraced, as the seed
    create_posts, create_index = by_source["h002"]
    # the foreign key locks the referenced table against writes
    assert ("SHARE ROW EXCLUSIVE", "public.users") in locks(create_posts)
    assert create_index.effects is not None
    assert create_index.effects.scanned == ("public.posts",)
    add_column, concurrently = by_source["h003"]
    assert ("ACCESS EXCLUSIVE", "public.users") in locks(add_column)
    assert add_column.effects is not None
    assert add_column.effects.rewritten == ()  # a constant default: no rewrite since PG 11
    # outside a transaction: sampled while it waited for an older snapshot
    assert not concurrently.transactional
    assert locks(concurrently) == {("SHARE UPDATE EXCLUSIVE", "public.posts")}
    assert concurrently.effects is not None
    assert concurrently.effects.created == ("public.ix_posts_author_created (index)",)
    assert [f"{lock.mode} on {lock.relation}" for lock in result.held_until_commit("h003")] == [
        "ACCESS EXCLUSIVE on public.users"
    ]
    findings = {(f.check, revision_of(f), f.message) for f in result.findings}
    assert (
        "blocking-lock",
        "h003",
        "statement 1 takes ACCESS EXCLUSIVE on public.users (blocks reads and writes)",
    ) in findings


def test_sql_files_with_setup(server: TestServer) -> None:
    run = run_trace(
        TraceOptions(files=[SQL / "changes.sql"], setup=SQL / "setup.sql", dsn=server.admin_dsn())
    )
    traces = run.trace.statements
    assert [t.line for t in traces] == [2, 3, 4, 5, 6, 7, 8]
    not_valid, validate, to_text, to_bigint, concurrently, failing, ledger = traces
    assert locks(not_valid) == {("ACCESS EXCLUSIVE", "public.accounts")}
    assert not_valid.effects and not_valid.effects.scanned == ()
    assert ("SHARE UPDATE EXCLUSIVE", "public.accounts") in locks(validate)
    assert validate.effects and validate.effects.scanned == ("public.accounts",)
    assert to_text.effects and to_text.effects.rewritten == ()  # binary coercible
    assert to_bigint.effects and "public.accounts (table)" in to_bigint.effects.rewritten
    assert not concurrently.transactional and concurrently.error is None
    assert locks(concurrently) == {("SHARE UPDATE EXCLUSIVE", "public.accounts")}
    assert failing.error is not None and "DivisionByZero" in failing.error
    assert ("SHARE ROW EXCLUSIVE", "public.accounts") in locks(ledger)
    checks = sorted({f.check for f in run.report.findings})
    assert checks == ["blocking-lock", "statement-fails", "table-rewrite"]


def test_cli_trace_json(server: TestServer) -> None:
    result = run_cli(
        "trace",
        "--config",
        str(PROJECTS / "healthy" / "alembic.ini"),
        "--revision",
        "h003",
        "--dsn",
        server.admin_dsn(),
        "--format",
        "json",
    )
    assert result.returncode == 1, result.stderr
    payload = json.loads(result.stdout)
    assert [s["source"] for s in payload["statements"]] == ["h003", "h003"]
    first = payload["statements"][0]
    assert {
        "relation": "public.users",
        "kind": "table",
        "mode": "ACCESS EXCLUSIVE",
        "preexisting": True,
    } in first["locks"]
    assert payload["command"] == "migrations"
    assert payload["stats"] == {"sources": 1, "statements": 2}
    assert {f["check"] for f in payload["findings"]} == {"blocking-lock"}
    assert all(f["location"]["revision"] == "h003" for f in payload["findings"])
    text = run_cli(
        "trace",
        "--config",
        str(PROJECTS / "healthy" / "alembic.ini"),
        "--revision",
        "h003",
        "--dsn",
        server.admin_dsn(),
    )
    assert text.returncode == 1, text.stderr
    assert text.stdout.startswith("== h003\n[1] ")
    assert "    lock  ACCESS EXCLUSIVE       public.users (table)" in text.stdout
    assert "held until commit when run in one transaction: ACCESS EXCLUSIVE on public.users" in (
        text.stdout
    )
    assert "blocking-lock" in text.stdout
    assert "statement 1 takes ACCESS EXCLUSIVE on public.users" in text.stdout
    bad = run_cli(
        "trace",
        "--config",
        str(PROJECTS / "healthy" / "alembic.ini"),
        "--revision",
        "nope",
        "--dsn",
        server.admin_dsn(),
    )
    assert bad.returncode == 2 and bad.stderr.startswith("pgsage: error: unknown revision")


def test_trace_output_is_grouped_ordered_and_quiet(server: TestServer) -> None:
    # issue 19.16, on the shapes of full-stack-fastapi-template's revisions
    result = run_cli("trace", "--dir", str(PROJECTS / "trace_output"), "--dsn", server.admin_dsn())
    assert result.returncode == 1, result.stderr
    # the revision's logging.basicConfig(INFO) does not bring Alembic's lines to stderr
    assert "Context impl" not in result.stderr and "INFO" not in result.stderr
    listing, _, findings = result.stdout.partition("WARNING (")
    # the rebuilt index: one lock line, rewritten, neither created nor dropped
    first = listing.split("== t002")[1].split("[2]")[0]
    assert first.count("public.ix_user_email (index)") == 2  # the lock line and "rewritten"
    assert "created:" not in first and "dropped:" not in first
    blocking = [line for line in findings.splitlines() if "blocking-lock" in line]
    # one finding per table (13 statements alter item), in line order
    assert len(blocking) == 2, blocking
    assert (
        "statements 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13 take ACCESS EXCLUSIVE on public.item"
        in (blocking[0] + blocking[1])
    )
    assert "statements 1, 2, 13 take ACCESS EXCLUSIVE on public.user" in blocking[0] + blocking[1]


def test_trace_findings_sort_statement_numbers_as_numbers(server: TestServer) -> None:
    run = run_trace(
        TraceOptions(
            directory=PROJECTS / "trace_output", dsn=server.admin_dsn(), revisions=["t002"]
        )
    )
    rewrites = [f for f in run.report.findings if f.check == "table-rewrite"]
    on_item = [int(f.message.split()[1]) for f in rewrites if "public.item" in f.message]
    # ten findings from the same line of the loop: statement 3 ... 12, not 10, 11, 12, 3, ...
    assert on_item == list(range(3, 13))


def test_dropping_a_foreign_key_locks_the_referenced_table(server: TestServer) -> None:
    # issue 19.17 (full-stack-fastapi-template 1a31ce608336 and d98dd8ec85a3 drop
    # item_owner_id_fkey): measured in pg_locks, on PG15 and PG18 alike, ACCESS EXCLUSIVE on the
    # referenced table as well as on the table the constraint is on
    run = run_trace(
        TraceOptions(
            directory=PROJECTS / "trace_output", dsn=server.admin_dsn(), revisions=["t002"]
        )
    )
    drop = next(s for s in run.trace.statements if "DROP CONSTRAINT" in s.sql)
    assert {("ACCESS EXCLUSIVE", "public.item"), ("ACCESS EXCLUSIVE", "public.user")} <= locks(drop)
