"""SARIF and GitHub annotations for any Report: an audit's (objects, no source locations) and
a lint's (files, lines, the rules' metadata); and the legacy keys of lint's JSON."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from pgsage.commands.lint import LintRequest, lint
from pgsage.fixes.text import SqlText
from pgsage.model import (
    CheckResult,
    FailOn,
    Finding,
    ObjectRef,
    Report,
    ServerSummary,
    Severity,
    Status,
)
from pgsage.reports import RENDERERS

DUPLICATE = Finding(
    check="duplicate-index",
    category="indexes",
    severity=Severity.WARNING,
    object=ObjectRef("index", "public", "ix_a", table="orders"),
    message="ix_a duplicates ix_b, 8 kB",
    evidence={"size_bytes": 8192},
    fix=SqlText("DROP INDEX CONCURRENTLY public.ix_a;"),
)
SERVER_WIDE = Finding(
    check="shared-buffers",
    category="settings",
    severity=Severity.INFO,
    object=None,
    message="shared_buffers is the default 128 MB",
)
AUDIT = Report(
    server=ServerSummary(version="18.0", version_num=180000, database="appdb", user="u"),
    results=(
        CheckResult("duplicate-index", Status.FINDINGS, (DUPLICATE,)),
        CheckResult("shared-buffers", Status.FINDINGS, (SERVER_WIDE,)),
        CheckResult("unused-index", Status.OK),
        CheckResult("table-bloat", Status.TIMEOUT, reason="statement timeout"),
    ),
)

MIGRATION = """\
SET lock_timeout = '2s';
CREATE INDEX ix_orders_user ON orders (user_id);
ALTER TABLE orders ADD COLUMN note text; -- pgsage: ignore[renaming-column] stale
"""


@pytest.fixture
def lint_report(tmp_path: Path) -> Report:
    (tmp_path / "0001_orders.sql").write_text(MIGRATION)
    return lint(LintRequest(paths=[tmp_path / "0001_orders.sql"]))


def sarif(report: Report) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(RENDERERS["sarif"](report))
    assert document["version"] == "2.1.0" and len(document["runs"]) == 1
    run: dict[str, Any] = document["runs"][0]
    return run


def test_sarif_of_an_audit_names_objects_as_logical_locations() -> None:
    run = sarif(AUDIT)
    by_rule = {r["ruleId"]: r for r in run["results"]}
    duplicate = by_rule["duplicate-index"]
    assert duplicate["level"] == "warning"
    assert duplicate["locations"] == [
        {
            "logicalLocations": [
                {
                    "name": "ix_a",
                    "fullyQualifiedName": "public.ix_a on public.orders",
                    "kind": "index",
                }
            ]
        }
    ]
    assert duplicate["message"]["text"].startswith("public.ix_a on public.orders: ix_a dup")
    assert "Fix: DROP INDEX CONCURRENTLY public.ix_a;" in duplicate["message"]["text"]
    assert duplicate["properties"] == {"evidence": {"size_bytes": 8192}}
    # a finding about no object is about the database examined
    assert by_rule["shared-buffers"]["level"] == "note"
    assert by_rule["shared-buffers"]["locations"] == [
        {"logicalLocations": [{"name": "appdb", "kind": "database"}]}
    ]
    # without the producer's metadata, each reported check still has a descriptor
    rules = run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == ["duplicate-index", "shared-buffers"]
    assert all(rules[r["ruleIndex"]]["id"] == r["ruleId"] for r in run["results"])
    (invocation,) = run["invocations"]
    assert invocation["executionSuccessful"] is False
    assert invocation["toolExecutionNotifications"] == [
        {
            "level": "error",
            "message": {"text": "statement timeout"},
            "descriptor": {"id": "table-bloat"},
        }
    ]


def test_sarif_of_a_lint_points_at_lines_and_describes_every_rule(lint_report: Report) -> None:
    run = sarif(lint_report)
    rules = run["tool"]["driver"]["rules"]
    ids = [r["id"] for r in rules]
    assert ids == sorted(ids) and "prefer-identity" in ids  # opt-in rules described too
    first = run["results"][0]
    assert rules[first["ruleIndex"]]["id"] == first["ruleId"] == "require-concurrent-index-creation"
    assert rules[first["ruleIndex"]]["properties"]["group"] == "locking"
    assert rules[first["ruleIndex"]]["defaultConfiguration"] == {"level": "warning"}
    physical = first["locations"][0]["physicalLocation"]
    assert physical["region"] == {"startLine": 2, "startColumn": 1}
    assert physical["artifactLocation"]["uri"].endswith("/0001_orders.sql")
    assert run["invocations"][0]["executionSuccessful"] is True


def test_github_annotations_of_an_audit_have_no_file() -> None:
    lines = RENDERERS["github"](AUDIT).splitlines()
    assert lines == [
        "::warning title=pgsage duplicate-index::public.ix_a on public.orders: ix_a duplicates "
        "ix_b, 8 kB%0A%0Afix:%0ADROP INDEX CONCURRENTLY public.ix_a;",
        "::notice title=pgsage shared-buffers::shared_buffers is the default 128 MB",
        "::error title=pgsage table-bloat::statement timeout",
    ]


def test_github_annotations_of_a_lint_point_at_lines(lint_report: Report) -> None:
    lines = RENDERERS["github"](lint_report).splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("::warning file=") and ",line=2,col=1,title=pgsage " in lines[0]
    assert "%0A%0Afix:%0ACREATE INDEX CONCURRENTLY" in lines[0]
    assert ",line=3,col=1,title=pgsage unused-suppression::" in lines[1]


def test_json_keeps_lint_legacy_keys_beside_the_unified_document(lint_report: Report) -> None:
    document = json.loads(RENDERERS["json"](lint_report))
    assert document["command"] == "lint" and document["server"] is None
    assert document["stats"] == {"files": 1, "statements": 3}
    assert [f["check"] for f in document["findings"]] == [
        "require-concurrent-index-creation",
        "unused-suppression",
    ]
    assert document["findings"][0]["location"]["line"] == 2
    violation = document["violations"][0]
    assert set(violation) == {
        "file",
        "line",
        "column",
        "rule",
        "aliases",
        "severity",
        "message",
        "group",
        "fix",
        "revision",
        "downgrade",
    }
    assert violation["fix"].startswith("CREATE INDEX CONCURRENTLY")
    assert document["errors"] == []
    assert document["summary"] == {"files": 1, "statements": 3, "violations": 2}
    assert document["notes"] == []
    audit = json.loads(RENDERERS["json"](AUDIT))
    assert not {"violations", "errors", "summary"} & set(audit)


def test_lint_report_results_and_gate(lint_report: Report, tmp_path: Path) -> None:
    statuses = {r.check: r.status for r in lint_report.results}
    assert statuses["require-concurrent-index-creation"] is Status.FINDINGS
    assert statuses["ban-drop-column"] is Status.OK
    assert "prefer-identity" in statuses and "prefer-text-field" not in statuses  # opt-in
    finding = lint_report.findings[0]
    assert finding.object == ObjectRef("table", "", "orders")
    assert finding.aliases == ("require-concurrent-index-creation",)
    assert lint_report.gate(FailOn.INFO).exit_code == 1
    assert lint_report.gate(FailOn.ERROR).exit_code == 0
    broken = tmp_path / "0002_broken.py"
    broken.write_text(
        'revision = "0002"\ndown_revision = None\nimport not_a_module\n\n\ndef upgrade():\n    pass\n'
    )
    with_error = lint(LintRequest(paths=[tmp_path / "0001_orders.sql", broken]))
    (failed,) = with_error.not_run()
    assert failed.status is Status.ERROR and failed.reason is not None
    assert failed.reason.startswith(f"{broken}: cannot import the revision")
    gate = with_error.gate(FailOn.INFO)
    assert gate.exit_code == 2 and str(broken) in gate.reason
    text = RENDERERS["text"](with_error)
    assert f"{broken}: error: cannot import the revision" in text
    assert text.endswith("2 violations in 1 file (3 statements)\n")


def test_every_format_renders_both_kinds_of_report(lint_report: Report) -> None:
    mixed = Report(server=AUDIT.server, results=AUDIT.results + lint_report.results)
    for report in (AUDIT, lint_report, mixed):
        for fmt, render in RENDERERS.items():
            assert render(report), fmt
    text = RENDERERS["text"](mixed)
    assert ":2:1: require-concurrent-index-creation [warning] CREATE INDEX" in text
    assert "[duplicate-index] ix_a duplicates ix_b" in text
    assert "0001_orders.sql:2:1" in RENDERERS["markdown"](lint_report)


def test_a_format_is_a_module_of_pgsage_reports() -> None:
    """Adding reports/<format>.py adds --format <format> everywhere: no list to edit."""
    from pgsage.reports import FORMATS, RENDERERS

    assert FORMATS == ("github", "html", "json", "markdown", "sarif", "text")
    assert sorted(RENDERERS) == list(FORMATS)
    assert all(callable(RENDERERS[fmt]) for fmt in FORMATS)
