"""migrations check on real servers: upgrade, round-trip and drift on scratch databases."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import psycopg
from migproj import PROJECTS, project, run_cli

from pgharness import TestServer
from pgsage.commands.migrations import CheckOptions, stage_summary
from pgsage.commands.migrations import check_project as run_check
from pgsage.migrations.findings import details_of, revision_of
from pgsage.migrations.project import find_project
from pgsage.migrations.scratch import SCRATCH_PREFIX
from pgsage.model import Report


def checks_of(outcome: Report) -> set[tuple[str, str | None]]:
    return {(f.check, revision_of(f)) for f in outcome.findings}


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
    assert stage_summary(outcome) == {
        "graph": "ok",
        "upgrade": "ok",
        "drift": "ok",
        "roundtrip": "ok",
    }
    assert scratch_databases(server) == []
    # the database named in --dsn is only used to create and drop the scratch databases
    assert user_relations(server.admin_dsn()) == before


def test_roundtrip_finds_a_downgrade_that_leaves_a_column(server: TestServer) -> None:
    outcome = run_check(
        project("roundtrip_broken"), CheckOptions(dsn=server.admin_dsn(), drift=False)
    )
    # The leftover column is there right after the downgrade: the downgrade's difference, not
    # a second one of the upgrade (issue 19.11), and r001 below is not blamed for it either.
    # (its second downgrade adds the leftover column again, which fails: a true finding too;
    # the schema before r002 is then rebuilt and r001 round-trips cleanly)
    assert checks_of(outcome) == {
        ("downgrade-incomplete", "r002"),
        ("downgrade-fails", "r002"),
        ("roundtrip-resumed", "r002"),
    }
    incomplete = next(f for f in outcome.findings if f.check == "downgrade-incomplete")
    assert details_of(incomplete) == ("column public.r.leftover only after the downgrade",)
    assert incomplete.location is not None
    assert incomplete.location.revision == "r002"
    assert incomplete.location.file.endswith(".py") and incomplete.location.line is not None
    assert incomplete.category == "migrations" and incomplete.object is None


def test_roundtrip_walks_past_a_missing_downgrade(server: TestServer) -> None:
    # m003 and m002 cannot be undone: each is skipped (the schema before it rebuilt from
    # empty), and m001 below them is still round-tripped (issue 19.15)
    outcome = run_check(
        project("missing_downgrade"), CheckOptions(dsn=server.admin_dsn(), drift=False)
    )
    assert checks_of(outcome) == {
        ("empty-downgrade", "m002"),
        ("missing-downgrade", "m003"),
        ("roundtrip-skipped", "m003"),
        ("roundtrip-skipped", "m002"),
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
    assert payload["command"] == "migrations"
    assert payload["stages"]["roundtrip"] == "findings"
    assert {f["check"] for f in payload["findings"]} == {
        "downgrade-incomplete",
        "downgrade-fails",
        "roundtrip-resumed",
    }
    assert {r["check"]: r["status"] for r in payload["results"]} == {
        "graph": "ok",
        "upgrade": "ok",
        "roundtrip": "findings",
    }
    incomplete = next(f for f in payload["findings"] if f["check"] == "downgrade-incomplete")
    assert incomplete["location"]["revision"] == "r002"
    assert incomplete["evidence"]["details"] == [
        "column public.r.leftover only after the downgrade"
    ]


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
    assert stage_summary(outcome)["drift"] == "findings"
    assert not any("ix_posts_title" in f.message for f in outcome.findings)


def test_cli_stage_that_cannot_run_fails_the_gate_in_one_line(
    server: TestServer, tmp_path: Path
) -> None:
    """env.py imports models that do not import: drift cannot run, and `--fail-on warning`
    must not pass on it (issue 19, point 13) — exit 2 and one line naming the stage."""
    copy = tmp_path / "healthy"
    shutil.copytree(PROJECTS / "healthy", copy)
    (copy / "mp_broken_models.py").write_text("raise ImportError('the models need Python 3.14')\n")
    env = copy / "alembic" / "env.py"
    env.write_text("import mp_broken_models  # noqa: F401\n" + env.read_text())
    args = ["check", "--config", str(copy / "alembic.ini"), "--dsn", server.admin_dsn()]
    result = run_cli(*args, "--no-roundtrip")
    assert result.returncode == 2, (result.stdout, result.stderr)
    errors = [line for line in result.stderr.splitlines() if line.startswith("pgsage: error:")]
    assert len(errors) == 1, result.stderr
    assert errors[0].startswith("pgsage: error: --fail-on warning: ")
    assert "(drift)" in errors[0]
    assert result.stderr.strip().splitlines()[-1] == errors[0]
    assert "drift: error — no models" in result.stdout
    assert "Traceback" not in result.stderr
    # without a gate the report is still written and the run passes
    never = run_cli(*args, "--no-roundtrip", "--fail-on", "never", "--format", "json")
    assert never.returncode == 0, never.stderr
    payload = json.loads(never.stdout)
    assert payload["stages"]["drift"].startswith("not run: no models")
    assert "ImportError" in payload["stages"]["drift"]
    drift = next(r for r in payload["results"] if r["check"] == "drift")
    assert drift["status"] == "error"
