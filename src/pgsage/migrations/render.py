"""Text rendering of migrations results (JSON is each result's ``to_json``)."""

from __future__ import annotations

from pgsage.migrations.findings import CheckOutcome, MigrationFinding


def finding_lines(finding: MigrationFinding) -> list[str]:
    lines = [f"{finding.severity.value:<7} {finding.check:<24} {finding.location()}",
             f"        {finding.message}"]
    lines.extend(f"          - {detail}" for detail in finding.details)
    return lines


def render_check(outcome: CheckOutcome) -> str:
    lines = [f"{stage:<10} {status}" for stage, status in outcome.stages.items()]
    findings = outcome.sorted_findings()
    if findings:
        lines.append("")
        for finding in findings:
            lines.extend(finding_lines(finding))
    lines.append("")
    lines.append(f"{len(findings)} finding(s)")
    return "\n".join(lines) + "\n"
