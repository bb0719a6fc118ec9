"""A SQL migration as a stream of statements: read window by window, parsed chunk by chunk.

A file of any size is linted in bounded memory: the text is read in windows of
``WINDOW_CHARS``, each window is cut where the scanner says the last statement in it starts,
and the complete statements before the cut are parsed together (as the whole file would be)
and handed out one by one; only the current chunk's parse tree is alive. Positions stay those
of the whole file: the chunk's offset, line and column are carried from chunk to chunk.

A window whose end falls inside a string, comment or dollar-quoted body is cut before the
statement holding it; a window holding one statement only (bigger than the window) is doubled
until the statement ends in it. A chunk pglast rejects is first
merged with the following chunks (the scanner, which does not parse, may have cut inside a
``BEGIN ATOMIC`` body), and only then read piece by piece as ``source_sql`` does with a file
that does not parse, so one bad statement becomes a ``syntax-error`` and the rest is linted.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, TextIO

import pglast
from pglast import parser

from pgsage.lint.model import Statement
from pgsage.lint.source_sql import SyntaxProblem, raw_statements, skip_noise, statement_end

WINDOW_CHARS = 1 << 16
# How many following chunks a chunk that does not parse is merged with before it is read
# statement by statement.
MAX_MERGES = 4
_BREAK = re.compile(r"\r\n|\n|\r")

# A chunk's statements as (node, start, end), and the pieces of it that did not parse.
Raw = tuple[list[tuple[Any, int, int]], list[SyntaxProblem]]
# (bytes of the file read so far) → None: the CLI shows progress from it.
Progress = Callable[[int], None]


@dataclass
class Chunk:
    """Complete statements of the text, starting at ``offset`` (line ``line``, the chunk's
    first character at ``column`` of it)."""

    text: str
    offset: int
    line: int
    column: int


def chunks(source: TextIO, window: int = WINDOW_CHARS) -> Iterator[tuple[str, int]]:
    """(text, offset) pieces of ``source`` that each end where a statement starts (the last
    one at the end of the text); together they are the whole text."""
    buffer = ""
    offset = 0
    eof = False
    while not eof or buffer:
        if not eof:
            # a window that had no cut is doubled: one huge statement costs a few scans
            more = source.read(max(window, len(buffer)))
            eof = not more
            buffer += more
            if not eof and len(buffer) < window:
                continue
        cut = len(buffer) if eof else last_statement_start(buffer)
        if cut <= 0:
            continue  # no cut in this window yet: read the next one into it
        yield buffer[:cut], offset
        offset += cut
        buffer = buffer[cut:]


def last_statement_start(text: str) -> int:
    """Where the text's last statement starts (the window may cut it off), or 0 when there is
    one statement only. When a literal or comment runs past the end, the text before it."""
    try:
        slices = parser.split(text, with_parser=False, only_slices=True)
    except parser.ParseError as exc:
        unterminated = exc.args[1] if len(exc.args) > 1 else 0
        if not isinstance(unterminated, int) or not 0 < unterminated < len(text):
            return 0
        return last_statement_start(text[:unterminated])
    return int(slices[-1].start) if len(slices) > 1 else 0


@dataclass
class Positions:
    """Line and column of the next chunk's first character, carried along the text."""

    line: int = 1
    column: int = 1

    def chunk(self, text: str, offset: int) -> Chunk:
        chunk = Chunk(text, offset, self.line, self.column)
        breaks = [m.end() for m in _BREAK.finditer(text)]
        if breaks:
            self.line += len(breaks)
            self.column = len(text) - breaks[-1] + 1
        else:
            self.column += len(text)
        return chunk


@dataclass
class ChunkIndex:
    """Offset in a chunk → (line, column) in the whole text."""

    chunk: Chunk
    starts: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.starts = [0] + [m.end() for m in _BREAK.finditer(self.chunk.text)]

    def position(self, offset: int) -> tuple[int, int]:
        line = bisect.bisect_right(self.starts, offset)
        column = offset - self.starts[line - 1] + 1
        if line == 1:
            column += self.chunk.column - 1
        return self.chunk.line + line - 1, column


def parsed_chunks(source: TextIO, window: int = WINDOW_CHARS) -> Iterator[tuple[Chunk, Raw]]:
    """Chunks and their statements, merged where a cut fell inside a statement."""
    positions = Positions()
    pending = chunks(source, window)
    for first, offset in pending:
        text = first
        parsed = _parse(text)
        for _ in range(MAX_MERGES):
            following = None if parsed is not None else next(pending, None)
            if following is None:
                break
            text += following[0]
            parsed = _parse(text)
        yield positions.chunk(text, offset), parsed or raw_statements(text)


def _parse(text: str) -> Raw | None:
    """(statements, no problems) when pglast parses the whole text, else None."""
    try:
        parsed = pglast.parse_sql(text)
    except parser.ParseError:
        return None
    return [(raw.stmt, int(raw.stmt_location or 0), statement_end(text, raw)) for raw in parsed], []


@dataclass
class SqlStatements:
    """The statements of a SQL text, one at a time; syntax problems are collected in
    ``problems`` as (line, column, message) while they are met."""

    source: TextIO
    window: int = WINDOW_CHARS
    progress: Progress | None = None
    problems: list[tuple[int, int, str]] = field(default_factory=list)
    count: int = 0

    def __iter__(self) -> Iterator[Statement]:
        for chunk, (raw, problems) in parsed_chunks(self.source, self.window):
            index = ChunkIndex(chunk)
            for node, start, end in raw:
                real_start = min(skip_noise(chunk.text, start), end)
                line, column = index.position(real_start)
                end_line, _ = index.position(max(real_start, end - 1))
                yield Statement(
                    node=node,
                    text=chunk.text[real_start:end].strip(),
                    start=chunk.offset + real_start,
                    line=line,
                    column=column,
                    end_line=end_line,
                    index=self.count,
                )
                self.count += 1
            for problem in problems:
                self.problems.append((*index.position(problem.offset), problem.message))
            if self.progress is not None:
                self.progress(_bytes_read(self.source, chunk.offset + len(chunk.text)))


def _bytes_read(source: TextIO, characters: int) -> int:
    """How far in the file the reading is (bytes, read-ahead included), or the characters
    read for a text in memory."""
    raw = getattr(source, "buffer", None)
    return int(raw.tell()) if raw is not None else characters
