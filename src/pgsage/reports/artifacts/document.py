"""The building blocks every artifact shares: summary by impact, evidence tables, fixes (SQL and
Alembic), how to verify, and what was not checked and why. Markdown only; pure over the model."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from textwrap import dedent

from pgsage.model import Finding, Report, Status
from pgsage.reports.layout import format_evidence_value, where

SUMMARY_LINES = 10
CELL_MAX = 120
HIDDEN_EVIDENCE = frozenset({"fix_code", "sql"})  # shown in the fix and statement blocks
TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")


@dataclass(frozen=True)
class NotChecked:
    """A part of a document that did not run: what, and why (never left out silently)."""

    what: str
    why: str


@dataclass
class Document:
    """One artifact being written: a list of Markdown lines."""

    title: str
    lines: list[str] = field(default_factory=list)

    def add(self, *lines: str) -> None:
        self.lines.extend(lines)

    def section(self, heading: str) -> None:
        if self.lines and self.lines[-1] != "":
            self.lines.append("")
        self.lines += [f"## {heading}", ""]

    def text(self) -> str:
        body = "\n".join(self.lines).rstrip()
        return f"# {self.title}\n\n{body}\n"


def cell(value: object) -> str:
    text = str(value).replace("\n", " ").replace("|", "\\|")
    if len(text) > CELL_MAX:
        text = text[: CELL_MAX - 1] + "…"
    return text


def code_span(text: str) -> str:
    inner = cell(text).replace("`", "'")
    return f"`{inner}`" if inner else ""


def impact_key(
    finding: Finding,
) -> tuple[int, int, tuple[int, str, str, str, str, int, int, tuple[str | int, ...]]]:
    """Errors first, then findings with a fix (something to do), then the report's order."""
    return (-finding.severity.rank, 0 if finding.fix is not None else 1, finding.sort_key())


def by_impact(findings: Iterable[Finding]) -> list[Finding]:
    return sorted(findings, key=impact_key)


def summary(
    doc: Document, findings: Sequence[Finding], nothing: str, *, ordered: bool = False
) -> None:
    """The one-minute summary: counts, then the findings by impact (``ordered``: as given)."""
    doc.section("Summary")
    if not findings:
        doc.add(nothing, "")
        return
    counts = {level: 0 for level in ("error", "warning", "info")}
    for finding in findings:
        counts[finding.severity.value] += 1
    doc.add(
        f"{len(findings)} finding(s): {counts['error']} error, {counts['warning']} warning, "
        f"{counts['info']} info. Ordered by impact:",
        "",
    )
    listed = list(findings) if ordered else by_impact(findings)
    for number, finding in enumerate(listed[:SUMMARY_LINES], 1):
        fixable = " — fix below" if finding.fix is not None else ""
        doc.add(
            f"{number}. **{finding.severity.value}** `{finding.check}`: {finding.message}{fixable}"
        )
    if len(listed) > SUMMARY_LINES:
        doc.add(f"{len(listed) - SUMMARY_LINES} more in the evidence tables below.")
    doc.add("")


def _is_time(value: object) -> bool:
    return isinstance(value, str) and TIMESTAMP.match(value) is not None


def _columns(findings: Sequence[Finding]) -> list[str]:
    """The evidence keys of a check's findings, in order; points in time are left out (the
    tables stay the same from one run to the next, so they diff well)."""
    keys: list[str] = []
    timed = {k for f in findings for k, v in f.evidence.items() if _is_time(v)}
    for finding in findings:
        keys += [
            k
            for k in finding.evidence
            if k not in keys and k not in HIDDEN_EVIDENCE and k not in timed
        ]
    return keys


def evidence_tables(doc: Document, findings: Sequence[Finding], heading: str = "Evidence") -> None:
    """One table per check: the object, the severity and every number the check recorded."""
    if not findings:
        return
    doc.section(heading)
    checks = sorted({f.check for f in findings})
    for check in checks:
        group = sorted((f for f in findings if f.check == check), key=Finding.sort_key)
        keys = _columns(group)
        doc.add(f"### `{check}` ({len(group)})", "")
        columns = keys or ["finding"]  # a finding without numbers shows its message
        doc.add("| " + " | ".join(["severity", "object", *columns]) + " |")
        doc.add("| " + " | ".join("---" for _ in range(2 + len(columns))) + " |")
        for finding in group:
            values = [cell(format_evidence_value(k, finding.evidence.get(k, ""))) for k in keys]
            row = [
                finding.severity.value,
                cell(where(finding)),
                *(values or [cell(finding.message)]),
            ]
            doc.add("| " + " | ".join(row) + " |")
        doc.add("")


def fixes(
    doc: Document, findings: Sequence[Finding], heading: str = "Fixes", *, code_only: bool = False
) -> None:
    """Each fix in SQL and in its Alembic form, in the order of impact (``code_only``: the fix
    is a change to the migration's Python code, shown once)."""
    fixable = [f for f in by_impact(findings) if f.fix is not None]
    if not fixable:
        return
    doc.section(heading)
    if not code_only:
        doc.add(
            "Every statement below is also in `scripts/db_optimization.sql`, in the order it is "
            "safe to run.",
            "",
        )
    for number, finding in enumerate(fixable, 1):
        doc.add(f"### {number}. `{finding.check}`: {cell(where(finding))}", "", finding.message, "")
        if finding.recommendation:
            doc.add(f"**Recommendation:** {finding.recommendation}", "")
        if code_only:
            doc.add("```python", dedent(finding.fix_alembic or "").rstrip(), "```", "")
            continue
        doc.add("```sql", finding.fix_sql or "", "```", "")
        doc.add(
            "<details><summary>Alembic (in a revision's upgrade())</summary>",
            "",
            "```python",
            dedent(finding.fix_alembic or "").rstrip(),
            "```",
            "",
            "</details>",
            "",
        )


def verify(doc: Document, steps: Sequence[str]) -> None:
    doc.section("How to verify")
    doc.add(*(f"- {step}" for step in steps))
    doc.add("")


def not_run(report: Report | None) -> list[NotChecked]:
    """The checks of a report that were skipped, errored or timed out, with their reasons."""
    if report is None:
        return []
    out = [
        NotChecked(f"`{r.check}` ({r.status.value})", r.reason or "no reason given")
        for r in report.results
        if r.status in (Status.SKIPPED, Status.ERROR, Status.TIMEOUT)
    ]
    if report.server is not None:
        out += [
            NotChecked(f"snapshot part `{part}`", reason)
            for part, reason in sorted(report.server.snapshot_errors.items())
        ]
    return out


def not_checked(doc: Document, items: Sequence[NotChecked]) -> None:
    doc.section("Not checked")
    if not items:
        doc.add("Everything this document covers was checked.", "")
        return
    unique = list(dict.fromkeys(items))
    doc.add(*(f"- {item.what}: {item.why}" for item in unique))
    doc.add("")


def ran_clean(report: Report | None, checks: Iterable[str]) -> list[str]:
    """The checks among ``checks`` that ran and found nothing (a clean bill is evidence too)."""
    if report is None:
        return []
    wanted = set(checks)
    return sorted(r.check for r in report.results if r.check in wanted and r.status is Status.OK)


def number(value: object) -> float:
    """An evidence value as a number for sorting (0 when it is not one)."""
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else 0.0
