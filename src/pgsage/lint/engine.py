"""Run the selected rules over migrations: parse, check, suppress, grade, sort."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from functools import partial
from itertools import chain
from typing import Any

from pglast import ast

from pgsage.errors import UsageError
from pgsage.lint.context import Context, UnitFacts
from pgsage.lint.model import (
    LintOptions,
    LintResult,
    SourceKind,
    Statement,
    Suppression,
    Unit,
    UnitError,
    Violation,
)
from pgsage.lint.rule import Hit, Rule, all_rules, rule_by_name
from pgsage.lint.source_sql import find_suppressions, parse_statements
from pgsage.lint.sql_unit import (
    DISABLE_ASSUME_MARKERS,
    StreamedTargets,
    open_sql,
    prescan,
    tracked,
)
from pgsage.lint.stream import WINDOW_CHARS, SqlStatements
from pgsage.lint.syntax import bare_name, relation_name
from pgsage.model import Severity
from pgsage.units import human_bytes

SYNTAX_ERROR = "syntax-error"
UNUSED_SUPPRESSION = "unused-suppression"
NOT_RENDERED = "revision-not-rendered"
SMALL_TABLE_BYTES = 10 * 1024 * 1024
LARGE_TABLE_BYTES = 1024 * 1024 * 1024


@dataclass(frozen=True)
class TableSize:
    bytes: int
    rows: int


@dataclass
class Catalog:
    """What --dsn tells the linter: the server version, table sizes and column types."""

    server_version: int
    sizes: dict[str, TableSize] = field(default_factory=dict)
    column_types: dict[tuple[str, str], tuple[str, int]] = field(default_factory=dict)
    partitioned: set[str] = field(default_factory=set)

    def size(self, table: str) -> TableSize | None:
        return self.sizes.get(table) or self.sizes.get(bare_name(table))


def select_rules(
    select: Sequence[str] = (), ignore: Sequence[str] = (), extend_select: Sequence[str] = ()
) -> list[Rule]:
    """Default rules, or exactly --select (ids, aliases, groups, ALL), plus --extend-select,
    minus --ignore."""
    rules = all_rules()
    chosen = set(_resolve(select, rules)) if select else {rule for rule in rules if rule.default_on}
    chosen |= set(_resolve(extend_select, rules))
    chosen -= set(_resolve(ignore, rules))
    return [rule() for rule in sorted(chosen, key=lambda r: r.id)]


def _resolve(names: Iterable[str], rules: list[type[Rule]]) -> list[type[Rule]]:
    found: list[type[Rule]] = []
    for name in names:
        for part in name.split(","):
            if not part.strip():
                continue
            if part.strip().upper() == "ALL":
                found.extend(rules)
                continue
            matches = rule_by_name(part)
            if not matches:
                raise UsageError(
                    f"unknown lint rule or group: {part.strip()!r} (see `pgsage lint --list-rules`)"
                )
            found.extend(matches)
    return found


def altered_tables(statements: Iterable[Statement]) -> set[str]:
    """Tables a migration alters, indexes, locks or retypes: what --dsn needs to look up."""
    tables: set[str] = set()
    for stmt in statements:
        node = stmt.node
        if isinstance(node, ast.AlterTableStmt | ast.IndexStmt | ast.ClusterStmt | ast.ReindexStmt):
            tables.add(relation_name(node.relation))
        elif isinstance(node, ast.LockStmt | ast.TruncateStmt):
            tables.update(relation_name(r) for r in node.relations or ())
        elif isinstance(node, ast.VacuumStmt):
            tables.update(relation_name(r.relation) for r in node.rels or ())
        elif isinstance(node, ast.RenameStmt) and node.relation is not None:
            tables.add(relation_name(node.relation))
    tables.discard("")
    return tables


# (unit, bytes of its file read so far): lint reports how far it is in a long file.
LintProgress = Callable[[Unit, int], None]


def lint_units(
    units: Sequence[Unit],
    options: LintOptions,
    rules: Sequence[Rule],
    catalog: Catalog | None = None,
    progress: LintProgress | None = None,
    window: int = WINDOW_CHARS,
) -> LintResult:
    """SQL units are streamed (``window`` characters at a time, see ``lint.stream``): memory
    stays bounded by the window, the violations and the few facts the rules keep."""
    violations: list[Violation] = []
    errors: list[UnitError] = []
    statement_count = 0
    notes: set[str] = set()
    enabled = {rule.id for rule in rules}
    # Suppressions by file: a revision linted as upgrade() and downgrade() is two units, and a
    # comment is unused only if neither used it.
    used: dict[str, set[tuple[int, str]]] = {}
    unused: dict[tuple[str, int, str], Violation] = {}  # (file, line, rule name)
    earlier_types: dict[tuple[str, str], Any] = {}  # grows unit by unit, in the given order
    for unit in units:
        linted = _lint_unit(unit, options, rules, catalog, earlier_types, progress, window)
        statement_count += linted.statements
        found = linted.violations
        if SYNTAX_ERROR in enabled:
            found.extend(
                _violation(
                    unit,
                    _rule(SYNTAX_ERROR),
                    line,
                    column,
                    f"pglast cannot parse this statement: {message}",
                )
                for line, column, message in linted.problems
            )
        if unit.render_problem and NOT_RENDERED in enabled:
            line, message = unit.render_problem
            found.append(_violation(unit, _rule(NOT_RENDERED), line, 1, message))
        found, unit_used, unit_unused = _apply_suppressions(
            unit, linted.suppressions, found, enabled
        )
        used.setdefault(str(unit.path), set()).update(unit_used)
        for line, name, violation in unit_unused:
            unused.setdefault((str(unit.path), line, name), violation)
        if catalog is not None:
            found = _grade(found, catalog, notes)
        violations.extend(found)
    violations.extend(
        v for (file, line, name), v in unused.items() if (line, name) not in used.get(file, set())
    )
    return LintResult(
        violations=tuple(sorted(violations, key=Violation.sort_key)),
        errors=tuple(errors),
        files=len({u.path for u in units}),
        statements=statement_count,
        notes=tuple(sorted(notes)),
        rules=tuple(rule.id for rule in rules),
    )


def _rule(rule_id: str) -> Rule:
    return next(rule for rule in all_rules() if rule.id == rule_id)()


@dataclass
class LintedUnit:
    violations: list[Violation]
    problems: list[tuple[int, int, str]]  # syntax problems: (line, column, message)
    suppressions: list[Suppression]
    statements: int


def _lint_unit(
    unit: Unit,
    options: LintOptions,
    rules: Sequence[Rule],
    catalog: Catalog | None,
    earlier_types: dict[tuple[str, str], Any],
    progress: LintProgress | None,
    window: int,
) -> LintedUnit:
    if unit.kind is not SourceKind.SQL:  # a rendered revision: small, in memory
        statements, problems = parse_statements(unit)
        disables = any(marker in unit.sql for marker in DISABLE_ASSUME_MARKERS)
        ctx = _context(unit, options, catalog, earlier_types, UnitFacts.of(statements), disables)
        found = _run_rules(unit, statements, rules, ctx)
        suppressions = find_suppressions(unit.source_text, statements, python=True)
        return LintedUnit(found, problems, suppressions, len(statements))
    scan = prescan(unit)
    targets = StreamedTargets(scan.comments)
    with open_sql(unit) as source:
        report = None if progress is None else partial(progress, unit)
        stream = SqlStatements(source, window, report)
        remaining = tracked(stream, targets)
        facts, head = UnitFacts.look_ahead(remaining)
        ctx = _context(unit, options, catalog, earlier_types, facts, scan.disables_assume)
        found = _run_rules(unit, chain(head, remaining), rules, ctx)
    return LintedUnit(found, stream.problems, targets.suppressions(), stream.count)


def statements_of(unit: Unit, window: int = WINDOW_CHARS) -> Iterator[Statement]:
    """The unit's statements one by one (a SQL file streamed, a revision from memory)."""
    if unit.kind is not SourceKind.SQL:
        yield from parse_statements(unit)[0]
        return
    with open_sql(unit) as source:
        yield from SqlStatements(source, window)


def _context(
    unit: Unit,
    options: LintOptions,
    catalog: Catalog | None,
    earlier_types: dict[tuple[str, str], Any],
    facts: UnitFacts,
    disables_assume: bool,
) -> Context:
    ctx = Context.start(unit, options, facts, disables_assume)
    ctx.earlier_types = earlier_types
    if catalog is not None:
        ctx.catalog_types = catalog.column_types
        ctx.partitioned |= catalog.partitioned
    return ctx


def _run_rules(
    unit: Unit, statements: Iterable[Statement], rules: Sequence[Rule], ctx: Context
) -> list[Violation]:
    found: list[Violation] = []
    for stmt in statements:
        for rule in rules:
            for hit in rule.check(stmt, ctx):
                found.append(_from_hit(unit, rule, hit, hit.statement or stmt))
        ctx.advance(stmt)
    for rule in rules:
        for hit in rule.finish(ctx):
            found.append(_from_hit(unit, rule, hit, hit.statement))
    if unit.function != "downgrade":  # a rollback's types are not the schema's going forward
        ctx.earlier_types.update(ctx.column_types)
    return found


def _from_hit(unit: Unit, rule: Rule, hit: Hit, stmt: Statement | None) -> Violation:
    line = stmt.line if stmt else (unit.upgrade_line or 1)
    column = stmt.column if stmt else 1
    return _violation(unit, rule, line, column, hit.message, hit.table)


def _violation(
    unit: Unit, rule: Rule, line: int, column: int, message: str, table: str | None = None
) -> Violation:
    # A revision's author writes op.* calls: show the Alembic form of the safe rewrite there.
    fix = (
        rule.fix_alembic.strip()
        if unit.kind is SourceKind.ALEMBIC and rule.fix_alembic
        else rule.fix
    )
    return Violation(
        file=str(unit.path),
        line=line,
        column=column,
        rule=rule.id,
        aliases=rule.aliases,
        severity=rule.severity,
        message=message,
        fix=fix,
        group=rule.group.value,
        revision=unit.revision,
        table=table,
        downgrade=unit.function == "downgrade",
    )


def _apply_suppressions(
    unit: Unit, suppressions: list[Suppression], found: list[Violation], enabled: set[str]
) -> tuple[list[Violation], set[tuple[int, str]], list[tuple[int, str, Violation]]]:
    """(violations kept, (line, rule name) of the suppressions used, (line, rule name,
    unused-suppression violation) for the rest)."""
    if unit.other_function_lines:  # comments in downgrade() are not upgrade()'s, and back
        first, last = unit.other_function_lines
        suppressions = [s for s in suppressions if not first <= s.line <= last]
    if not suppressions:
        return found, set(), []
    kept: list[Violation] = []
    used: set[tuple[int, str]] = set()
    for violation in found:
        matched = False
        for sup in suppressions:
            names = {violation.rule, *violation.aliases}
            if violation.line in sup.target_lines and names & set(sup.rules):
                used.update((sup.line, name) for name in names & set(sup.rules))
                matched = True
        if not matched:
            kept.append(violation)
    unused: list[tuple[int, str, Violation]] = []
    if UNUSED_SUPPRESSION in enabled:
        unused_rule = _rule(UNUSED_SUPPRESSION)
        for sup in suppressions:
            for name in sup.rules:
                if (sup.line, name) in used:
                    continue
                known = rule_by_name(name)
                if known and not any(r.id in enabled for r in known):
                    continue  # the rule is not selected: the suppression is not stale
                why = "is not a known rule" if not known else "suppresses nothing here"
                unused.append(
                    (
                        sup.line,
                        name,
                        _violation(
                            unit, unused_rule, sup.line, 1, f"suppression ignore[{name}] {why}"
                        ),
                    )
                )
    return kept, used, unused


def _grade(found: list[Violation], catalog: Catalog, notes: set[str]) -> list[Violation]:
    """Drop lock warnings on tables that do not exist yet or are empty; grade the rest by size."""
    graded: list[Violation] = []
    size_graded = {rule.id for rule in all_rules() if rule.size_graded}
    for violation in found:
        if violation.rule not in size_graded or not violation.table:
            graded.append(violation)
            continue
        size = catalog.size(violation.table)
        if size is None:
            notes.add(f"{violation.table}: not on the server, lock warnings skipped")
            continue
        if size.bytes == 0:
            notes.add(f"{violation.table}: empty on the server, lock warnings skipped")
            continue
        severity = (
            Severity.INFO
            if size.bytes < SMALL_TABLE_BYTES
            else Severity.ERROR
            if size.bytes >= LARGE_TABLE_BYTES
            else Severity.WARNING
        )
        message = (
            f"{violation.message} (table {violation.table}: "
            f"{human_bytes(size.bytes)}, ~{size.rows:,} rows)"
        )
        graded.append(replace(violation, severity=severity, message=message))
    return graded
