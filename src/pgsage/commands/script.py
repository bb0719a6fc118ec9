"""The phases of ``scripts/db_optimization.sql``: which fix runs when, and which only by hand.

Order (seed 002/003): INVALID indexes first (an invalid unique index is dropped — its rebuild
fails until the duplicate rows are gone — and its rebuild left commented out), then drops of
duplicate and redundant indexes, then index creations (one per table and key: the audit and the
advisor may propose the same index under two names), then table maintenance, then settings.
What rewrites a table, drops an index that is merely unused, or is not known to be idempotent
goes last, commented out. Each phase is one CheckResult of a Report (its ``reason`` the title),
which ``pgsage.reports.artifacts.script`` renders as SQL and as Alembic revisions.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import replace

from pgsage.fixes.index import CreateIndex, DropIndex
from pgsage.fixes.steps import Comment, CommentedOut, Steps
from pgsage.model import CheckResult, Finding, Fix, Report, Status

INVALID = ("invalid-indexes", "INVALID indexes: rebuilt, or dropped when a rebuild would fail")
DROPS = ("drop-duplicates", "Drops of duplicate and redundant indexes")
CREATES = ("create-indexes", "Index creations (CONCURRENTLY, after a lock_timeout)")
TABLES = ("tables", "Table maintenance (validate constraints, storage parameters)")
SETTINGS = ("settings", "Settings")
MANUAL = (
    "by-hand",
    "Needs a decision or a maintenance window: commented out, never run by this script",
)
PHASES = (INVALID, DROPS, CREATES, TABLES, SETTINGS, MANUAL)

# Fixes that need a person: an index unused on one server may serve another (a replica, a
# monthly job); the others rewrite tables or change what the application sees.
BY_HAND_CHECKS = frozenset({"unused-index"})
TABLE_STATEMENT = re.compile(
    r"ALTER TABLE .* (VALIDATE CONSTRAINT|RESET \(|SET \()|VACUUM|ANALYZE", re.IGNORECASE
)
SETTING_STATEMENT = re.compile(
    r"ALTER (SYSTEM|DATABASE \S+|ROLE \S+( IN DATABASE \S+)?) (SET|RESET) |SELECT pg_reload_conf",
    re.IGNORECASE,
)
CREATE_STATEMENT = re.compile(r"CREATE (UNIQUE )?INDEX |CREATE EXTENSION ", re.IGNORECASE)


def _statements(sql: str) -> list[str]:
    return [
        line.strip()
        for line in sql.splitlines()
        if line.strip()
        and not line.lstrip().startswith("--")
        and not line.strip().upper().startswith("SET LOCK_TIMEOUT")
    ]


# The phases a fix's statements may all belong to, tried in order.
_STATEMENT_PHASES: tuple[tuple[tuple[str, str], Callable[[str], bool]], ...] = (
    (DROPS, lambda s: s.upper().startswith("DROP INDEX ")),
    (CREATES, lambda s: CREATE_STATEMENT.match(s) is not None),
    (TABLES, lambda s: TABLE_STATEMENT.match(s) is not None),
    (SETTINGS, lambda s: SETTING_STATEMENT.match(s) is not None),
)


def phase_of(finding: Finding) -> tuple[str, str]:
    sql = finding.fix_sql or ""
    statements = _statements(sql)
    if finding.check in BY_HAND_CHECKS or "ACCESS EXCLUSIVE" in sql or not statements:
        return MANUAL
    if finding.check == "invalid-index":
        return INVALID
    for phase, belongs in _STATEMENT_PHASES:
        if all(belongs(s) for s in statements):
            return phase
    return MANUAL


def _for_script(finding: Finding, phase: str) -> Finding:
    if phase == INVALID[0]:
        return _invalid_unique(finding)
    if phase == MANUAL[0] and finding.fix is not None:
        return replace(finding, fix=CommentedOut(finding.fix))
    return finding


def _invalid_unique(finding: Finding) -> Finding:
    """A unique index left INVALID by a failed build: REINDEX fails again on the duplicates, so
    the script drops it (an invalid index slows every write and serves no read) and shows the
    rebuild to run once the duplicates are gone."""
    obj = finding.object
    definition = str(finding.evidence.get("definition") or "")
    if obj is None or not finding.evidence.get("is_unique") or not definition:
        return finding
    rebuild = definition.replace(" INDEX ", " INDEX CONCURRENTLY IF NOT EXISTS ", 1) + ";"
    fix = Steps(
        (
            DropIndex(obj.schema, obj.name),
            Comment("rebuild it once the duplicate rows are gone:\n" + rebuild),
        )
    )
    return replace(finding, fix=fix)


def _index_key(fix: Fix | None) -> tuple[object, ...] | None:
    if isinstance(fix, CreateIndex):
        return (fix.schema, fix.table, fix.columns, fix.method, fix.unique, fix.where, fix.include)
    return None


def phases(findings: Sequence[Finding]) -> Report:
    """The fixes of ``findings`` in the script's phases, each phase in the report's order, an
    index proposed twice (audit and advisor) kept once."""
    by_phase: dict[str, list[Finding]] = {name: [] for name, _title in PHASES}
    seen_sql: set[str] = set()
    seen_index: set[tuple[object, ...]] = set()
    for finding in sorted(findings, key=Finding.sort_key):
        sql, key = finding.fix_sql or "", _index_key(finding.fix)
        if sql in seen_sql or (key is not None and key in seen_index):
            continue
        seen_sql.add(sql)
        if key is not None:
            seen_index.add(key)
        name, _title = phase_of(finding)
        by_phase[name].append(_for_script(finding, name))
    results = tuple(
        CheckResult(
            name, Status.FINDINGS if by_phase[name] else Status.OK, tuple(by_phase[name]), title
        )
        for name, title in PHASES
    )
    return Report(None, results, command="script")
