"""The migration plan's lines, derived from the models and the statements the code runs.

Each line names the table, what to add (index, unique, check, partitioning, retention), its
definition, and the rationale: the statements and columns that justify it, or the model
property that implies it (a foreign key, a natural-key column, an amount, a time-series).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import Column, ForeignKeyConstraint, Table, UniqueConstraint

from pgsage.advise.analysis import analyze_query
from pgsage.advise.model import QueryShape, TableAccess
from pgsage.fixes.constraint import AddCheckConstraint, AddUniqueConstraint
from pgsage.fixes.index import CreateIndex, IndexKey
from pgsage.fixes.quoting import (
    ident,
    index_name,
)
from pgsage.model import Fix
from pgsage.plan.catalog import DEFAULT_SCHEMA, ModelCatalog, column_type
from pgsage.plan.sources import SourceStatement

KINDS = ("index", "unique", "check", "partitioning", "retention")
RETENTION_DAYS = 90
# Column names that mean an amount that cannot be negative.
AMOUNT_NAMES = frozenset(
    {"price", "amount", "cost", "total", "quantity", "qty", "balance", "fee", "budget"}
)
# Column names that mean a natural key: one row per value.
NATURAL_KEY_NAMES = frozenset({"link", "url", "slug", "email", "username", "external_id"})
SCOPE_NAMES = frozenset({"category", "namespace", "scope", "group", "section"})
TIME_SERIES_SUFFIXES = ("_logs", "_log", "_visits", "_events", "_requests", "_metrics", "_history")
TIME_COLUMN_NAMES = ("created_at", "visit_date", "logged_at", "occurred_at", "timestamp", "ts")


@dataclass(frozen=True)
class PlanLine:
    table: str  # schema.table
    kind: str  # one of KINDS
    definition: str
    rationale: str
    fix: Fix | None = None
    name: str | None = None  # the index or constraint it creates
    columns: tuple[str, ...] = ()  # the key columns of an index or unique constraint

    def sort_key(self) -> tuple[str, int, str]:
        return (self.table, KINDS.index(self.kind), self.definition)


@dataclass(frozen=True)
class MigrationPlan:
    lines: tuple[PlanLine, ...]
    statements: int  # statements read from the code and files
    unparsed: tuple[str, ...] = ()  # origins of statements that name no model table
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class _Read:
    """What one statement asks of one table: equality and range columns, the ORDER BY, and
    conditions with a constant (``is_admin = FALSE``)."""

    origin: str
    equality: tuple[str, ...]
    ranges: tuple[str, ...]
    sort: tuple[tuple[str, bool], ...]
    flags: tuple[str, ...]


@dataclass
class _Uses:
    """What the workload asks of one table, with the statements that ask it."""

    reads: list[_Read] = field(default_factory=list)
    conflicts: dict[tuple[str, ...], set[str]] = field(default_factory=lambda: defaultdict(set))
    writes: set[str] = field(default_factory=set)  # update, delete and upsert statements
    inserts: set[str] = field(default_factory=set)


def derive_plan(catalog: ModelCatalog, statements: Iterable[SourceStatement]) -> MigrationPlan:
    uses: dict[tuple[str, str], _Uses] = defaultdict(_Uses)
    unparsed: list[str] = []
    count = 0
    for statement in statements:
        count += 1
        shape = analyze_query(statement.text, catalog)
        if shape is None or not shape.accesses:
            unparsed.append(statement.origin)
            continue
        _collect(shape, statement, uses)
    lines: list[PlanLine] = []
    for key, table in sorted(catalog.tables.items()):
        table_uses = uses.get(key, _Uses())
        uniques = _uniques(table, table_uses)
        lines += _fk_indexes(table)
        lines += _workload_indexes(table, table_uses, {u.columns for u in uniques})
        lines += uniques
        lines += _checks(table)
        lines += _time_series(table, table_uses)
    return MigrationPlan(
        lines=tuple(sorted(_dedupe(lines), key=PlanLine.sort_key)),
        statements=count,
        unparsed=tuple(unparsed),
    )


def _collect(
    shape: QueryShape, statement: SourceStatement, uses: dict[tuple[str, str], _Uses]
) -> None:
    for access in shape.accesses:
        entry = uses[(access.table.schema, access.table.name)]
        if shape.kind in ("update", "delete") and _is_target(access, shape):
            entry.writes.add(statement.origin)
        entry.reads.append(_read(access, statement.origin))
    if shape.kind == "insert":
        upsert = "DO UPDATE" in " ".join(statement.text.upper().split())
        for table in shape.tables:
            entry = uses[(table.schema, table.name)]
            entry.inserts.add(statement.origin)
            if upsert:
                entry.writes.add(statement.origin)
            for target in _on_conflict_targets(statement.text):
                entry.conflicts[target].add(statement.origin)


def _is_target(access: TableAccess, shape: QueryShape) -> bool:
    return access.written_columns is not None or shape.kind == "delete"


def _read(access: TableAccess, origin: str) -> _Read:
    equality: list[str] = []
    ranges: list[str] = []
    flags: list[str] = []
    for predicate in access.predicates:
        column = predicate.key.column
        if column is None or not predicate.conjunct:
            continue
        if predicate.kind == "eq" and predicate.constant is not None:
            flags.append(predicate.constant)
        elif predicate.kind in ("eq", "in"):
            equality.append(column)
        elif predicate.kind == "range":
            ranges.append(column)
    sort: tuple[tuple[str, bool], ...] = ()
    if access.sort and all(s.key.column and not s.operator for s in access.sort):
        sort = tuple((str(s.key.column), s.descending) for s in access.sort)
    return _Read(
        origin,
        tuple(sorted(set(equality))),
        tuple(sorted(set(ranges))),
        sort,
        tuple(sorted(set(flags))),
    )


def _on_conflict_targets(text: str) -> list[tuple[str, ...]]:
    import pglast
    from pglast import ast

    try:
        root = pglast.parse_sql(text)[0].stmt
    except (pglast.parser.ParseError, ValueError, IndexError):
        return []
    clause = getattr(root, "onConflictClause", None) if isinstance(root, ast.InsertStmt) else None
    infer = getattr(clause, "infer", None)
    elems = getattr(infer, "indexElems", None) or ()
    names = tuple(e.name for e in elems if isinstance(e, ast.IndexElem) and e.name)
    return [names] if names else []


# -- what the models already guarantee -----------------------------------------------------
def _leading_columns(table: Table) -> set[tuple[str, ...]]:
    """Column prefixes an existing index, primary key or unique constraint serves."""
    prefixes: set[tuple[str, ...]] = set()

    def add(columns: list[str]) -> None:
        for length in range(1, len(columns) + 1):
            prefixes.add(tuple(columns[:length]))

    add([c.name for c in table.primary_key.columns])
    for index in table.indexes:
        add([c.name for c in index.columns])
    for constraint in table.constraints:
        if isinstance(constraint, UniqueConstraint):
            add([c.name for c in constraint.columns])
    return prefixes


def _unique_sets(table: Table) -> set[frozenset[str]]:
    sets = {frozenset(c.name for c in table.primary_key.columns)}
    sets |= {frozenset(c.name for c in i.columns) for i in table.indexes if i.unique}
    sets |= {
        frozenset(c.name for c in u.columns)
        for u in table.constraints
        if isinstance(u, UniqueConstraint)
    }
    sets |= {frozenset([c.name]) for c in table.columns if c.unique}
    return sets


def _qualified(table: Table) -> tuple[str, str]:
    return table.schema or DEFAULT_SCHEMA, table.name


def _index_line(
    table: Table, columns: list[tuple[str, bool]], rationale: str, where: str | None = None
) -> PlanLine:
    schema, name = _qualified(table)
    plain = [c for c, _ in columns]
    suffix = "partial_idx" if where else "idx"
    index = index_name(name, plain, suffix)
    keys = tuple(IndexKey(column=c, descending=desc) for c, desc in columns)
    listed = ", ".join(key.to_sql() for key in keys)
    definition = f"CREATE INDEX {ident(index)} ON {ident(schema, name)} ({listed})"
    if where:
        definition += f" WHERE {where}"
    fix = CreateIndex(schema, name, keys, index, where=where)
    return PlanLine(f"{schema}.{name}", "index", definition, rationale, fix, index, tuple(plain))


def _statements_note(origins: set[str], limit: int = 3) -> str:
    shown = sorted(origins)
    more = f" and {len(shown) - limit} more" if len(shown) > limit else ""
    return ", ".join(shown[:limit]) + more


# -- the rules -----------------------------------------------------------------------------
def _fk_indexes(table: Table) -> list[PlanLine]:
    lines = []
    covered = _leading_columns(table)
    for constraint in sorted(
        (c for c in table.constraints if isinstance(c, ForeignKeyConstraint)),
        key=lambda c: [col.name for col in c.columns],
    ):
        columns = tuple(c.name for c in constraint.columns)
        if columns in covered:
            continue
        parent = constraint.referred_table.name
        rationale = (
            f"foreign key ({', '.join(columns)}) → {parent}: joins from {parent}, and every "
            f"DELETE or key UPDATE on {parent}, scan {table.name} without it"
        )
        lines.append(_index_line(table, [(c, False) for c in columns], rationale))
        covered.add(columns)
    return lines


def _workload_indexes(table: Table, uses: _Uses, planned: set[tuple[str, ...]]) -> list[PlanLine]:
    """One index per distinct (keys, partial condition) the statements need: equality columns
    first, then the ORDER BY (or the first range column); constant conditions become the
    partial index's WHERE. What an existing or planned index's leading columns already serve
    adds nothing."""
    covered = _leading_columns(table) | {p[:n] for p in planned for n in range(1, len(p) + 1)}
    booleans = {c.name for c in table.columns if column_type(c) == "boolean"}
    wanted: dict[tuple[tuple[tuple[str, bool], ...], str], set[str]] = defaultdict(set)
    reasons: dict[tuple[tuple[tuple[str, bool], ...], str], set[str]] = defaultdict(set)
    for read in uses.reads:
        equality = [c for c in read.equality if c not in booleans]
        tail = list(read.sort) or [(c, False) for c in read.ranges[:1]]
        keys = tuple([(c, False) for c in equality] + [k for k in tail if k[0] not in equality])
        where = " AND ".join(read.flags)
        if not keys and where and table.primary_key.columns:
            keys = ((str(table.primary_key.columns[0].name), False),)
        if not keys or (not where and tuple(c for c, _ in keys) in covered):
            continue
        wanted[(keys, where)].add(read.origin)
        reasons[(keys, where)].add(_describe(read, equality))
    lines = []
    for (keys, where), origins in sorted(wanted.items()):
        rationale = f"{'; '.join(sorted(reasons[(keys, where)]))} in {_statements_note(origins)}"
        if where:
            rationale += ": the partial index holds only the rows those statements read"
        lines.append(_index_line(table, list(keys), rationale, where=where or None))
    return lines


def _describe(read: _Read, equality: list[str]) -> str:
    parts = []
    if equality:
        parts.append(f"equality on {', '.join(equality)}")
    if read.sort:
        parts.append("ORDER BY " + ", ".join(f"{c}{' DESC' if d else ''}" for c, d in read.sort))
    elif read.ranges:
        parts.append(f"range on {read.ranges[0]}")
    if read.flags:
        parts.append(f"constant filter {' AND '.join(read.flags)}")
    return ", ".join(parts)


def _uniques(table: Table, uses: _Uses) -> list[PlanLine]:
    schema, name = _qualified(table)
    existing = _unique_sets(table)
    wanted: dict[tuple[str, ...], str] = {}
    for target, origins in sorted(uses.conflicts.items()):
        wanted[target] = (
            f"ON CONFLICT ({', '.join(target)}) in {_statements_note(origins)} needs it"
        )
    columns = {c.name: c for c in table.columns}
    if "key" in columns:
        scope = sorted(SCOPE_NAMES & set(columns))
        target = (*scope, "key")
        wanted.setdefault(target, f"a key-value table: one {' + '.join(target)} per row")
    if name.startswith(("daily_", "monthly_", "weekly_")):
        for column in table.columns:
            if column_type(column) == "date":
                wanted.setdefault(
                    (column.name,), f"one {name} row per {column.name}: upserts stay idempotent"
                )
    for column_name in sorted(NATURAL_KEY_NAMES & set(columns)):
        wanted.setdefault(
            (column_name,), f"{column_name} is a natural key: duplicates are data errors"
        )
    lines = []
    for target, rationale in sorted(wanted.items()):
        if frozenset(target) in existing or not set(target) <= set(columns):
            continue
        constraint = index_name(name, list(target), "key")
        definition = f"ALTER TABLE {ident(schema, name)} ADD CONSTRAINT {ident(constraint)} UNIQUE ({', '.join(ident(c) for c in target)})"
        fix = AddUniqueConstraint(schema, name, target, constraint)
        lines.append(
            PlanLine(f"{schema}.{name}", "unique", definition, rationale, fix, constraint, target)
        )
    return lines


def _checks(table: Table) -> list[PlanLine]:
    schema, name = _qualified(table)
    lines = []
    for column in table.columns:
        spelled = column_type(column)
        numeric = spelled.startswith(
            ("numeric", "integer", "bigint", "smallint", "real", "double", "decimal")
        )
        if not numeric or column.name not in AMOUNT_NAMES:
            continue
        if _has_check_on(table, column):
            continue
        constraint = index_name(name, [column.name], "nonnegative")
        condition = f"{ident(column.name)} >= 0"
        definition = f"ALTER TABLE {ident(schema, name)} ADD CONSTRAINT {ident(constraint)} CHECK ({condition})"
        rationale = (
            f"{column.name} is an amount: a negative value is a bug, and sums over it go wrong"
        )
        fix = AddCheckConstraint(schema, name, constraint, condition)
        lines.append(PlanLine(f"{schema}.{name}", "check", definition, rationale, fix, constraint))
    return lines


def _has_check_on(table: Table, column: Column[object]) -> bool:
    from sqlalchemy import CheckConstraint

    return any(
        isinstance(c, CheckConstraint) and column.name in str(c.sqltext) for c in table.constraints
    )


def _time_column(table: Table) -> Column[object] | None:
    candidates = [c for c in table.columns if column_type(c).startswith(("timestamp", "date"))]
    for name in TIME_COLUMN_NAMES:
        for column in candidates:
            if column.name == name:
                return column
    return candidates[0] if candidates else None


def _time_series(table: Table, uses: _Uses) -> list[PlanLine]:
    schema, name = _qualified(table)
    column = _time_column(table)
    if column is None:
        return []
    append_only = bool(uses.inserts) and not uses.writes
    if not (name.endswith(TIME_SERIES_SUFFIXES) or append_only):
        return []
    why = (
        f"{name} is append-only in the code (inserts in {_statements_note(uses.inserts)}, no "
        "UPDATE or DELETE)"
        if append_only
        else f"{name} is a time-series table (a log of {column.name}-stamped rows)"
    )
    partitioning = PlanLine(
        f"{schema}.{name}",
        "partitioning",
        f"PARTITION BY RANGE ({ident(column.name)}), one partition per month",
        f"{why}: scans of recent rows read only recent partitions, and old data leaves by "
        "dropping a partition instead of DELETE + VACUUM",
    )
    retention = PlanLine(
        f"{schema}.{name}",
        "retention",
        f"monthly job: DETACH PARTITION CONCURRENTLY and DROP partitions older than "
        f"{RETENTION_DAYS} days",
        f"keeps {name} at {RETENTION_DAYS} days of data (seed 000/001: 90-day retention) "
        "without bloat or long DELETEs",
    )
    return [partitioning, retention]


def _dedupe(lines: list[PlanLine]) -> list[PlanLine]:
    seen: dict[tuple[str, str, str], PlanLine] = {}
    for line in lines:
        seen.setdefault((line.table, line.kind, line.definition), line)
    return list(seen.values())


__all__ = ["KINDS", "MigrationPlan", "PlanLine", "derive_plan"]
