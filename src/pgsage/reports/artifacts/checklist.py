"""The production checklist as text and JSON: one line per item, pass / fail / skipped, with its
evidence (a passing item's ``reason``, a failing item's findings, a skipped item's reason)."""

from __future__ import annotations

import json

from pgsage.model import CheckResult, Report, Status
from pgsage.reports.layout import format_evidence_value

__all__ = ["passed", "render_json", "render_text", "verdict"]


def verdict(result: CheckResult) -> str:
    if result.status is Status.OK:
        return "pass"
    if result.status is Status.SKIPPED:
        return "skipped"
    return "fail"  # findings, error, timeout: the item is not shown to hold


def passed(report: Report) -> bool:
    return all(verdict(r) != "fail" for r in report.results)


def _evidence(result: CheckResult) -> list[str]:
    if not result.findings:
        return [result.reason or ""]
    lines = []
    for finding in result.findings:
        lines.append(finding.message)
        lines += [
            f"  {key}: {format_evidence_value(key, value) if value not in ([], None, '') else 'none'}"
            for key, value in finding.evidence.items()
        ]
        if finding.fix_sql:
            lines += ["  fix:", *(f"    {line}" for line in finding.fix_sql.splitlines())]
    return lines


def render_text(report: Report) -> str:
    width = max((len(r.check) for r in report.results), default=0)
    lines = []
    for result in report.results:
        first, *rest = _evidence(result)
        lines.append(f"{verdict(result).upper():7} {result.check:{width}}  {first}")
        lines += [f"{'':7} {'':{width}}  {line}" for line in rest]
    counts = {
        v: sum(1 for r in report.results if verdict(r) == v) for v in ("pass", "fail", "skipped")
    }
    lines.append("")
    lines.append(f"{counts['pass']} passed, {counts['fail']} failed, {counts['skipped']} skipped")
    return "\n".join(lines) + "\n"


def render_json(report: Report) -> str:
    items = [
        {
            "item": r.check,
            "status": verdict(r),
            "evidence": r.reason if not r.findings else None,
            "findings": [f.to_json() for f in r.findings],
        }
        for r in report.results
    ]
    document = {"command": report.command, "passed": passed(report), "items": items}
    return json.dumps(document, indent=2) + "\n"
