"""Output that must be exactly right: fix SQL never wrapped, no Python None in evidence, HTML
in names escaped in Markdown, the SQL that ran in the instrument report, -o picks a format."""

from __future__ import annotations

from pathlib import Path

import pytest
from reliability_support import run, workdir

from pgharness import TestServer
from pgsage.fixes.index import CreateIndex
from pgsage.model import (
    CheckResult,
    Evidence,
    Finding,
    ObjectRef,
    Report,
    ServerSummary,
    Severity,
    Status,
)

LONG = "a very long schema name with spaces " * 2
NAMES = [
    pytest.param("sch ema", "tab le " * 12, id="spaces"),
    pytest.param(LONG.strip(), "Ünïcödé_täble_" * 4, id="unicode"),
    pytest.param('it\'s "q"', "x" * 60, id="quotes"),
]


def _report(schema: str, table: str, evidence: Evidence | None = None) -> Report:
    fix = CreateIndex(schema=schema, table=table, columns=("col umn",), name="idx")
    finding = Finding(
        check="missing-index",
        category="indexes",
        severity=Severity.WARNING,
        object=ObjectRef("table", schema, table),
        message=f"table {schema}.{table} <script>alert(1)</script> needs an index",
        evidence=evidence if evidence is not None else {"rows": 10, "last_vacuum": None},
        recommendation="add it",
        fix=fix,
    )
    server = ServerSummary(
        version="18.0",
        version_num=180000,
        database="app",
        user="me",
        superuser=True,
        can_read_all_stats=True,
    )
    return Report(
        server=server, results=(CheckResult("missing-index", Status.FINDINGS, (finding,)),)
    )


@pytest.mark.parametrize(("schema", "table"), NAMES)
@pytest.mark.parametrize("width", [40, 80, 110, 200])
def test_text_report_never_wraps_fix_sql(schema: str, table: str, width: int) -> None:
    from pgsage.reports.text import render

    report = _report(schema, table)
    text = render(report, width=width)
    fix_sql = report.findings[0].fix_sql
    assert fix_sql is not None
    for line in fix_sql.splitlines():
        assert "  " + line in text.splitlines(), line


@pytest.mark.parametrize("fmt", ["text", "markdown", "html", "json"])
def test_evidence_never_prints_python_none(fmt: str) -> None:
    from pgsage.reports import RENDERERS

    evidence: Evidence = {"last_vacuum": None, "list": ["1", None]}  # type: ignore[list-item]
    out = RENDERERS[fmt](_report("s", "t", evidence))
    if fmt != "json":
        assert "None" not in out


@pytest.mark.parametrize(
    "name", ["<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "a & b"]
)
def test_markdown_escapes_html_in_names(name: str) -> None:
    from pgsage.reports.markdown import render

    out = render(_report("public", name))
    # outside code blocks (which no viewer renders as HTML)
    prose = "\n".join(out.split("```")[::2])
    assert "<script>" not in prose and "<img" not in prose
    heading = next(line for line in out.splitlines() if line.startswith("### "))
    assert "&lt;" in heading or "&amp;" in heading


@pytest.mark.parametrize(
    ("sql", "shown"),
    [
        (
            "SELECT * FROM t WHERE v LIKE '%%9%%' AND id = %s",
            "SELECT * FROM t WHERE v LIKE '%9%' AND id = %s",
        ),
        (
            "SELECT * FROM t WHERE v LIKE '%%9%%' AND id = %(id)s",
            "SELECT * FROM t WHERE v LIKE '%9%' AND id = %(id)s",
        ),
        ("SELECT 100 %% 7", "SELECT 100 % 7"),
    ],
)
def test_instrument_shows_the_sql_that_ran(sql: str, shown: str) -> None:
    from pgsage.instrument.shape import analyse

    assert analyse(sql).sql == shown


@pytest.fixture
def offline_snapshot(pg18: TestServer, tmp_path: Path) -> Path:
    db = pg18.create_database()
    try:
        out = tmp_path / "snap" / "snap.json"
        result = run("snapshot", "--dsn", db.dsn, "--out", str(out))
        assert result.returncode == 0, result.stderr
        return out
    finally:
        pg18.drop_database(db.name)


@pytest.mark.parametrize(
    ("suffix", "start"),
    [(".html", "<!DOCTYPE html>"), (".json", "{"), (".md", "# "), (".sarif", "{")],
)
def test_output_suffix_picks_the_format(
    offline_snapshot: Path, tmp_path: Path, suffix: str, start: str
) -> None:
    work = workdir(tmp_path)
    out = work / f"report{suffix}"
    result = run("audit", "--snapshot", str(offline_snapshot), "-o", str(out))
    assert result.returncode in (0, 1), result.stderr
    assert out.read_text().startswith(start)
    assert [p.name for p in work.iterdir()] == [out.name]


def test_contradicting_format_is_noted(offline_snapshot: Path, tmp_path: Path) -> None:
    out = workdir(tmp_path) / "report.html"
    result = run("audit", "--snapshot", str(offline_snapshot), "-o", str(out), "-f", "text")
    assert result.returncode in (0, 1), result.stderr
    assert "--format html matches its suffix" in result.stderr
