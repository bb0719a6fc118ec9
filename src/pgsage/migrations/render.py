"""Text rendering of migrations results (JSON is each result's ``to_json``)."""

from __future__ import annotations

from pgsage.migrations.findings import CheckOutcome, MigrationFinding
from pgsage.migrations.trace import TraceResult


def finding_lines(finding: MigrationFinding) -> list[str]:
    lines = [
        f"{finding.severity.value:<7} {finding.check:<24} {finding.location()}",
        f"        {finding.message}",
    ]
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


def render_trace(result: TraceResult) -> str:
    lines: list[str] = []
    source = None
    for trace in result.statements:
        if trace.source != source:
            if source is not None:
                lines.extend(_held(result, source))
            source = trace.source
            lines.append(f"== {source}")
        where = f" (line {trace.line})" if trace.line else ""
        flat = " ".join(trace.sql.split())
        lines.append(f"[{trace.number}]{where} {flat[:160]}{'...' if len(flat) > 160 else ''}")
        if trace.error:
            lines.append(f"    error: {trace.error}")
        fx = trace.effects
        if fx is None:
            if not trace.error or not trace.transactional:
                lines.append("    ran outside a transaction (autocommit): locks not measured")
            continue
        if not trace.transactional:
            lines.append(
                "    ran outside a transaction (autocommit): locks sampled while it "
                "waited for older transactions"
            )
        for lock in fx.locks:
            new = "" if lock.preexisting else "  (created in this step)"
            lines.append(f"    lock  {lock.mode:<22} {lock.relation} ({lock.kind}){new}")
        for label, items in (
            ("rewritten", fx.rewritten),
            ("scanned", fx.scanned),
            ("created", fx.created),
            ("dropped", fx.dropped),
        ):
            if items:
                lines.append(f"    {label}: {', '.join(items)}")
        if not (fx.locks or fx.rewritten or fx.scanned or fx.created or fx.dropped):
            lines.append("    no locks on user relations")
    if source is not None:
        lines.extend(_held(result, source))
    findings = sorted(result.findings, key=MigrationFinding.sort_key)
    if findings:
        lines.append("")
        for finding in findings:
            lines.extend(finding_lines(finding))
    lines.append("")
    lines.append(f"{len(result.statements)} statement(s), {len(findings)} finding(s)")
    return "\n".join(lines) + "\n"


def _held(result: TraceResult, source: str) -> list[str]:
    held = result.held_until_commit(source)
    if not held:
        return []
    return [
        "  held until commit when run in one transaction: "
        + ", ".join(f"{lock.mode} on {lock.relation}" for lock in held)
    ]
