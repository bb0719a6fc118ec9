"""rich's Console on stderr, made on first use.

Importing rich.console costs about 12 ms of every start-up, which commands that print nothing
on stderr (``pgsage audit --format json``) need not pay (lazy: start-up time of the CLI).
"""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.console import Console


class StderrConsole:
    """``print()`` goes to a ``rich.console.Console(stderr=True)`` made at the first call."""

    @cached_property
    def console(self) -> Console:
        from rich.console import Console

        return Console(stderr=True)

    def print(self, *objects: Any, **kwargs: Any) -> None:
        self.console.print(*objects, **kwargs)
