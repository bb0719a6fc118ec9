"""Terminal report with Rich: findings grouped by severity, then a summary."""

from __future__ import annotations

import io
import textwrap

from rich.console import Console
from rich.panel import Panel
from rich.text import Text

from pgsage.model import Finding, Report
from pgsage.reports.layout import (
    SEVERITY_ORDER,
    format_evidence_value,
    locked_relations,
    problem_results,
    subtitle,
    summary_counts,
)

STYLES = {"error": "bold red", "warning": "yellow", "info": "cyan"}


def _finding(finding: Finding, width: int) -> Text:
    # Laid out here rather than with a rich Table per finding: measuring 1,000 tables took
    # Rich over a second on a big database, for two columns of plain lines.
    text = Text.assemble((f"[{finding.check}] ", "bold"), finding.message)
    if finding.evidence:
        keys = [f"  {key}" for key in finding.evidence]
        key_width = max(len(key) for key in keys)
        room = max(20, width - key_width - 2)
        for label, (key, value) in zip(keys, finding.evidence.items(), strict=True):
            lines = [
                line
                for part in format_evidence_value(key, value).split("\n")
                for line in (textwrap.wrap(part, room, break_on_hyphens=False) or [""])
            ]
            text.append("\n")
            text.append(label.ljust(key_width), style="dim")
            text.append("  " + ("\n" + " " * (key_width + 2)).join(lines))
    if finding.recommendation:
        text.append("\n")
        text.append(f"  → {finding.recommendation}", style="green")
    if finding.fix_sql:
        text.append("\n")
        text.append("  " + finding.fix_sql.replace("\n", "\n  "), style="magenta")
    return text


def render(report: Report, width: int = 110, color: bool = False) -> str:
    console = Console(
        record=True,
        file=io.StringIO(),
        width=width,
        force_terminal=color,
        no_color=not color,
        color_system="standard" if color else None,
    )
    server = report.server
    heading = (
        f"pgsage {report.command} — {server.database} on PostgreSQL {server.version}"
        if server is not None
        else f"pgsage {report.command} — {subtitle(report)}"
    )
    console.print(Text(heading, style="bold"))
    findings = report.findings
    for severity in SEVERITY_ORDER:
        group = [f for f in findings if f.severity == severity]
        if not group:
            continue
        console.print()
        heading = f"{severity.value.upper()} ({len(group)})"
        console.print(Text(heading, style=STYLES[severity.value]))
        for finding in group:
            console.print(_finding(finding, width))
    locked = locked_relations(report)
    if locked:
        console.print()
        console.print(
            Text(
                f"Not examined (another session holds an ACCESS EXCLUSIVE lock): "
                f"{', '.join(locked)}",
                style="yellow",
            )
        )
    problems = problem_results(report)
    if problems:
        console.print()
        console.print(Text("Checks that did not run", style="bold"))
        for check, status, reason in problems:
            console.print(f"  {check}: {status} — {reason}")
    counts = summary_counts(report)
    summary = ", ".join(f"{n} {level}" for level, n in counts.items())
    ran = sum(1 for r in report.results if r.status.ran)
    console.print()
    console.print(
        Panel(
            f"{len(findings)} findings ({summary}); {ran}/{len(report.results)} checks ran",
            expand=False,
        )
    )
    text = console.export_text(styles=color)
    return "\n".join(line.rstrip() for line in text.splitlines()) + "\n"
