"""A self-contained HTML report: one file, inline CSS, no scripts, everything escaped."""

from __future__ import annotations

from html import escape
from textwrap import dedent

from pgsage.model import Finding, Report
from pgsage.reports.layout import (
    ALEMBIC_LABEL,
    SEVERITY_ORDER,
    format_evidence_value,
    problem_results,
    subtitle,
    summary_counts,
    title,
    where,
)

CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,sans-serif;margin:2rem auto;max-width:72rem;
color:#1f2328;padding:0 1rem}
h1{font-size:1.6rem}h2{margin-top:2rem;border-bottom:1px solid #d0d7de;padding-bottom:.3rem}
.summary span{display:inline-block;margin-right:1rem;padding:.2rem .6rem;border-radius:.3rem}
.error{background:#ffebe9;border-left:4px solid #cf222e}
.warning{background:#fff8c5;border-left:4px solid #bf8700}
.info{background:#ddf4ff;border-left:4px solid #0969da}
.finding{margin:1rem 0;padding:.8rem 1rem;border-radius:.3rem}
.finding h3{margin:0 0 .4rem 0;font-size:1rem}
code,pre{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:.85rem}
pre{background:#f6f8fa;padding:.6rem;overflow-x:auto;border-radius:.3rem}
table{border-collapse:collapse;margin:.4rem 0}td,th{padding:.15rem .8rem .15rem 0;
text-align:left;vertical-align:top}td:first-child{color:#57606a}
.muted{color:#57606a}
"""


def _finding(finding: Finding) -> str:
    rows = "".join(
        f"<tr><td>{escape(key)}</td><td>{escape(format_evidence_value(key, value))}</td></tr>"
        for key, value in finding.evidence.items()
    )
    parts = [
        f'<div class="finding {finding.severity.value}">',
        f"<h3><code>{escape(finding.check)}</code> — {escape(where(finding))}</h3>",
        f"<p>{escape(finding.message)}</p>",
    ]
    if rows:
        parts.append(f"<table>{rows}</table>")
    if finding.recommendation:
        parts.append(f"<p><strong>Recommendation:</strong> {escape(finding.recommendation)}</p>")
    if finding.fix_sql:
        parts.append(f"<pre>{escape(finding.fix_sql)}</pre>")
    if finding.fix_alembic:
        parts.append(f"<p>{escape(ALEMBIC_LABEL)}</p>")
        parts.append(f'<pre class="alembic">{escape(dedent(finding.fix_alembic))}</pre>')
    parts.append("</div>")
    return "\n".join(parts)


def render(report: Report) -> str:
    counts = summary_counts(report)
    heading = title(report)
    body = [
        f"<h1>{escape(heading)}</h1>",
        f'<p class="muted">{escape(subtitle(report))}</p>',
        '<p class="summary">'
        + "".join(f'<span class="{level}">{n} {level}</span>' for level, n in counts.items())
        + "</p>",
    ]
    findings = report.findings
    for severity in SEVERITY_ORDER:
        group = [f for f in findings if f.severity == severity]
        if group:
            body.append(f"<h2>{severity.value.capitalize()} ({len(group)})</h2>")
            body += [_finding(f) for f in group]
    problems = problem_results(report)
    if problems:
        body.append("<h2>Checks that did not run</h2><table>")
        body += [
            f"<tr><td>{escape(c)}</td><td>{escape(s)}</td><td>{escape(r)}</td></tr>"
            for c, s, r in problems
        ]
        body.append("</table>")
    if not findings:
        body.append("<p>No findings.</p>")
    if report.notes:
        body.append("<h2>Notes</h2><ul>")
        body += [f"<li>{escape(note)}</li>" for note in report.notes]
        body.append("</ul>")
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{escape(heading)}</title><style>{CSS}</style></head><body>\n"
        + "\n".join(body)
        + "\n</body></html>\n"
    )
