"""A SQL migration read as a stream: what is known before its statements (suppression
comments, the disable-assume marker), its statements, and its suppressions' targets.

Nothing here holds the whole text or all statements: the comments are found line by line in
a first read, and each comment's target is settled when the statement it covers goes by.
"""

from __future__ import annotations

import bisect
import io
from array import array
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import TextIO

from pgsage.lint.model import Statement, Suppression, Unit
from pgsage.lint.source_sql import SuppressionComment, suppression_comments

DISABLE_ASSUME_MARKERS = (
    "squawk-disable-assume-in-transaction",
    "pgsage: disable-assume-in-transaction",
)


def open_sql(unit: Unit) -> TextIO:
    """The unit's text: from its file (universal newlines, as ``Path.read_text`` reads it), or
    from memory as it is."""
    if unit.from_file:
        return unit.path.open(encoding="utf-8")
    return io.StringIO(unit.sql, newline="")


@dataclass
class Prescan:
    comments: list[SuppressionComment]
    disables_assume: bool


def prescan(unit: Unit) -> Prescan:
    marker = False

    def lines(source: TextIO) -> Iterator[str]:
        nonlocal marker
        for physical in source:
            marker = marker or any(m in physical for m in DISABLE_ASSUME_MARKERS)
            # str.splitlines() numbering, as the whole text's (form feeds etc. end lines too)
            yield from physical.splitlines() or [""]

    with open_sql(unit) as source:
        comments = list(suppression_comments(lines(source), python=False))
    return Prescan(comments, marker)


class SortedLines:
    """Statement lines in file order, in an array: membership by bisection."""

    def __init__(self) -> None:
        self.lines = array("q")

    def add(self, line: int) -> None:
        if not self.lines or self.lines[-1] != line:
            self.lines.append(line)

    def __contains__(self, line: object) -> bool:
        if not isinstance(line, int):
            return False
        at = bisect.bisect_left(self.lines, line)
        return at < len(self.lines) and self.lines[at] == line


@dataclass
class StreamedTargets:
    """Each comment covers the statement on its line, else the next one after it; a
    file-wide comment covers every statement (their lines are kept only then)."""

    comments: list[SuppressionComment]
    pending: deque[SuppressionComment] = field(default_factory=deque)
    targets: dict[int, tuple[int, ...]] = field(default_factory=dict)
    statement_lines: SortedLines | None = None

    def __post_init__(self) -> None:
        self.pending = deque(c for c in self.comments if not c.file_wide)
        if any(c.file_wide for c in self.comments):
            self.statement_lines = SortedLines()

    def see(self, stmt: Statement) -> None:
        while self.pending and self.pending[0].line <= stmt.end_line:
            self.targets[self.pending.popleft().line] = (stmt.line,)
        if self.statement_lines is not None:
            self.statement_lines.add(stmt.line)

    def suppressions(self) -> list[Suppression]:
        return [
            Suppression(
                line=c.line,
                rules=c.rules,
                reason=c.reason,
                target_lines=self.statement_lines
                if c.file_wide and self.statement_lines is not None
                else self.targets.get(c.line, ()),
            )
            for c in self.comments
        ]


def tracked(statements: Iterable[Statement], targets: StreamedTargets) -> Iterator[Statement]:
    for stmt in statements:
        targets.see(stmt)
        yield stmt
