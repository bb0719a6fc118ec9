"""The revision graph: every problem is a finding with its file and line, never a traceback."""

from __future__ import annotations

import json
from pathlib import Path

from migproj import PROJECTS, project, run_cli

from pgsage.migrations.findings import revision_of
from pgsage.migrations.graph import load_graph
from pgsage.migrations.project import find_project
from pgsage.model import Severity


def by_check(name: str) -> dict[str, list[str]]:
    graph = load_graph(project(name))
    found: dict[str, list[str]] = {}
    for finding in graph.findings:
        where = finding.location
        found.setdefault(finding.check, []).append(
            (where.revision or where.file) if where is not None else ""
        )
    return found


def test_healthy_project_has_one_head_and_no_findings() -> None:
    graph = load_graph(project("healthy"))
    assert graph.findings == []
    assert graph.heads == ["h003"]
    assert [r.id for r in graph.order()] == ["h001", "h002", "h003"]


def test_broken_graph_reports_every_problem_at_once() -> None:
    found = by_check("broken_graph")
    assert set(found) == {
        "dangling-down-revision",
        "duplicate-revision",
        "multiple-heads",
        "unloadable-revision",
    }
    assert found["dangling-down-revision"] == ["g004"]
    assert found["duplicate-revision"] == ["g002"]
    assert found["unloadable-revision"][0].endswith("g006_unloadable.py")
    heads = next(
        f for f in load_graph(project("broken_graph")).findings if f.check == "multiple-heads"
    )
    assert "g002, g003, g004" in heads.message


def test_missing_and_bare_pass_downgrades() -> None:
    graph = load_graph(project("missing_downgrade"))
    found = {
        (f.check, revision_of(f), f.location.line if f.location else None) for f in graph.findings
    }
    assert found == {("empty-downgrade", "m002", 15), ("missing-downgrade", "m003", 12)}
    assert all(f.severity is Severity.WARNING for f in graph.findings)


def test_dir_may_name_the_versions_folder_itself() -> None:
    versions = PROJECTS / "missing_downgrade" / "versions"
    graph = load_graph(find_project(None, versions))
    assert {(f.check, revision_of(f)) for f in graph.findings} == {
        ("empty-downgrade", "m002"),
        ("missing-downgrade", "m003"),
    }


def test_labelled_branches_are_not_multiple_heads(tmp_path: Path) -> None:
    root = tmp_path
    (root / "versions").mkdir()
    for rev, down, label in (("b1", None, "alpha"), ("b2", None, "beta"), ("b3", "b1", None)):
        (root / "versions" / f"{rev}.py").write_text(
            f"revision = {rev!r}\ndown_revision = {down!r}\nbranch_labels = "
            f"{(label,) if label else None!r}\n\ndef upgrade():\n    pass\n\n"
            "def downgrade():\n    pass\n"
        )
    graph = load_graph(find_project(None, root))
    assert graph.heads == ["b2", "b3"]
    assert [f.check for f in graph.findings] == []


def test_cli_graph_only_json_and_exit_codes() -> None:
    result = run_cli(
        "check", "--dir", str(PROJECTS / "broken_graph"), "--no-server", "--format", "json"
    )
    assert result.returncode == 1, result.stderr
    payload = json.loads(result.stdout)
    assert payload["stages"]["graph"] == "findings"
    assert payload["stages"]["upgrade"] == "not run: --no-server"
    assert {f["check"] for f in payload["findings"]} >= {"multiple-heads", "duplicate-revision"}
    assert "Traceback" not in result.stderr
    clean = run_cli("check", "--config", str(PROJECTS / "healthy" / "alembic.ini"), "--no-server")
    assert clean.returncode == 0, clean.stdout + clean.stderr


def test_cli_bad_input_is_one_line_and_exit_2() -> None:
    for args in (
        ["check", "--config", "/nonexistent/alembic.ini"],
        ["check", "--dir", "/nonexistent/alembic"],
        [
            "check",
            "--dir",
            str(PROJECTS / "healthy" / "alembic"),
            "--models",
            "no_such_module:metadata",
            "--no-roundtrip",
        ],
        ["check", "--dir", str(PROJECTS / "healthy" / "alembic"), "--dsn", "this is = not a dsn"],
        ["trace", "--dir", str(PROJECTS / "healthy" / "alembic"), "missing.sql"],
        ["squash", "--dir", str(PROJECTS / "healthy" / "alembic"), "--rev-id", "bad id!"],
    ):
        result = run_cli(*args)
        assert result.returncode == 2, (args, result.stdout, result.stderr)
        lines = result.stderr.strip().splitlines()
        assert lines[-1].startswith("pgsage: error: "), lines
        assert "Traceback" not in result.stderr


def test_trace_revision_selection() -> None:
    import pytest

    from pgsage.errors import UsageError
    from pgsage.migrations.trace import select_revisions

    graph = load_graph(project("healthy"))
    assert select_revisions(graph, None, None) == {"h001", "h002", "h003"}
    assert select_revisions(graph, None, "h001") == {"h002", "h003"}
    assert select_revisions(graph, ["h001", "h003"], "h001") == {"h003"}
    with pytest.raises(UsageError):
        select_revisions(graph, None, "nope")


def test_cli_check_renders_every_format() -> None:
    """The check's Report goes through the shared renderers: every format, locations kept."""
    import importlib.util

    broken = str(PROJECTS / "broken_graph")
    text = run_cli("check", "--dir", broken, "--no-server")
    assert text.returncode == 1, text.stderr
    assert "multiple-heads" in text.stdout and "3 heads: g002, g003, g004" in text.stdout
    assert "upgrade: skipped — --no-server" in text.stdout
    markdown = run_cli("check", "--dir", broken, "--no-server", "--format", "markdown")
    assert "### `dangling-down-revision` — " in markdown.stdout
    assert "versions/g004_dangling.py:7" in markdown.stdout  # the finding's location
    for fmt in ("html", "github", "sarif"):
        if importlib.util.find_spec(f"pgsage.reports.{fmt}") is None:
            continue  # the renderer module comes with the lint conversion
        result = run_cli("check", "--dir", broken, "--no-server", "--format", fmt)
        assert result.returncode == 1, (fmt, result.stderr)
        assert "duplicate-revision" in result.stdout, fmt
        assert "Traceback" not in result.stderr


def test_cli_check_sarif_has_a_result_per_finding_with_its_file(tmp_path: Path) -> None:
    import pytest

    pytest.importorskip("pgsage.reports.sarif")
    out = tmp_path / "check.sarif"
    result = run_cli(
        "check",
        "--dir",
        str(PROJECTS / "missing_downgrade"),
        "--no-server",
        "--format",
        "sarif",
        "--output",
        str(out),
    )
    assert result.returncode == 1, result.stderr
    assert result.stdout == ""
    sarif = json.loads(out.read_text())
    results = sarif["runs"][0]["results"]
    assert sorted(r["ruleId"] for r in results) == ["empty-downgrade", "missing-downgrade"]
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in results}
    assert all(uri.endswith(".py") for uri in uris), uris
