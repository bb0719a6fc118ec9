"""Small formatting helpers shared by the text renderers."""

from __future__ import annotations

from pgsage.model import Report, Severity, Status
from pgsage.units import human_bytes

SEVERITY_ORDER = (Severity.ERROR, Severity.WARNING, Severity.INFO)
# Above a fix's Alembic form, which is written as the body of a revision's upgrade().
ALEMBIC_LABEL = "Alembic, in the upgrade() of a revision:"


def format_evidence_value(key: str, value: object) -> str:
    if isinstance(value, int | float) and not isinstance(value, bool) and key.endswith("bytes"):
        return human_bytes(value)
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
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


def title(report: Report) -> str:
    """``pgsage audit: appdb``; ``pgsage lint`` for a report about files."""
    if report.server is not None:
        return f"pgsage {report.command}: {report.server.database}"
    return f"pgsage {report.command}"


def subtitle(report: Report) -> str:
    """The server line under the title, or the files a lint read."""
    server = report.server
    if server is not None:
        return f"PostgreSQL {server.version}, collected {server.collected_at}."
    return ", ".join(f"{n} {what}" for what, n in report.stats.items())


def locked_relations(report: Report) -> tuple[str, ...]:
    return report.server.locked_relations if report.server is not None else ()
