"""Markdown report: a summary table, then each finding with its evidence and fix."""

from __future__ import annotations

import html
from textwrap import dedent

from pgsage.model import Report
from pgsage.reports.layout import (
    ALEMBIC_LABEL,
    SEVERITY_ORDER,
    format_evidence_value,
    locked_relations,
    problem_results,
    subtitle,
    summary_counts,
    title,
    where,
)


def _text(text: str) -> str:
    """Names and messages as text, never as HTML: an object named ``<script>`` is shown, not
    run, where a viewer renders Markdown's inline HTML (headings, paragraphs, tables)."""
    return html.escape(text, quote=False)


def _cell(text: str) -> str:
    return _text(text).replace("|", "\\|").replace("\n", " ")


def render(report: Report) -> str:
    lines = [
        f"# {title(report)}",
        "",
        subtitle(report),
        "",
        "| severity | findings |",
        "| --- | --- |",
    ]
    lines += [f"| {level} | {n} |" for level, n in summary_counts(report).items()]
    findings = report.findings
    for severity in SEVERITY_ORDER:
        group = [f for f in findings if f.severity == severity]
        if not group:
            continue
        lines += ["", f"## {severity.value.capitalize()} ({len(group)})"]
        for finding in group:
            lines += [
                "",
                f"### `{finding.check}` — {_text(where(finding))}",
                "",
                _text(finding.message),
                "",
            ]
            if finding.evidence:
                lines += ["| evidence | value |", "| --- | --- |"]
                lines += [
                    f"| {_cell(k)} | {_cell(format_evidence_value(k, v))} |"
                    for k, v in finding.evidence.items()
                ]
                lines.append("")
            if finding.recommendation:
                lines += [f"**Recommendation:** {_text(finding.recommendation)}", ""]
            if finding.fix_sql:
                lines += ["```sql", finding.fix_sql, "```"]
            if finding.fix_alembic:
                lines += ["", ALEMBIC_LABEL, "", "```python", dedent(finding.fix_alembic), "```"]
    locked = locked_relations(report)
    if locked:
        lines += [
            "",
            "Not examined, because another session holds an ACCESS EXCLUSIVE lock on "
            "them: " + ", ".join(f"`{name}`" for name in locked) + ".",
        ]
    problems = problem_results(report)
    if problems:
        lines += [
            "",
            "## Checks that did not run",
            "",
            "| check | status | reason |",
            "| --- | --- | --- |",
        ]
        lines += [f"| {c} | {s} | {_cell(r)} |" for c, s, r in problems]
    if report.notes:
        lines += ["", "## Notes", ""]
        lines += [f"- {_text(note)}" for note in report.notes]
    return "\n".join(lines) + "\n"
