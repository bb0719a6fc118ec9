"""The report model: typed, frozen, JSON-able results shared by every command and renderer."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any


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


Evidence = dict[str, "int | float | str | bool | list[str] | None"]


@dataclass(frozen=True)
class Finding:
    check: str
    category: str
    severity: Severity
    object: ObjectRef
    message: str
    evidence: Evidence = field(default_factory=dict)
    recommendation: str = ""
    fix_sql: str | None = None

    def sort_key(self) -> tuple[int, str, str, str, str]:
        return (-self.severity.rank, self.check, self.object.schema, self.object.name, self.message)

    def to_json(self) -> dict[str, Any]:
        return {
            "check": self.check,
            "category": self.category,
            "severity": self.severity.value,
            "object": str(self.object),
            "object_ref": asdict(self.object),
            "message": self.message,
            "evidence": dict(self.evidence),
            "recommendation": self.recommendation,
            "fix_sql": self.fix_sql,
        }


@dataclass(frozen=True)
class CheckResult:
    check: str
    status: Status
    findings: tuple[Finding, ...] = ()
    reason: str | None = None
    duration_ms: float = 0.0

    def to_json(self) -> dict[str, Any]:
        return {"check": self.check, "status": self.status.value, "reason": self.reason}


@dataclass(frozen=True)
class Report:
    server: dict[str, Any]
    results: tuple[CheckResult, ...]

    @property
    def findings(self) -> list[Finding]:
        found = [f for result in self.results for f in result.findings]
        return sorted(found, key=Finding.sort_key)

    def count_at_or_above(self, level: Severity) -> int:
        return sum(1 for f in self.findings if f.severity.rank >= level.rank)

    def to_json(self) -> dict[str, Any]:
        return {
            "server": self.server,
            "findings": [f.to_json() for f in self.findings],
            "results": [r.to_json() for r in self.results],
        }
