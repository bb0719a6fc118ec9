"""Small formatting helpers shared by the renderers."""

from __future__ import annotations

from pgsage.model import CheckResult, Finding, Report, Severity, Status
from pgsage.units import human_bytes

SEVERITY_ORDER = (Severity.ERROR, Severity.WARNING, Severity.INFO)
# Above a fix's Alembic form, which is written as the body of a revision's upgrade().
ALEMBIC_LABEL = "Alembic, in the upgrade() of a revision:"


UNKNOWN = "unknown"  # what a missing value reads as: never Python's "None"


def format_evidence_value(key: str, value: object) -> str:
    if value is None:
        return UNKNOWN
    if isinstance(value, int | float) and not isinstance(value, bool) and key.endswith("bytes"):
        return human_bytes(value)
    if isinstance(value, list | tuple):
        return ", ".join(UNKNOWN if v is None else str(v) for v in value)
    return str(value)


def summary_counts(report: Report) -> dict[str, int]:
    counts = {s.value: 0 for s in SEVERITY_ORDER}
    for finding in report.findings:
        counts[finding.severity.value] += 1
    return counts


def problem_results(report: Report) -> list[tuple[str, str, str]]:
    """(check, status, reason) for checks that did not run cleanly."""
    return [
        (r.check, r.status.value, r.reason or "")
        for r in report.results
        if r.status in (Status.ERROR, Status.TIMEOUT, Status.SKIPPED)
    ]


def partial_results(report: Report) -> list[tuple[str, str]]:
    """(check, reason) for checks that found something in the part of their input they could
    read and say what they could not."""
    return [(r.check, r.reason) for r in report.results if r.status is Status.FINDINGS and r.reason]


def title(report: Report) -> str:
    """``pgsage audit: appdb``; ``pgsage lint`` for a report about files."""
    if report.server is not None:
        return f"pgsage {report.command}: {report.server.database}"
    return f"pgsage {report.command}"


def subtitle(report: Report) -> str:
    """The server line under the title, or the files a lint read."""
    server = report.server
    if server is not None:
        statistics = (
            f" Counter-based findings rest on {server.statistics}." if server.statistics else ""
        )
        return f"PostgreSQL {server.version}, collected {server.collected_at}.{statistics}"
    return ", ".join(f"{n} {what}" for what, n in report.stats.items())


def locked_relations(report: Report) -> tuple[str, ...]:
    return report.server.locked_relations if report.server is not None else ()


def failed_results(report: Report) -> list[CheckResult]:
    """Results of checks that started and did not finish (error, timeout)."""
    return [r for r in report.results if r.status in (Status.ERROR, Status.TIMEOUT)]


def failure_message(result: CheckResult) -> str:
    """The reason without the check's name in front (a lint input's reason starts with its
    file, which is also the check's name)."""
    return (result.reason or result.status.value).removeprefix(f"{result.check}: ")


def where(finding: Finding) -> str:
    """The place a finding points at: ``file:line:col`` for a source finding, else its object."""
    return str(finding.location) if finding.location is not None else finding.subject()


def by_location(findings: list[Finding]) -> list[Finding]:
    """Findings in the order of the files, as a linter lists them (file, line, column); those
    without a location first, in the order given (the report's: by severity)."""

    def key(finding: Finding) -> tuple[str, int, int, str, str]:
        loc = finding.location
        if loc is None:
            return ("", 0, 0, "", "")
        return (loc.file, loc.line or 0, loc.column or 0, finding.check, finding.message)

    return sorted(findings, key=key)


def located_lines(finding: Finding) -> list[str]:
    """``file:line:col: rule [severity] message (revision r)``, with the fix under it."""
    loc = finding.location
    where = str(loc) if loc is not None else finding.subject()
    revision = ""
    if loc is not None and loc.revision:
        revision = f" (revision {loc.revision}{', downgrade' if loc.downgrade else ''})"
    lines = [f"{where}: {finding.check} [{finding.severity.value}] {finding.message}{revision}"]
    fix = finding.fix_sql
    if fix:
        fix_lines = fix.splitlines() or [""]
        lines.append(f"    fix: {fix_lines[0]}")
        lines.extend(f"         {line}" for line in fix_lines[1:])
    return lines
