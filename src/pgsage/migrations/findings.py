"""Migration problems as the one result model's ``Finding``s: check id, severity, message, where.

Every migrations stage (graph, upgrade, drift, round-trip, trace, squash's verification) reports
``pgsage.model.Finding`` with category ``migrations``; the revision and file it is about are its
``Location`` and the lines that explain it (schema differences, heads) are ``evidence.details``.
"""

from __future__ import annotations

from collections.abc import Iterable

from pgsage.model import Finding, Location, ObjectRef, Severity

CATEGORY = "migrations"


def migration_finding(
    check: str,
    severity: Severity,
    message: str,
    *,
    revision: str | None = None,
    file: str | None = None,
    line: int | None = None,
    details: Iterable[str] = (),
    obj: ObjectRef | None = None,
) -> Finding:
    """A migrations ``Finding``. A finding about a revision names its file whenever the caller
    knows it; one about a revision without a known file keeps the revision id as the file, so
    that every renderer still says where it is."""
    location = None
    if file is not None or revision is not None:
        location = Location(
            file=file if file is not None else revision or "", line=line, revision=revision
        )
    shown = list(details)
    return Finding(
        check=check,
        category=CATEGORY,
        severity=severity,
        object=obj,
        message=message,
        evidence={"details": shown} if shown else {},
        location=location,
    )


def revision_of(finding: Finding) -> str | None:
    """The revision a finding is about, if any."""
    return finding.location.revision if finding.location is not None else None


def details_of(finding: Finding) -> tuple[str, ...]:
    details = finding.evidence.get("details")
    return tuple(details) if isinstance(details, list) else ()
