"""Terminal report: findings grouped by severity, then a summary (with Rich); a report about
files (lint) lists its findings as a linter does, ``file:line:col: rule [severity] message``."""

from __future__ import annotations

import io
import textwrap

from rich.console import Console
from rich.panel import Panel
from rich.text import Text

from pgsage.model import Finding, Report
from pgsage.reports.layout import (
    SEVERITY_ORDER,
    by_location,
    failure_message,
    format_evidence_value,
    located_lines,
    locked_relations,
    partial_results,
    problem_results,
    subtitle,
    summary_counts,
)

STYLES = {"error": "bold red", "warning": "yellow", "info": "cyan"}


def _finding(finding: Finding, width: int) -> Text:
    # Laid out here rather than with a rich Table per finding: measuring 1,000 tables took
    # Rich over a second on a big database, for two columns of plain lines.
    if finding.location is not None:
        # lint's form, which editors and CI logs link: file:line:col: rule [severity] message
        text = Text.assemble(
            (f"{finding.location}: {finding.check} ", "bold"),
            f"[{finding.severity.value}] {finding.message}",
        )
    else:
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
    return text


def _fix(finding: Finding) -> Text | None:
    """The fix SQL, printed never wrapped (soft_wrap): a line broken inside a quoted name or
    literal would paste as a different statement. At any width, also into a file."""
    if not finding.fix_sql:
        return None
    return Text("  " + finding.fix_sql.replace("\n", "\n  "), style="magenta")


def render(report: Report, width: int = 110, color: bool = False) -> str:
    if report.server is None and "files" in report.stats:
        return render_file_report(report)
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
    if server is not None and server.statistics:
        console.print(Text(f"Counter-based findings rest on {server.statistics}.", style="dim"))
    findings = report.findings
    for severity in SEVERITY_ORDER:
        group = [f for f in findings if f.severity == severity]
        if not group:
            continue
        console.print()
        heading = f"{severity.value.upper()} ({len(group)})"
        console.print(Text(heading, style=STYLES[severity.value]))
        for finding in group:
            # a source finding stays on its line: editors and CI logs link file:line:col
            console.print(_finding(finding, width), soft_wrap=finding.location is not None)
            fix = _fix(finding)
            if fix is not None:
                console.print(fix, soft_wrap=True)
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
    partial = partial_results(report)
    if partial:
        console.print()
        console.print(Text("Checks that read part of their input", style="bold"))
        for check, reason in partial:
            console.print(f"  {check}: {reason}")
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


def render_file_report(report: Report) -> str:
    """Plain lines, one per finding in file order, never wrapped (editors and CI logs link
    ``file:line:col``), then what could not be read, the notes and one summary line."""
    findings = report.findings
    lines = [line for finding in by_location(findings) for line in located_lines(finding)]
    for result in report.results:
        if not result.status.ran:
            lines.append(f"{result.check}: {result.status.value}: {failure_message(result)}")
    lines += [f"note: {note}" for note in report.notes]
    count = len(findings)
    files = report.stats.get("files", 0)
    summary = (
        f"{count} violation{'s' if count != 1 else ''} in {files} file{'s' if files != 1 else ''}"
    )
    if "statements" in report.stats:
        summary += f" ({report.stats['statements']} statements)"
    lines.append(summary)
    return "\n".join(lines) + "\n"
