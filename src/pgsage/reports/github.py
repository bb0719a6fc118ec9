"""GitHub Actions workflow commands, one annotation per finding:
``::warning file=…,line=…,col=…,title=pgsage <check>::message``. A finding without a source
location (an audit's) is annotated on the run, its object named in the message; a check that
did not finish is an ``::error``."""

from __future__ import annotations

from pgsage.model import Finding, Report, Severity
from pgsage.reports.layout import by_location, failed_results, failure_message

_COMMAND = {Severity.INFO: "notice", Severity.WARNING: "warning", Severity.ERROR: "error"}


def _data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _property(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")


def annotation(finding: Finding) -> str:
    loc = finding.location
    properties = []
    if loc is not None:
        properties.append(f"file={_property(loc.file)}")
        if loc.line is not None:
            properties.append(f"line={loc.line}")
            if loc.column is not None:
                properties.append(f"col={loc.column}")
    properties.append(f"title={_property('pgsage ' + finding.check)}")
    message = finding.message
    if loc is None and finding.object is not None:
        message = f"{finding.object}: {message}"
    fix = finding.fix_sql
    # Newlines are kept (%0A): a fix spans lines and may hold `-- comment` lines.
    if fix:
        message += f"\n\nfix:\n{fix}"
    return f"::{_COMMAND[finding.severity]} {','.join(properties)}::{_data(message)}"


def render(report: Report) -> str:
    lines = [annotation(f) for f in by_location(report.findings)]
    lines.extend(
        f"::error title={_property('pgsage ' + r.check)}::{_data(failure_message(r))}"
        for r in failed_results(report)
    )
    return "\n".join(lines) + ("\n" if lines else "")
