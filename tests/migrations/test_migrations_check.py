"""migrations check on real servers: upgrade, round-trip and drift on scratch databases."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import psycopg
from migproj import PROJECTS, project, run_cli

from pgharness import TestServer
from pgsage.migrations.check import CheckOptions, run_check
from pgsage.migrations.findings import CheckOutcome
from pgsage.migrations.project import find_project
from pgsage.migrations.scratch import SCRATCH_PREFIX


def checks_of(outcome: CheckOutcome) -> set[tuple[str, str | None]]:
    return {(f.check, f.revision) for f in outcome.findings}


def scratch_databases(server: TestServer) -> list[str]:
    with psycopg.connect(server.admin_dsn(), autocommit=True) as conn:
        rows = conn.execute(
            "SELECT datname FROM pg_database WHERE datname LIKE %s", [SCRATCH_PREFIX + "%"]
        ).fetchall()
    return [str(r[0]) for r in rows]


def user_relations(dsn: str) -> int:
    with psycopg.connect(dsn) as conn:
        row = conn.execute("SELECT count(*) FROM pg_class WHERE oid >= 16384").fetchone()
    return int(row[0]) if row else 0


def test_healthy_project_is_clean_and_leaves_no_database(server: TestServer) -> None:
    before = user_relations(server.admin_dsn())
    outcome = run_check(project("healthy"), CheckOptions(dsn=server.admin_dsn()))
    assert outcome.findings == []
    assert outcome.stages == {"graph": "ok", "upgrade": "ok", "drift": "ok", "roundtrip": "ok"}
    assert scratch_databases(server) == []
    # the database named in --dsn is only used to create and drop the scratch databases
    assert user_relations(server.admin_dsn()) == before


def test_roundtrip_finds_a_downgrade_that_leaves_a_column(server: TestServer) -> None:
    outcome = run_check(
        project("roundtrip_broken"), CheckOptions(dsn=server.admin_dsn(), drift=False)
    )
    found = checks_of(outcome)
    assert ("downgrade-incomplete", "r002") in found
    assert ("roundtrip-mismatch", "r002") in found
    assert not any(rev == "r003" for _check, rev in found)  # r003 round-trips cleanly
    mismatch = next(f for f in outcome.findings if f.check == "roundtrip-mismatch")
    assert mismatch.details == ("column public.r.leftover only after up → down → up",)


def test_roundtrip_stops_at_a_missing_downgrade(server: TestServer) -> None:
    outcome = run_check(
        project("missing_downgrade"), CheckOptions(dsn=server.admin_dsn(), drift=False)
    )
    assert checks_of(outcome) == {
        ("empty-downgrade", "m002"),
        ("missing-downgrade", "m003"),
        ("roundtrip-stopped", "m003"),
    }


def test_drift_both_comparisons_and_perf_indexes_filtered(server: TestServer) -> None:
    outcome = run_check(project("drift"), CheckOptions(dsn=server.admin_dsn(), roundtrip=False))
    messages = sorted(f"{f.check}: {f.message}" for f in outcome.findings)
    text = "\n".join(messages)
    # autogenerate
    assert "drift-autogenerate: column public.users.nickname is only in the models" in text
    assert "drift-autogenerate: index public.ix_posts_title is only in the database" in text
    assert "column public.posts.score: default is '0' in the database, '1' in the models" in text
    # what only the catalog diff sees
    assert "CHECK (score >= 0)" in text and "CHECK (score >= 1)" in text
    assert "'happy', 'sad', 'angry'" in text
    assert "WHERE (score > 10)" in text
    # name-only: low severity
    assert any(
        m.startswith(
            "drift-name-only: same definition, other name: constraint public.users.users_email_key"
        )
        for m in messages
    )
    # the PERF_INDEXES index from env.py's include_object is no drift
    assert "ix_posts_author_created" not in text
    # views and functions exist only in migrations by nature
    assert "active_users" not in text and "post_count" not in text
    # the unique index behind the renamed constraint is the same rename, reported once
    assert sum(m.startswith("drift-name-only") for m in messages) == 1
    severities = {f.check: f.severity.value for f in outcome.findings}
    assert severities["drift-name-only"] == "info"
    assert severities["drift-catalog"] == "warning"


def test_drift_without_the_perf_filter_reports_the_perf_index(
    server: TestServer, tmp_path: Path
) -> None:
    copy = tmp_path / "drift"
    shutil.copytree(PROJECTS / "drift", copy)
    env = copy / "alembic" / "env.py"
    env.write_text(env.read_text().replace('{"ix_posts_author_created"}', "set()"))
    outcome = run_check(
        find_project(copy / "alembic.ini", None),
        CheckOptions(dsn=server.admin_dsn(), roundtrip=False),
    )
    assert any("ix_posts_author_created" in f.message for f in outcome.findings)


def test_cli_check_json_on_a_server(server: TestServer) -> None:
    result = run_cli(
        "check",
        "--dir",
        str(PROJECTS / "roundtrip_broken"),
        "--dsn",
        server.admin_dsn(),
        "--no-drift",
        "--format",
        "json",
    )
    assert result.returncode == 1, result.stderr
    payload = json.loads(result.stdout)
    assert payload["stages"]["roundtrip"] == "findings"
    assert "roundtrip-mismatch" in {f["check"] for f in payload["findings"]}


def test_drift_honours_include_name(server: TestServer, tmp_path: Path) -> None:
    copy = tmp_path / "drift"
    shutil.copytree(PROJECTS / "drift", copy)
    env = copy / "alembic" / "env.py"
    env.write_text(
        env.read_text()
        .replace(
            "def include_object(",
            "def include_name(name, type_, parent_names):\n"
            "    return name != 'ix_posts_title'\n\n\n"
            "def include_object(",
        )
        .replace(
            "include_object=include_object)",
            "include_object=include_object, include_name=include_name)",
        )
    )
    outcome = run_check(
        find_project(copy / "alembic.ini", None),
        CheckOptions(dsn=server.admin_dsn(), roundtrip=False),
    )
    assert outcome.stages["drift"] == "findings"
    assert not any("ix_posts_title" in f.message for f in outcome.findings)
