"""Check cases as SQL files: the setup, the findings expected, and optional check parameters.

Header comments:
  -- expect: <check-id> <object as reported>   (one per finding; the set must match exactly)
  -- expect-nothing                            (a healthy schema: no finding at all)
  -- params: {"check-id": {"param": value}}    (JSON, check parameter overrides)
  -- scope: <check ids or categories>          (which checks' findings are compared;
                                                default: the category named like the folder)
  -- may-fail                                  (the next statement is expected to fail)
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg

from pgsage.model import Finding, ObjectRef

CASES = Path(__file__).parent / "cases"


@dataclass(frozen=True)
class Case:
    path: Path
    statements: list[tuple[str, bool]]  # (sql, may_fail)
    expected: set[tuple[str, str]] = field(default_factory=set)
    params: dict[str, dict[str, Any]] = field(default_factory=dict)
    scope: tuple[str, ...] = ()

    @property
    def id(self) -> str:
        return f"{self.path.parent.name}/{self.path.stem}"


def load_case(path: Path) -> Case:
    expected: set[tuple[str, str]] = set()
    params: dict[str, dict[str, Any]] = {}
    scope: tuple[str, ...] = (path.parent.name,)
    statements: list[tuple[str, bool]] = []
    buffer: list[str] = []
    may_fail = False
    for line in path.read_text().splitlines():
        stripped = line.strip()
        if m := re.match(r"--\s*expect:\s*(\S+)\s+(.+)$", stripped):
            expected.add((m.group(1), m.group(2).strip()))
        elif m := re.match(r"--\s*scope:\s*(.+)$", stripped):
            scope = tuple(m.group(1).split())
        elif m := re.match(r"--\s*params:\s*(.+)$", stripped):
            params.update(json.loads(m.group(1)))
        elif stripped == "-- may-fail":
            may_fail = True
        elif stripped.startswith("--") or not stripped:
            continue
        else:
            buffer.append(line)
            if stripped.endswith(";"):
                statements.append(("\n".join(buffer), may_fail))
                buffer, may_fail = [], False
    return Case(path, statements, expected, params, scope)


def all_cases(folder: str | None = None) -> list[Case]:
    pattern = f"{folder}/*.sql" if folder else "*/*.sql"
    return [load_case(p) for p in sorted(CASES.glob(pattern))]


def apply_case(dsn: str, case: Case) -> None:
    """Run the case's statements in one autocommit session (so SETs carry over)."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        for statement, may_fail in case.statements:
            try:
                conn.execute(statement.encode())
            except psycopg.Error:
                if not may_fail:
                    raise


def case_named(folder: str, stem: str) -> Case:
    return load_case(CASES / folder / f"{stem}.sql")


def subject(finding: Finding) -> ObjectRef:
    """The object a finding is about: the checks these tests read always name one."""
    assert finding.object is not None, finding
    return finding.object


def apply_fix_sql(dsn: str, fix_sql: str) -> None:
    """Run a finding's fix SQL statement by statement, as psql would (CONCURRENTLY needs
    autocommit); comment lines are skipped."""
    statements, buffer = [], []
    for line in fix_sql.splitlines():
        if line.startswith("--"):
            continue
        buffer.append(line)
        if line.rstrip().endswith(";"):
            statements.append("\n".join(buffer))
            buffer = []
    with psycopg.connect(dsn, autocommit=True) as conn:
        for statement in statements:
            conn.execute(statement.encode())
