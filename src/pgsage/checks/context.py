"""AuditContext: what one audit run shares between its checks.

The runner makes one per run (``run_checks``) and hands it to every check it builds
(``Check.context``). It holds the snapshot, the workload's statement texts parsed once (the
audit parses them while the server reads the catalogs and passes its parser in), and the views
several checks derive from the snapshot, each built on first use and kept for the rest of the
run. Views are immutable (tuples, read-only mappings): checks share them, none may change them.
Nothing here outlives the run: no module-level caches.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, cast

from pgsage.db.snapshot import Snapshot
from pgsage.sql.analysis import StatementInfo, StatementParser

T = TypeVar("T")


class AuditContext:
    def __init__(self, snapshot: Snapshot, parser: StatementParser | None = None) -> None:
        self.snapshot = snapshot
        self._parser = parser if parser is not None else StatementParser()
        self._views: dict[Callable[[AuditContext], Any], Any] = {}

    def statement(self, query: str) -> StatementInfo | None:
        """What a statement text does (``sql.analysis.analyze``), each text parsed once."""
        return self._parser.analyze(query)

    def view(self, build: Callable[[AuditContext], T]) -> T:
        """``build(self)``, built on first use and kept for the run. ``build`` is a module-level
        function of the helper module that owns the view (``checks.queries.folded.workload``
        ...) and returns an immutable value."""
        try:
            return cast(T, self._views[build])
        except KeyError:
            value = self._views[build] = build(self)
            return value
