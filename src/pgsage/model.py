"""The one result model: typed, frozen, JSON-able results shared by every command and renderer.

Audit checks, lint rules, migration checks and the advisor all report ``Finding``s inside one
``Report``; the renderers in ``pgsage.reports`` turn any Report into text, JSON, Markdown, HTML,
SARIF or GitHub annotations, and ``Report.gate`` is the one ``--fail-on``. This module imports
nothing of pgsage: a fix is any object with ``to_sql()`` and ``to_alembic()`` (``pgsage.fixes``).
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any, Protocol

__all__ = [
    "CheckResult",
    "Evidence",
    "EvidenceValue",
    "FailOn",
    "Finding",
    "Fix",
    "Gate",
    "Location",
    "ObjectRef",
    "Report",
    "RuleInfo",
    "ServerSummary",
    "Severity",
    "Status",
]


class Severity(StrEnum):
    INFO = "info"
    WARNING = "warning"
    ERROR = "error"

    @property
    def rank(self) -> int:
        return _SEVERITY_RANK[self]


_SEVERITY_RANK = {Severity.INFO: 0, Severity.WARNING: 1, Severity.ERROR: 2}


class Status(StrEnum):
    OK = "ok"
    FINDINGS = "findings"
    SKIPPED = "skipped"
    ERROR = "error"
    TIMEOUT = "timeout"

    @property
    def ran(self) -> bool:
        return self in (Status.OK, Status.FINDINGS)


@dataclass(frozen=True, order=True)
class ObjectRef:
    """A database object a finding is about: kind is table, index, constraint, sequence, ..."""

    kind: str
    schema: str
    name: str
    table: str | None = None

    def __str__(self) -> str:
        qualified = f"{self.schema}.{self.name}" if self.schema else self.name
        if self.table and self.kind != "table":
            return f"{qualified} on {self.schema}.{self.table}"
        return qualified


@dataclass(frozen=True, order=True)
class Location:
    """Where in a source file a finding is (lint, migrations): 1-based line and column."""

    file: str
    line: int | None = None
    column: int | None = None
    revision: str | None = None  # the Alembic revision the file holds
    downgrade: bool = False  # found in the revision's downgrade()

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        return where

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


class Fix(Protocol):
    """A fix as data: the objects in ``pgsage.fixes`` render themselves both ways."""

    def to_sql(self) -> str: ...

    def to_alembic(self) -> str: ...


EvidenceValue = int | float | str | bool | list[str] | None
Evidence = dict[str, EvidenceValue]


@dataclass(frozen=True)
class Finding:
    """One problem: ``check`` is the stable kebab-case id of the check, rule or stage that found
    it; ``object`` the database object (None for a finding about a file), ``location`` where in
    a source file (None for a finding about the database)."""

    check: str
    category: str
    severity: Severity
    object: ObjectRef | None
    message: str
    evidence: Evidence = field(default_factory=dict)
    recommendation: str = ""
    fix: Fix | None = None
    location: Location | None = None
    aliases: tuple[str, ...] = ()  # other names of the check (squawk's rule names)

    @property
    def fix_sql(self) -> str | None:
        return self.fix.to_sql() if self.fix is not None else None

    @property
    def fix_alembic(self) -> str | None:
        return self.fix.to_alembic() if self.fix is not None else None

    def subject(self) -> str:
        """What the finding is about, as one string: the object, else the location."""
        if self.object is not None:
            return str(self.object)
        return str(self.location) if self.location is not None else ""

    def sort_key(self) -> tuple[int, str, str, str, str, int, int, tuple[str | int, ...]]:
        obj = self.object
        loc = self.location
        return (
            -self.severity.rank,
            self.check,
            obj.schema if obj else "",
            obj.name if obj else "",
            loc.file if loc else "",
            (loc.line or 0) if loc else 0,
            (loc.column or 0) if loc else 0,
            natural_order(self.message),  # "statement 2" before "statement 10"
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "check": self.check,
            "category": self.category,
            "severity": self.severity.value,
            "object": self.subject(),
            "object_ref": asdict(self.object) if self.object is not None else None,
            "location": self.location.to_json() if self.location is not None else None,
            "message": self.message,
            "evidence": dict(self.evidence),
            "recommendation": self.recommendation,
            "fix_sql": self.fix_sql,
            "fix_alembic": self.fix_alembic,
        }


@dataclass(frozen=True)
class CheckResult:
    """How one check (rule, stage) went: ran cleanly, found something, or did not run and why."""

    check: str
    status: Status
    findings: tuple[Finding, ...] = ()
    reason: str | None = None
    duration_ms: float = 0.0

    def to_json(self) -> dict[str, Any]:
        return {"check": self.check, "status": self.status.value, "reason": self.reason}


@dataclass(frozen=True)
class RuleInfo:
    """What a check or rule is, for the formats that describe their rules (SARIF's
    ``tool.driver.rules``): the producer fills ``Report.rules``, so no renderer imports it."""

    id: str
    category: str
    severity: Severity  # the default severity
    summary: str
    description: str = ""
    help: str = ""
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class ServerSummary:
    """The server a report is about, as the audit's snapshot saw it."""

    version: str
    version_num: int
    database: str
    user: str
    superuser: bool = False
    can_read_all_stats: bool = False
    in_recovery: bool = False
    extensions: dict[str, str] = field(default_factory=dict)
    collected_at: str = ""
    snapshot_ms: float = 0.0
    locked_relations: tuple[str, ...] = ()
    snapshot_errors: dict[str, str] = field(default_factory=dict)
    baseline_suppressed: int | None = None
    # How long the statistics counters cover, which every counter-based finding rests on:
    # "statistics cover 3.2 days (reset 2026-12-04 10:00)".
    statistics: str = ""

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["locked_relations"] = list(self.locked_relations)
        if self.baseline_suppressed is None:
            del data["baseline_suppressed"]
        return data

    @staticmethod
    def from_json(data: dict[str, Any]) -> ServerSummary:
        known = {k: v for k, v in data.items() if k in ServerSummary.__dataclass_fields__}
        known["locked_relations"] = tuple(known.get("locked_relations") or ())
        return ServerSummary(**known)


class FailOn(StrEnum):
    """The one ``--fail-on`` of every command: the lowest severity that fails the gate."""

    NEVER = "never"
    INFO = "info"
    WARNING = "warning"
    ERROR = "error"


@dataclass(frozen=True)
class Gate:
    """The verdict of ``--fail-on`` on a report: exit code 0 (pass), 1 (findings at or above
    the level) or 2 (the run cannot vouch for anything: no check ran, or one failed)."""

    exit_code: int
    reason: str


@dataclass(frozen=True)
class Report:
    """What a command found. ``command`` names the producer (audit, lint, migrations, advise);
    ``server`` is set when a database was examined; ``stats`` holds counts such as the files
    and statements a lint read; ``notes`` are remarks that are not findings; ``rules`` the
    metadata of the checks the producer knows (left out of the JSON document)."""

    server: ServerSummary | None
    results: tuple[CheckResult, ...]
    command: str = "audit"
    stats: dict[str, int] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    rules: tuple[RuleInfo, ...] = ()

    @property
    def findings(self) -> list[Finding]:
        found = [f for result in self.results for f in result.findings]
        return sorted(found, key=Finding.sort_key)

    def count_at_or_above(self, level: Severity) -> int:
        return sum(1 for f in self.findings if f.severity.rank >= level.rank)

    def not_run(self) -> list[CheckResult]:
        """Results of checks that errored, timed out or were skipped."""
        return [r for r in self.results if not r.status.ran]

    def gate(self, fail_on: FailOn) -> Gate:
        if fail_on is FailOn.NEVER:
            return Gate(0, "no gate")
        failed = [r for r in self.results if r.status in (Status.ERROR, Status.TIMEOUT)]
        if failed:
            names = ", ".join(r.check for r in failed[:5])
            return Gate(2, f"{len(failed)} check(s) did not finish ({names}): the gate cannot pass")
        if not any(r.status.ran for r in self.results):
            return Gate(2, "no check ran: the gate cannot pass on nothing")
        count = self.count_at_or_above(Severity(fail_on.value))
        if count:
            return Gate(1, f"{count} finding(s) at or above {fail_on.value}")
        return Gate(0, f"no finding at or above {fail_on.value}")

    def to_json(self) -> dict[str, Any]:
        document: dict[str, Any] = {}
        if self.command != "audit":
            document["command"] = self.command
        document["server"] = self.server.to_json() if self.server is not None else None
        document["findings"] = [f.to_json() for f in self.findings]
        document["results"] = [r.to_json() for r in self.results]
        if self.stats:
            document["stats"] = dict(self.stats)
        if self.notes:
            document["notes"] = list(self.notes)
        return document


def natural_order(text: str) -> tuple[str | int, ...]:
    """A sort key that reads digit runs as numbers: text at even places, numbers at odd ones
    (so two keys always compare like with like)."""
    parts = re.split(r"(\d+)", text)
    return tuple(int(p) if i % 2 else p for i, p in enumerate(parts))
