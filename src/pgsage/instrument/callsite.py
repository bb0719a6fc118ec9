"""The call site of a statement: the first frame outside SQLAlchemy, pgsage and the stdlib.

It is computed for every statement inside a unit of work, so it must be cheap: a plain
``sys._getframe`` walk with the verdict per file name cached (``inspect.stack()`` would read
source files and cost milliseconds). Under asyncio, SQLAlchemy runs the ORM in a greenlet whose
stack ends at ``greenlet_spawn``; the application's frames are in the parent greenlet, so the walk
continues there.
"""

from __future__ import annotations

import os
import sys
import sysconfig
from pathlib import Path
from types import FrameType

UNKNOWN = "<unknown>"
MAX_FRAMES = 200
MAX_HINTS = 4  # distinct code paths (Core, ORM get, ORM query, ...) remembered


def _package_dir(module: str) -> str | None:
    loaded = sys.modules.get(module)
    location = getattr(loaded, "__file__", None)
    return str(Path(location).resolve().parent) + os.sep if location else None


def _stdlib_dirs() -> tuple[str, ...]:
    paths = sysconfig.get_paths()
    dirs = {
        str(Path(paths[key]).resolve()) + os.sep for key in ("stdlib", "platstdlib") if key in paths
    }
    return tuple(sorted(dirs))


class CallSiteFinder:
    """Finds ``file:line`` of the application code that caused the current statement."""

    def __init__(self, *, root: Path | None = None) -> None:
        internal = [_package_dir("sqlalchemy"), _package_dir("pgsage"), _package_dir("greenlet")]
        self._internal_dirs = tuple(d for d in internal if d)
        self._stdlib_dirs = _stdlib_dirs()
        self._root = str((root or Path.cwd()).resolve()) + os.sep
        # file name -> shown name, or None when the file is internal; bounded by the number of
        # source files the process runs.
        self._verdicts: dict[str, str | None] = {}
        self._hints: tuple[int, ...] = ()

    def _classify(self, filename: str) -> str | None:
        if filename.startswith("<"):
            shown: str | None = None if filename.startswith("<frozen") else filename
        else:
            try:
                resolved = os.path.realpath(filename)
            except (OSError, ValueError):
                resolved = filename
            internal = resolved.startswith(self._internal_dirs) or (
                resolved.startswith(self._stdlib_dirs)
                and "site-packages" not in resolved
                and "dist-packages" not in resolved
            )
            if internal:
                shown = None
            elif resolved.startswith(self._root):
                shown = resolved[len(self._root) :]
            else:
                shown = resolved
        self._verdicts[filename] = shown
        return shown

    def _walk(self, frame: FrameType | None, budget: int) -> tuple[str | None, int]:
        verdicts = self._verdicts
        while frame is not None and budget > 0:
            filename = frame.f_code.co_filename
            try:
                shown = verdicts[filename]
            except KeyError:
                shown = self._classify(filename)
            if shown is not None:
                return f"{shown}:{frame.f_lineno}", budget
            frame = frame.f_back
            budget -= 1
        return None, budget

    def find(self, depth: int = 0) -> str:
        """The call site, starting the walk ``depth`` frames above the caller."""
        found = self._by_hint(depth + 2)
        if found is not None:
            return found
        try:
            frame: FrameType | None = sys._getframe(depth + 1)
        except ValueError:
            return UNKNOWN
        found, budget = self._walk(frame, MAX_FRAMES)
        if found is not None:
            self._learn(MAX_FRAMES - budget)
            return found
        greenlet = sys.modules.get("greenlet")
        if greenlet is None:
            return UNKNOWN
        parent = greenlet.getcurrent().parent
        while parent is not None and budget > 0:
            found, budget = self._walk(parent.gr_frame, budget)
            if found is not None:
                return found
            parent = parent.parent
        return UNKNOWN

    # Walking frame by frame costs a frame object per frame on Python 3.11 (f_back creates
    # it); sys._getframe(n) creates only the n-th. The same code path puts the application's
    # frame at the same distance every time, so the last few distances found are tried first:
    # a hit is a frame outside the internal packages whose callee is inside them. (An
    # application frame further down, between two SQLAlchemy frames, would be skipped; the
    # site reported is then its caller, the same one every time.)
    def _by_hint(self, base: int) -> str | None:
        verdicts = self._verdicts
        for distance in self._hints:
            try:
                frame = sys._getframe(base + distance)
                callee = sys._getframe(base + distance - 1)
            except ValueError:
                continue
            filename = frame.f_code.co_filename
            shown = verdicts[filename] if filename in verdicts else self._classify(filename)
            if shown is None:
                continue
            inner = callee.f_code.co_filename
            if (verdicts[inner] if inner in verdicts else self._classify(inner)) is None:
                return f"{shown}:{frame.f_lineno}"
        return None

    def _learn(self, distance: int) -> None:
        if distance > 0 and distance not in self._hints:
            self._hints = (distance, *self._hints)[:MAX_HINTS]
