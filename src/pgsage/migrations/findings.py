"""The typed result of every migrations command: findings plus the steps that produced them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pgsage.model import Severity


@dataclass(frozen=True)
class MigrationFinding:
    """One problem: ``check`` is a stable kebab-case id, ``revision`` the revision it is about."""

    check: str
    severity: Severity
    message: str
    revision: str | None = None
    file: str | None = None
    line: int | None = None
    details: tuple[str, ...] = ()

    def sort_key(self) -> tuple[int, str, str, int, str]:
        return (
            -self.severity.rank,
            self.check,
            self.revision or self.file or "",
            self.line or 0,
            self.message,
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "check": self.check,
            "severity": self.severity.value,
            "revision": self.revision,
            "file": self.file,
            "line": self.line,
            "message": self.message,
            "details": list(self.details),
        }

    def location(self) -> str:
        if self.file is None:
            return self.revision or "-"
        return f"{self.file}:{self.line}" if self.line else self.file


@dataclass
class CheckOutcome:
    """What ``migrations check`` did: which stages ran (or why not) and what they found."""

    findings: list[MigrationFinding] = field(default_factory=list)
    stages: dict[str, str] = field(default_factory=dict)  # stage -> "ok" / "findings" / reason

    def add_stage(self, stage: str, found: list[MigrationFinding]) -> None:
        self.findings.extend(found)
        self.stages[stage] = "findings" if found else "ok"

    def sorted_findings(self) -> list[MigrationFinding]:
        return sorted(self.findings, key=MigrationFinding.sort_key)

    def to_json(self) -> dict[str, Any]:
        return {
            "stages": dict(self.stages),
            "findings": [f.to_json() for f in self.sorted_findings()],
        }
