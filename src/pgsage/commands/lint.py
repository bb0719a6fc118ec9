"""Lint: migration files (.sql, Alembic revisions) through the rules, as one Report.

The engine (``pgsage.lint.runner``) finds lint's own Violations; this turns them into the
shared result model: one Finding per violation (with its source Location), one CheckResult per
rule that ran, and an ERROR result per file that could not be read, so that ``Report.gate``
exits 2 on it. Nothing here prints, exits or reads the environment.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from pgsage.fixes.text import SqlText
from pgsage.lint.engine import LintProgress
from pgsage.lint.model import LintResult, UnitError, Violation
from pgsage.lint.rule import Rule, all_rules
from pgsage.lint.runner import lint as run_lint
from pgsage.model import (
    CheckResult,
    Finding,
    Location,
    ObjectRef,
    Report,
    RuleInfo,
    Status,
)


@dataclass(frozen=True)
class LintRequest:
    """What to lint and how: the options of `pgsage lint`, after the project's defaults
    (``[tool.pgsage.lint]``) were applied."""

    paths: Sequence[Path]
    pg_version: int | None = None
    assume_in_transaction: bool = False
    select: Sequence[str] = ()
    ignore: Sequence[str] = ()
    extend_select: Sequence[str] = ()
    since: str | None = None
    dsn: str | None = None
    downgrade: bool = False
    # Called as SQL files are read (unit, bytes read): the CLI shows progress from it.
    progress: LintProgress | None = None


def lint(request: LintRequest) -> Report:
    result = run_lint(
        request.paths,
        pg_version=request.pg_version,
        assume_in_transaction=request.assume_in_transaction,
        select=request.select,
        ignore=request.ignore,
        extend_select=request.extend_select,
        since=request.since,
        dsn=request.dsn,
        downgrade=request.downgrade,
        progress=request.progress,
    )
    return to_report(result)


def to_report(result: LintResult) -> Report:
    rules = {rule.id: rule for rule in all_rules()}
    by_rule: dict[str, list[Finding]] = {rule: [] for rule in result.rules}
    for violation in result.violations:
        finding = to_finding(violation, rules.get(violation.rule))
        by_rule.setdefault(violation.rule, []).append(finding)
    results = [
        CheckResult(
            check=rule,
            status=Status.FINDINGS if findings else Status.OK,
            findings=tuple(findings),
        )
        for rule, findings in by_rule.items()
    ]
    results.extend(unreadable(error) for error in result.errors)
    return Report(
        server=None,
        results=tuple(results),
        command="lint",
        stats={"files": result.files, "statements": result.statements},
        notes=result.notes,
        rules=tuple(rule_info(rule) for rule in rules.values()),
    )


def to_finding(violation: Violation, rule: type[Rule] | None = None) -> Finding:
    # The fix text as the rule wrote it for this file (its Alembic form in a revision), and
    # the rule's Alembic form for to_alembic().
    fix = None
    if violation.fix:
        fix = SqlText(violation.fix, alembic=rule.fix_alembic.strip() if rule else "")
    return Finding(
        check=violation.rule,
        category=violation.group,
        severity=violation.severity,
        object=_table(violation.table),
        message=violation.message,
        fix=fix,
        location=Location(
            file=violation.file,
            line=violation.line,
            column=violation.column,
            revision=violation.revision,
            downgrade=violation.downgrade,
        ),
        aliases=violation.aliases,
    )


def unreadable(error: UnitError) -> CheckResult:
    """A file the rules could not read: the check that failed is linting that file, and the
    reason names it (``Report.gate`` then exits 2, as lint always did)."""
    return CheckResult(
        check=error.file, status=Status.ERROR, reason=f"{error.file}: {error.message}"
    )


def rule_info(rule: type[Rule]) -> RuleInfo:
    return RuleInfo(
        id=rule.id,
        category=rule.group.value,
        severity=rule.severity,
        summary=rule.summary,
        description=rule.why or rule.summary,
        help=f"{rule.why}\n\nSQL:\n{rule.fix_sql}\n\nAlembic:\n{rule.fix_alembic}",
        aliases=rule.aliases,
    )


def _table(name: str | None) -> ObjectRef | None:
    if not name:
        return None
    schema, _, table = name.rpartition(".")
    return ObjectRef("table", schema, table)
