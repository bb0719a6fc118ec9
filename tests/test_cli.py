"""The CLI end to end, as a user runs it: real servers, real processes, exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg import conninfo

from casefiles import all_cases, apply_case, case_named
from pgharness import PASSWORD_ROLE, TestDatabase, TestServer

PGSAGE = str(Path(sys.executable).parent / "pgsage")

# One database with every planted index problem from the case files, tables renamed apart.
PLANTED = [
    c
    for c in all_cases("indexes")
    if c.path.stem
    in {
        "invalid_index",
        "duplicate_index",
        "redundant_index",
        "unique_duplicates_constraint",
        "fk_without_index",
    }
]


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [PGSAGE, *args], capture_output=True, text=True, timeout=120, env=env, check=False
    )


def assert_one_line_error(result: subprocess.CompletedProcess[str], fragment: str) -> None:
    assert result.returncode == 2, result
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith("pgsage: error: ")
    assert fragment in lines[0]


def test_json_reports_each_planted_problem_by_name(db: TestDatabase, tmp_path: Path) -> None:
    expected = set()
    params: dict[str, dict[str, Any]] = {}
    for case in PLANTED:
        for check, values in case.params.items():
            params.setdefault(check, {}).update(values)
        # Each case in its own schema of one database, so that names stay apart.
        schema = case.path.stem
        db.execute(f'CREATE SCHEMA "{schema}"')
        with psycopg.connect(db.dsn, autocommit=True) as conn:
            conn.execute(f'SET search_path = "{schema}"'.encode())
            for statement, may_fail in case.statements:
                try:
                    conn.execute(statement.encode())
                except psycopg.Error:
                    assert may_fail
        expected |= {(check, obj.replace("public.", f"{schema}.")) for check, obj in case.expected}
    # Scoped to the index family: the other families have their own planted-problem tests,
    # and server-wide checks would report on the shared test server's settings.
    # The cases' check parameters (e.g. fk-without-index's quiet_pages on empty tables), as a
    # user would set them: [tool.pgsage.checks.<id>] in the pyproject.toml given to --config.
    config = tmp_path / "pyproject.toml"
    config.write_text(
        "".join(
            f"[tool.pgsage.checks.{check}]\n"
            + "".join(f"{key} = {json.dumps(value)}\n" for key, value in sorted(values.items()))
            for check, values in sorted(params.items())
        )
    )
    result = run(
        "audit", "--dsn", db.dsn, "--format", "json", "--select", "indexes", "--config", str(config)
    )
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert set(data) == {"server", "findings", "results"}
    found = {(f["check"], f["object"]) for f in data["findings"]}
    assert found == expected
    for finding in data["findings"]:
        assert set(finding) >= {
            "check",
            "category",
            "severity",
            "object",
            "message",
            "evidence",
            "recommendation",
            "fix_sql",
        }
        assert finding["object_ref"]["name"] in finding["object"]
    assert {r["status"] for r in data["results"]} <= {"ok", "findings"}
    failing = run(
        "audit", "--dsn", db.dsn, "--fail-on", "warning", "--format", "json", "--select", "indexes"
    )
    assert failing.returncode == 1


def test_healthy_database_reports_nothing(db: TestDatabase) -> None:
    """A well-indexed schema on a well-configured database: every check runs, none warns."""
    tuned = case_named("settings", "tuned")  # its ALTER DATABASE ... SET statements
    for statement, _ in tuned.statements:
        if statement.startswith("DO $$"):
            db.execute(statement)
    apply_case(db.dsn, case_named("healthy", "realistic_schema"))
    # checkpoints-forced reads the server-wide checkpoint counters, which the other tests'
    # bulk loads on the shared test server drive; its own cases test it. The throwaway test
    # servers archive no WAL and have no replica on purpose (wal-archiving-off: tests/backup).
    everything = ("--ignore", "checkpoints-forced", "--ignore", "wal-archiving-off")
    result = run("audit", "--dsn", db.dsn, "--format", "json", "--fail-on", "warning", *everything)
    assert result.returncode == 0, result.stdout + result.stderr
    data = json.loads(result.stdout)
    assert [(f["check"], f["object"]) for f in data["findings"] if f["severity"] != "info"] == []
    assert {r["status"] for r in data["results"]} <= {"ok", "findings", "skipped"}
    scoped = run("audit", "--dsn", db.dsn, "--select", "indexes")
    assert "0 findings" in scoped.stdout


def test_markdown_and_text_formats(db: TestDatabase) -> None:
    apply_case(db.dsn, case_named("indexes", "invalid_index"))
    md = run("audit", "--dsn", db.dsn, "--format", "markdown")
    assert md.returncode == 0
    assert md.stdout.startswith("# pgsage audit")
    assert "```sql" in md.stdout and "REINDEX INDEX CONCURRENTLY" in md.stdout
    text = run("audit", "--dsn", db.dsn)
    assert "ERROR (1)" in text.stdout and "orders_ref_key" in text.stdout


def test_sarif_and_github_formats_of_an_audit(db: TestDatabase) -> None:
    apply_case(db.dsn, case_named("indexes", "invalid_index"))
    result = run("audit", "--dsn", db.dsn, "--select", "indexes", "--format", "sarif")
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["version"] == "2.1.0"
    (found,) = [r for r in document["runs"][0]["results"] if r["ruleId"] == "invalid-index"]
    assert found["level"] == "error"
    (logical,) = found["locations"][0]["logicalLocations"]
    assert "orders_ref_key" in logical["fullyQualifiedName"] and logical["kind"] == "index"
    github = run("audit", "--dsn", db.dsn, "--select", "indexes", "--format", "github")
    assert github.returncode == 0, github.stderr
    assert any(
        line.startswith("::error title=pgsage invalid-index::") and "orders_ref_key" in line
        for line in github.stdout.splitlines()
    )


def test_dsn_from_environment_and_key_value_form(db: TestDatabase) -> None:
    apply_case(db.dsn, case_named("indexes", "invalid_index"))
    params = conninfo.conninfo_to_dict(db.dsn)
    key_value = conninfo.make_conninfo("", **{k: v for k, v in params.items() if v is not None})
    assert "://" not in key_value
    env = {**os.environ, "DATABASE_URL": key_value}
    result = run("audit", "--format", "json", "--select", "indexes", env=env)
    assert result.returncode == 0, result.stderr
    assert [f["check"] for f in json.loads(result.stdout)["findings"]] == ["invalid-index"]


def test_offline_audit_from_snapshot_matches_online(db: TestDatabase, tmp_path: Path) -> None:
    apply_case(db.dsn, case_named("indexes", "duplicate_index"))
    snap = tmp_path / "snap.json"
    taken = run("snapshot", "--dsn", db.dsn, "--out", str(snap))
    assert taken.returncode == 0, taken.stderr
    online = json.loads(run("audit", "--dsn", db.dsn, "--format", "json").stdout)
    offline = json.loads(run("audit", "--snapshot", str(snap), "--format", "json").stdout)
    assert offline["findings"] == online["findings"]
    assert offline["findings"]


def test_select_and_ignore(db: TestDatabase) -> None:
    apply_case(db.dsn, case_named("indexes", "duplicate_index"))
    only = json.loads(
        run("audit", "--dsn", db.dsn, "--format", "json", "--select", "redundant-index").stdout
    )
    assert only["findings"]
    assert {f["check"] for f in only["findings"]} == {"redundant-index"}
    assert [r["check"] for r in only["results"]] == ["redundant-index"]
    ignored = json.loads(
        run(
            "audit",
            "--dsn",
            db.dsn,
            "--format",
            "json",
            "--select",
            "indexes",
            "--ignore",
            "indexes",
        ).stdout
    )
    assert ignored["results"] == []
    rest = json.loads(
        run("audit", "--dsn", db.dsn, "--format", "json", "--ignore", "indexes").stdout
    )
    checks = {r["check"] for r in rest["results"]}
    assert "no-primary-key" in checks and "duplicate-index" not in checks
    assert_one_line_error(
        run("audit", "--dsn", db.dsn, "--select", "no-such-check"),
        "unknown check or category: no-such-check",
    )


# -- bad input: one line, exit 2, never a traceback -------------------------------------
def test_refused_connection() -> None:
    assert_one_line_error(
        run("audit", "--dsn", "postgresql://u@127.0.0.1:1/db"), "Connection refused"
    )


def test_malformed_dsn() -> None:
    assert_one_line_error(run("audit", "--dsn", "hostx=1"), "invalid DSN")
    assert_one_line_error(
        run("snapshot", "--dsn", "postgresql://a b", "--out", "/tmp/x.json"), "invalid DSN"
    )


def test_failed_authentication(server: TestServer) -> None:
    params = conninfo.conninfo_to_dict(server.admin_dsn())
    params.update(user=PASSWORD_ROLE, password="wrong-password")
    dsn = conninfo.make_conninfo("", **{k: v for k, v in params.items() if v is not None})
    result = run("audit", "--dsn", dsn)
    assert_one_line_error(result, "password authentication failed")
    assert "wrong-password" not in result.stderr


def test_missing_database(server: TestServer) -> None:
    assert_one_line_error(
        run("audit", "--dsn", server.admin_dsn("no_such_db")),
        'database "no_such_db" does not exist',
    )


def test_bad_snapshot_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    assert_one_line_error(run("audit", "--snapshot", str(bad)), "cannot read snapshot")
    other = tmp_path / "other.json"
    other.write_text('{"hello": 1}')
    assert_one_line_error(run("audit", "--snapshot", str(other)), "not a pgsage snapshot")
    assert_one_line_error(run("audit", "--snapshot", str(tmp_path / "none.json")), "not found")


def test_bad_check_parameter(tmp_path: Path, db: TestDatabase) -> None:
    config = tmp_path / "pyproject.toml"
    config.write_text('[tool.pgsage.checks.unused-index]\nmin_size_bytes = "big"\n')
    assert_one_line_error(
        run("audit", "--dsn", db.dsn, "--config", str(config)), "min_size_bytes must be a int"
    )
    config.write_text("[tool.pgsage.checks.unused-index]\nno_such = 1\n")
    assert_one_line_error(
        run("audit", "--dsn", db.dsn, "--config", str(config)), "has no parameter(s): no_such"
    )


def test_unprivileged_role_still_gets_a_report(db: TestDatabase) -> None:
    apply_case(db.dsn, case_named("indexes", "duplicate_index"))
    db.execute("CREATE ROLE pgsage_limited LOGIN")
    db.execute(f'GRANT CONNECT ON DATABASE "{db.name}" TO pgsage_limited')
    params = conninfo.conninfo_to_dict(db.dsn)
    params["user"] = "pgsage_limited"
    dsn = conninfo.make_conninfo("", **{k: v for k, v in params.items() if v is not None})
    try:
        result = run("audit", "--dsn", dsn, "--format", "json")
        assert result.returncode == 0, result.stderr
        data = json.loads(result.stdout)
        assert data["server"]["superuser"] is False
        assert {f["check"] for f in data["findings"]} >= {"duplicate-index"}
    finally:
        db.execute(f'REVOKE ALL ON DATABASE "{db.name}" FROM pgsage_limited')
        db.execute("DROP OWNED BY pgsage_limited; DROP ROLE pgsage_limited")


@pytest.mark.parametrize("args", [["--version"], ["checks"]])
def test_informational_commands(args: list[str]) -> None:
    result = run(*args)
    assert result.returncode == 0
    assert result.stdout.strip()


def test_baseline_fails_ci_only_on_new_findings(db: TestDatabase, tmp_path: Path) -> None:
    apply_case(db.dsn, case_named("indexes", "duplicate_index"))
    baseline = tmp_path / "baseline.json"
    first = run(
        "audit",
        "--dsn",
        db.dsn,
        "--select",
        "indexes",
        "--write-baseline",
        str(baseline),
        "--format",
        "json",
    )
    assert first.returncode == 0 and "findings accepted" in first.stderr
    accepted = json.loads(baseline.read_text())["findings"]
    assert "duplicate-index::public.idx_users_telegram_id on public.users" in accepted
    again = run(
        "audit",
        "--dsn",
        db.dsn,
        "--select",
        "indexes",
        "--baseline",
        str(baseline),
        "--fail-on",
        "info",
        "--format",
        "json",
    )
    assert again.returncode == 0, again.stdout
    assert json.loads(again.stdout)["findings"] == []
    # A new problem fails the run; a fixed one is reported as removable from the baseline.
    db.execute(
        "CREATE TABLE extra (id int); CREATE INDEX extra_a ON extra (id);"
        "CREATE INDEX extra_b ON extra (id); DROP INDEX idx_users_telegram_id"
    )
    new = run(
        "audit",
        "--dsn",
        db.dsn,
        "--select",
        "indexes",
        "--baseline",
        str(baseline),
        "--fail-on",
        "warning",
        "--format",
        "json",
    )
    assert new.returncode == 1
    assert [f["object"] for f in json.loads(new.stdout)["findings"]] == [
        "public.extra_b on public.extra"
    ]
    assert "1 baseline entries are fixed" in new.stderr
    bad = tmp_path / "bad.json"
    bad.write_text("[]")
    assert_one_line_error(
        run("audit", "--dsn", db.dsn, "--baseline", str(bad)), "is not a pgsage baseline"
    )


def test_html_report_is_one_escaped_file(db: TestDatabase, tmp_path: Path) -> None:
    db.execute(
        'CREATE TABLE "<b>" (id int); CREATE INDEX "x<script>" ON "<b>" (id);'
        'CREATE INDEX "y" ON "<b>" (id)'
    )
    out = tmp_path / "report.html"
    result = run(
        "audit", "--dsn", db.dsn, "--select", "indexes", "--format", "html", "-o", str(out)
    )
    assert result.returncode == 0, result.stderr
    page = out.read_text()
    assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")
    assert "<script>" not in page and "x&lt;script&gt;" in page
    assert "<link" not in page and "src=" not in page  # self-contained


def test_thresholds_from_cli_env_and_pyproject(db: TestDatabase, tmp_path: Path) -> None:
    apply_case(db.dsn, case_named("indexes", "unused_index"))
    base = ["audit", "--dsn", db.dsn, "--select", "unused-index", "--format", "json"]
    assert json.loads(run(*base).stdout)["findings"] == []  # below the 1 MB default
    via_cli = json.loads(run(*base, "--param", "unused-index.min_size_bytes=0").stdout)
    assert [f["object"] for f in via_cli["findings"]] == ["public.news_source_idx on public.news"]
    env = {**os.environ, "PGSAGE_CHECKS": '{"unused-index": {"min_size_bytes": 0}}'}
    via_env = json.loads(run(*base, env=env).stdout)
    assert len(via_env["findings"]) == 1
    config = tmp_path / "pyproject.toml"
    config.write_text("[tool.pgsage.checks.unused-index]\nmin_size_bytes = 0\n")
    via_file = json.loads(run(*base, "--config", str(config)).stdout)
    assert len(via_file["findings"]) == 1
    assert_one_line_error(run(*base, "--param", "oops"), "--param expects CHECK.NAME=VALUE")


# Start-up time: `import pgsage.cli.main` (every command, --help) loads what the option declarations
# need; each command imports its own machinery when it runs. These modules cost from a few to
# a few hundred milliseconds.
LAZY_MODULES = (
    "pgsage.commands.audit",
    "pgsage.checks",
    "pgsage.db.snapshot",
    "pgsage.settings",
    "psycopg",
    "pglast",
    "pydantic",
    "prometheus_client",
    "sqlalchemy",
    "alembic",
    "rich",
    "pgsage.exporter.server",
    "pgsage.monitoring.rules",
    "pgsage.commands.advise",
    "pgsage.commands.lint",
    "pgsage.lint.runner",
    "pgsage.reports.text",
    "pgsage.reports.html",
    "pgsage.commands.baseline",
)


def test_cli_import_leaves_the_commands_machinery_out() -> None:
    code = f"import sys, pgsage.cli.main; print(' '.join(m for m in {LAZY_MODULES!r} if m in sys.modules))"
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert done.stdout.split() == []


def test_audit_json_loads_neither_rich_nor_the_other_renderers(
    db: TestDatabase, tmp_path: Path
) -> None:
    snap = tmp_path / "snap.json"
    assert run("snapshot", "--dsn", db.dsn, "--out", str(snap)).returncode == 0
    code = (
        "import sys\n"
        "from pgsage.cli import main as cli\n"
        "sys.argv[0] = 'pgsage'\n"
        "try:\n"
        "    cli.app()\n"  # not main(): it would end the process without this finally
        "finally:\n"
        "    print(' '.join(sorted(m for m in sys.modules if m.split('.')[0] == 'rich' or "
        "m.startswith('pgsage.reports.'))), file=sys.stderr)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, "audit", "--snapshot", str(snap), "--format", "json"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["findings"] is not None
    assert done.stderr.split() == ["pgsage.reports.json"]
