"""One pass over the catalogs into a typed, JSON-serialisable Snapshot.

The box: ``model`` (the Snapshot), ``sections`` (what both collectors share), ``fast`` (the
collector in use: its speed tricks stay there, with ``pipelined``, many sections in one round
trip), ``plain`` (the same snapshot read the obvious
way, the fast one's test reference), ``indexdef`` (plain index definitions written in Python)
and ``run`` (one collection's thread pool and the GC policy).
"""

from __future__ import annotations

import psycopg
from psycopg.rows import TupleRow

from pgsage.db.snapshot.fast import collect_fast
from pgsage.db.snapshot.model import FORMAT_VERSION, Snapshot
from pgsage.db.snapshot.plain import collect_plain
from pgsage.db.snapshot.run import SnapshotRun
from pgsage.db.snapshot.sections import StatementsHook, call_hook

__all__ = [
    "FORMAT_VERSION",
    "Snapshot",
    "SnapshotRun",
    "StatementsHook",
    "collect_snapshot",
]


def collect_snapshot(
    conn: psycopg.Connection[TupleRow],
    *,
    run: SnapshotRun | None = None,
    parallel: bool = True,
    plain: bool = False,
    on_statements: StatementsHook | None = None,
) -> Snapshot:
    """Collect a snapshot over an open pgsage session (see ``connect``).

    The fast collector works on ``run``'s workers (a run of its own when none is given);
    ``parallel=False`` keeps it to one session. ``plain=True`` reads the snapshot the plain
    way instead (plain.py: the reference the tests compare the fast one with).

    ``on_statements`` is called on a worker with the workload's statements as soon as they are
    read (the first section), while the server reads the catalogs: the audit parses their
    texts there. It has returned when the snapshot is; whatever it raises is left out.
    """
    if plain:
        snapshot = collect_plain(conn)
        if on_statements is not None and snapshot.statements:
            call_hook(on_statements, snapshot.statements)
        return snapshot
    if run is None:
        with SnapshotRun() as own:
            return collect_fast(conn, own, parallel=parallel, on_statements=on_statements)
    return collect_fast(conn, run, parallel=parallel, on_statements=on_statements)
