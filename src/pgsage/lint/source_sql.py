"""SQL text → parsed statements with positions, and the suppression comments in it.

The whole text is parsed at once (fast); when pglast rejects it, the text is split by the
scanner (or by semicolons) and each piece is parsed on its own, so one statement pglast cannot
read becomes a ``syntax-error`` and the others are still linted.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import pglast
from pglast import parser

from pgsage.lint.model import Statement, Suppression, Unit

_LEADING_NOISE = re.compile(r"(?:\s+|--[^\n]*(?:\n|\Z)|/\*.*?\*/)*", re.DOTALL)
SQL_SUPPRESSION = re.compile(r"--\s*pgsage:\s*ignore(-file)?\[([^\]]*)\]\s*(.*)$")
PY_SUPPRESSION = re.compile(r"#\s*pgsage:\s*ignore(-file)?\[([^\]]*)\]\s*(.*)$")
# squawk's own comments, so that files linted by squawk before keep their decisions.
SQUAWK_SUPPRESSION = re.compile(r"--\s*squawk-ignore(-file)?\s+([\w,\s-]+?)\s*$")


@dataclass(frozen=True)
class SyntaxProblem:
    offset: int
    message: str


class LineIndex:
    """Character offset → 1-based (line, column)."""

    def __init__(self, text: str) -> None:
        self.starts = [0] + [m.end() for m in re.finditer(r"\r\n|\n|\r", text)]

    def position(self, offset: int) -> tuple[int, int]:
        line = bisect.bisect_right(self.starts, offset)
        return line, offset - self.starts[line - 1] + 1


def raw_statements(sql: str) -> tuple[list[tuple[Any, int, int]], list[SyntaxProblem]]:
    """(node, start, end) per statement, and the pieces that did not parse."""
    try:
        return [
            (raw.stmt, int(raw.stmt_location or 0), statement_end(sql, raw))
            for raw in pglast.parse_sql(sql)
        ], []
    except parser.ParseError:
        pass
    found: list[tuple[Any, int, int]] = []
    problems: list[SyntaxProblem] = []
    for start, end in _pieces(sql):
        piece = sql[start:end]
        if not piece.strip() or not _LEADING_NOISE.sub("", piece, count=1).strip():
            continue
        try:
            parsed = pglast.parse_sql(piece)
        except parser.ParseError as exc:
            message = re.sub(r", at index \d+$", "", str(exc).split("\n")[0])
            problems.append(SyntaxProblem(start + skip_noise(piece, 0), message))
            continue
        found.extend(
            (raw.stmt, start + int(raw.stmt_location or 0), start + statement_end(piece, raw))
            for raw in parsed
        )
    return found, problems


def statement_end(sql: str, raw: Any) -> int:
    return int((raw.stmt_location or 0) + raw.stmt_len) if raw.stmt_len else len(sql)


def _pieces(sql: str) -> list[tuple[int, int]]:
    try:
        slices = parser.split(sql, with_parser=False, only_slices=True)
        pieces = [(s.start, s.stop) for s in slices]
    except parser.ParseError:
        pieces = []
        start = 0
        for match in re.finditer(";", sql):
            pieces.append((start, match.start()))
            start = match.end()
        pieces.append((start, len(sql)))
    # The scanner may drop a tail it cannot tokenise; keep it so it is reported, not lost.
    covered = max((end for _, end in pieces), default=0)
    tail = sql[covered:].lstrip("; \t\r\n")
    if tail.strip():
        pieces.append((len(sql) - len(tail), len(sql)))
    return pieces


def skip_noise(sql: str, start: int) -> int:
    match = _LEADING_NOISE.match(sql, start)
    return match.end() if match else start


def parse_statements(unit: Unit) -> tuple[list[Statement], list[tuple[int, int, str]]]:
    """The unit's statements and its syntax problems as (line, column, message)."""
    raw, problems = raw_statements(unit.sql)
    index = LineIndex(unit.sql)
    chunk_offsets = [offset for offset, _, _ in unit.chunk_lines]
    statements: list[Statement] = []
    for position, (node, start, end) in enumerate(raw):
        real_start = min(skip_noise(unit.sql, start), end)
        text = unit.sql[real_start:end].strip()
        line, column = index.position(real_start)
        end_line, _ = index.position(max(real_start, end - 1))
        py_line: int | None = None
        autocommit = False
        hints: tuple[tuple[str, str, str], ...] = ()
        if unit.chunk_lines:
            chunk = max(bisect.bisect_right(chunk_offsets, real_start) - 1, 0)
            chunk_start, py_line, autocommit = unit.chunk_lines[chunk]
            hints = unit.type_hints.get(chunk_start, ())
            line = py_line or unit.upgrade_line or 1
            end_line = line
            column = 1
        statements.append(
            Statement(
                node=node,
                text=text,
                start=real_start,
                line=line,
                column=column,
                end_line=end_line,
                index=position,
                py_line=py_line,
                in_autocommit_block=autocommit,
                type_hints=hints,
            )
        )
    errors = []
    for problem in problems:
        line, column = index.position(problem.offset)
        if unit.chunk_lines:
            chunk = max(bisect.bisect_right(chunk_offsets, problem.offset) - 1, 0)
            line, column = unit.chunk_lines[chunk][1] or unit.upgrade_line or 1, 1
        errors.append((line, column, problem.message))
    return statements, errors


def _split_rules(text: str) -> tuple[str, ...]:
    return tuple(sorted({r.strip().lower() for r in text.split(",") if r.strip()}))


@dataclass(frozen=True)
class SuppressionComment:
    """A suppression comment as written: its line, rules, reason, whether it covers the whole
    file, and whether code comes before it on its line."""

    line: int
    rules: tuple[str, ...]
    reason: str
    file_wide: bool
    trailing: bool


def suppression_comments(lines: Iterable[str], python: bool) -> Iterator[SuppressionComment]:
    """The suppression comments among ``lines`` (numbered from 1)."""
    pattern = PY_SUPPRESSION if python else SQL_SUPPRESSION
    for number, content in enumerate(lines, start=1):
        match = pattern.search(content)
        reason_group = 3
        if not match and not python:
            match = SQUAWK_SUPPRESSION.search(content)
            reason_group = 0
        if not match:
            continue
        yield SuppressionComment(
            line=number,
            rules=_split_rules(match.group(2)),
            reason=match.group(reason_group).strip() if reason_group else "squawk-ignore",
            file_wide=bool(match.group(1)),
            trailing=bool(content[: match.start()].strip()),
        )


def find_suppressions(text: str, statements: list[Statement], python: bool) -> list[Suppression]:
    """``-- pgsage: ignore[rule] reason`` (``#`` in revision files): the statement on the same
    line, else the next statement after the comment; ``ignore-file[rule]``: every statement.
    squawk's ``-- squawk-ignore rule`` and ``-- squawk-ignore-file rule`` work the same way."""
    found: list[Suppression] = []
    lines = text.splitlines()
    for comment in suppression_comments(lines, python):
        if comment.file_wide:
            targets: tuple[int, ...] = tuple(sorted({s.line for s in statements}))
        elif python:
            targets = _python_targets(lines, comment.line, comment.trailing)
        else:
            targets = _sql_targets(statements, comment.line)
        found.append(
            Suppression(
                line=comment.line, rules=comment.rules, reason=comment.reason, target_lines=targets
            )
        )
    return found


def _sql_targets(statements: list[Statement], line: int) -> tuple[int, ...]:
    for stmt in statements:
        if stmt.line <= line <= stmt.end_line:
            return (stmt.line,)
    following = [stmt.line for stmt in statements if stmt.line > line]
    return (min(following),) if following else ()


def _python_targets(lines: list[str], line: int, trailing: bool) -> tuple[int, ...]:
    if trailing:
        return (line,)
    for number in range(line + 1, len(lines) + 1):
        stripped = lines[number - 1].strip()
        if stripped and not stripped.startswith("#"):
            return (number,)
    return ()
