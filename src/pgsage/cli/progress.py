"""Progress of a long `pgsage lint` on stderr.

Shown on a terminal for files of ``LARGE_FILE_BYTES`` or more (one line, rewritten in place),
or always with ``--progress`` (then, off a terminal, one line per tenth of each file so a CI
log stays short); never with ``--no-progress``. Standard output is never touched.
"""

from __future__ import annotations

import sys
from typing import TextIO

from pgsage.lint.model import Unit

LARGE_FILE_BYTES = 4 << 20


class LintProgress:
    def __init__(self, forced: bool | None, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stderr
        self.terminal = self.stream.isatty()
        self.forced = forced
        self.shown: dict[str, int] = {}  # file → the last tenth (or permille) shown

    def __call__(self, unit: Unit, done: int) -> None:
        total = self._size(unit)
        if total is None:
            return
        if self.forced is None and (not self.terminal or total < LARGE_FILE_BYTES):
            return
        share = min(done / total, 1.0) if total else 1.0
        step = int(share * (1000 if self.terminal else 10))
        if self.shown.get(str(unit.path)) == step:
            return
        self.shown[str(unit.path)] = step
        line = (
            f"pgsage lint: {unit.path}: {min(done, total) / 1e6:,.1f} of "
            f"{total / 1e6:,.1f} MB ({int(share * 100)}%)"
        )
        if self.terminal:
            end = "\n" if share >= 1.0 else ""
            self.stream.write(f"\r\x1b[K{line}{end}")
        else:
            self.stream.write(line + "\n")
        self.stream.flush()

    def _size(self, unit: Unit) -> int | None:
        if self.forced is False or not unit.from_file:
            return None
        try:
            return unit.path.stat().st_size
        except OSError:
            return None
