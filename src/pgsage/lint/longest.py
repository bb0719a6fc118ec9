"""--dsn: how long the longest existing value is, for a column a migration narrows to
varchar(n) — the data decides whether ``narrowing-column-type`` is a real failure.

One read-only session with pgsage's statement and lock timeouts; ``max(length(column))`` per
narrowed column (a full read of that column: the timeout bounds it, and a column that cannot be
read — not there yet, timed out — keeps the offline verdict).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any

import psycopg
from pglast import ast
from pglast.enums.parsenodes import AlterTableType
from psycopg import sql

from pgsage.db.connect import SessionOptions, connect
from pgsage.lint.model import Violation
from pgsage.lint.syntax import alter_commands, relation_name, type_name, type_typmods
from pgsage.lint.types import ColumnType
from pgsage.model import Severity

RULE = "narrowing-column-type"


@dataclass(frozen=True)
class Narrowing:
    schema: str | None
    table: str  # as the rule names it (relation_name)
    relation: str
    column: str
    limit: int


def narrowings(statements: Iterable[Any]) -> list[Narrowing]:
    """ALTER COLUMN ... TYPE varchar(n)/char(n) in the parsed statements."""
    found: dict[tuple[str, str], Narrowing] = {}
    for stmt in statements:
        node = stmt.node
        if not isinstance(node, ast.AlterTableStmt) or node.relation is None:
            continue
        for cmd in alter_commands(node, AlterTableType.AT_AlterColumnType):
            new = ColumnType.of(type_name(cmd.def_.typeName), type_typmods(cmd.def_.typeName))
            if new.name in {"varchar", "bpchar"} and new.mods:
                table = relation_name(node.relation)
                found[(table, str(cmd.name))] = Narrowing(
                    node.relation.schemaname,
                    table,
                    str(node.relation.relname),
                    str(cmd.name),
                    new.mods[0],
                )
    return list(found.values())


def read_longest(dsn: str, columns: Sequence[Narrowing]) -> dict[tuple[str, str], int]:
    """(table, column) → the longest value's length in characters (0 for an empty table)."""
    longest: dict[tuple[str, str], int] = {}
    if not columns:
        return longest
    with connect(dsn, SessionOptions(application_name="pgsage-lint")) as conn:
        for item in columns:
            relation = (
                sql.Identifier(item.schema, item.relation)
                if item.schema
                else sql.Identifier(item.relation)
            )
            query = sql.SQL("SELECT pg_catalog.max(pg_catalog.length({})) FROM {}").format(
                sql.Identifier(item.column), relation
            )
            try:
                row = conn.execute(query).fetchone()
            except psycopg.Error:
                conn.rollback()  # not there yet, or too slow: the offline verdict stands
                continue
            longest[(item.table, item.column)] = int(row[0]) if row and row[0] is not None else 0
    return longest


def judged(
    violations: Sequence[Violation],
    columns: Sequence[Narrowing],
    longest: dict[tuple[str, str], int],
) -> list[Violation]:
    """The narrowing warnings decided by the data: dropped when every value fits, an error
    naming the longest value when one does not."""
    kept: list[Violation] = []
    for violation in violations:
        item = _narrowing_of(violation, columns)
        length = longest.get((item.table, item.column)) if item else None
        if item is None or length is None:
            kept.append(violation)
        elif length > item.limit:
            kept.append(
                replace(
                    violation,
                    severity=Severity.ERROR,
                    message=f"narrowing {item.table}.{item.column} to {item.limit} characters "
                    f"fails: its longest existing value has {length} characters (read with "
                    "--dsn)",
                )
            )
    return kept


def _narrowing_of(violation: Violation, columns: Sequence[Narrowing]) -> Narrowing | None:
    if violation.rule != RULE:
        return None
    for item in columns:
        if violation.table == item.table and violation.message.startswith(
            f"narrowing {item.table}.{item.column} to "
        ):
            return item
    return None
