"""The lint vocabulary: rule groups, options, statements, violations and the unit of linting."""

from __future__ import annotations

from collections.abc import Container
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from pgsage.model import Severity

DEFAULT_PG_VERSION = 18


class Group(StrEnum):
    LOCKING = "locking"
    COMPATIBILITY = "compatibility"
    TRANSACTIONS = "transactions"
    STYLE = "style"


class SourceKind(StrEnum):
    SQL = "sql"
    ALEMBIC = "alembic"


@dataclass(frozen=True)
class LintOptions:
    pg_version: int = DEFAULT_PG_VERSION
    assume_in_transaction: bool = False
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    since: str | None = None


@dataclass(frozen=True)
class Statement:
    """One parsed statement of a unit; ``line``/``column`` are 1-based in the unit's file."""

    node: Any
    text: str
    start: int
    line: int
    column: int
    end_line: int
    index: int
    py_line: int | None = None
    in_autocommit_block: bool = False
    type_hints: tuple[tuple[str, str, str], ...] = ()


@dataclass(frozen=True)
class Suppression:
    line: int
    rules: tuple[str, ...]
    reason: str
    target_lines: Container[int]  # the lines of the statements it covers


@dataclass
class Unit:
    """What one migration is: a .sql file, or one Alembic revision rendered to SQL."""

    path: Path
    kind: SourceKind
    sql: str
    # A .sql file read window by window while it is linted (``sql`` is then empty): files of
    # any size are linted in bounded memory.
    from_file: bool = False
    revision: str | None = None
    down_revisions: tuple[str, ...] = ()
    # Alembic: the rendered statements' Python lines, by character offset in ``sql``.
    chunk_lines: list[tuple[int, int | None, bool]] = field(default_factory=list)
    source_text: str = ""
    upgrade_line: int | None = None
    assume_in_transaction: bool | None = None
    # Settings the migration runner applies before each migration (e.g. lock_timeout in env.py).
    preset_settings: frozenset[str] = frozenset()
    # Alembic: where offline rendering stopped (line, reason), e.g. at op.get_bind().
    render_problem: tuple[int, str] | None = None
    # Alembic: (table, column, old type as PostgreSQL spells it) by chunk offset in ``sql``.
    type_hints: dict[int, tuple[tuple[str, str, str], ...]] = field(default_factory=dict)
    # Alembic: which function was rendered (``upgrade`` or, with --downgrade, ``downgrade``),
    # and the lines of the other one, whose suppression comments are not this unit's.
    function: str = "upgrade"
    other_function_lines: tuple[int, int] | None = None


@dataclass(frozen=True)
class Violation:
    file: str
    line: int
    column: int
    rule: str
    aliases: tuple[str, ...]
    severity: Severity
    message: str
    fix: str = ""
    group: str = ""
    revision: str | None = None
    table: str | None = None
    downgrade: bool = False  # found in a revision's downgrade() (--downgrade)

    def sort_key(self) -> tuple[str, int, int, str, str]:
        return (self.file, self.line, self.column, self.rule, self.message)


@dataclass(frozen=True)
class UnitError:
    file: str
    message: str


@dataclass(frozen=True)
class LintResult:
    violations: tuple[Violation, ...]
    errors: tuple[UnitError, ...]
    files: int
    statements: int
    notes: tuple[str, ...] = ()
    rules: tuple[str, ...] = ()  # the ids of the rules that ran
