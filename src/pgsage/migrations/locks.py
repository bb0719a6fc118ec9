"""Measuring what one statement did, from inside its own transaction.

Before and after each statement the same backend reads, without leaving its transaction:
its own granted relation locks (``pg_locks`` where ``pid = pg_backend_pid()``; heavyweight locks
are held to the end of the transaction, so the difference is what the statement took), the
``relfilenode`` of every user relation (a new one on an existing relation means the table was
rewritten or the index rebuilt), and ``pg_stat_xact_user_tables.seq_scan`` (a full scan, e.g. to
validate a constraint). System catalogs (oid < 16384) are left out: every DDL statement locks
them briefly and they say nothing about the application's tables.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

LOCK_NAMES = {
    "AccessShareLock": "ACCESS SHARE",
    "RowShareLock": "ROW SHARE",
    "RowExclusiveLock": "ROW EXCLUSIVE",
    "ShareUpdateExclusiveLock": "SHARE UPDATE EXCLUSIVE",
    "ShareLock": "SHARE",
    "ShareRowExclusiveLock": "SHARE ROW EXCLUSIVE",
    "ExclusiveLock": "EXCLUSIVE",
    "AccessExclusiveLock": "ACCESS EXCLUSIVE",
}
LOCK_STRENGTH = {name: rank for rank, name in enumerate(LOCK_NAMES.values())}
# Modes that block writes (SHARE and above) or everything (ACCESS EXCLUSIVE) on a live table.
BLOCKING_MODES = frozenset({"SHARE", "SHARE ROW EXCLUSIVE", "EXCLUSIVE", "ACCESS EXCLUSIVE"})

RELKINDS = {
    "r": "table",
    "p": "partitioned table",
    "i": "index",
    "I": "partitioned index",
    "S": "sequence",
    "v": "view",
    "m": "materialized view",
    "t": "toast table",
    "f": "foreign table",
    "c": "type",
}

FIRST_NORMAL_OID = 16384

LOCKS_QUERY = """
SELECT l.relation::bigint, l.mode
FROM pg_catalog.pg_locks l
WHERE l.pid = pg_catalog.pg_backend_pid() AND l.locktype = 'relation' AND l.granted
  AND l.relation >= 16384::oid
  AND l.database = (SELECT oid FROM pg_catalog.pg_database
                    WHERE datname = pg_catalog.current_database())
"""

RELATIONS_QUERY = """
SELECT c.oid::bigint, c.relfilenode::bigint, n.nspname, c.relname, c.relkind::text,
       COALESCE(s.seq_scan, 0)
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_catalog.pg_stat_xact_user_tables s ON s.relid = c.oid
WHERE c.oid >= 16384::oid
  AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
"""


@dataclass(frozen=True)
class Relation:
    oid: int
    filenode: int
    name: str  # schema.name
    kind: str
    seq_scans: int


@dataclass(frozen=True)
class State:
    locks: frozenset[tuple[int, str]]
    relations: dict[int, Relation]


@dataclass(frozen=True)
class LockTaken:
    relation: str
    kind: str
    mode: str
    preexisting: bool  # the relation existed before the migration step began

    def to_json(self) -> dict[str, Any]:
        return {
            "relation": self.relation,
            "kind": self.kind,
            "mode": self.mode,
            "preexisting": self.preexisting,
        }


@dataclass(frozen=True)
class Effects:
    locks: tuple[LockTaken, ...]
    rewritten: tuple[str, ...]
    scanned: tuple[str, ...]
    created: tuple[str, ...]
    dropped: tuple[str, ...]


def read_state(dbapi_connection: Any) -> State:
    """Both snapshots on the given DB-API (psycopg) connection, inside its transaction."""
    with dbapi_connection.cursor() as cur:
        cur.execute(LOCKS_QUERY)
        locks = frozenset(
            (int(oid), LOCK_NAMES.get(str(mode), str(mode))) for oid, mode in cur.fetchall()
        )
        cur.execute(RELATIONS_QUERY)
        relations = {
            int(oid): Relation(
                int(oid),
                int(node),
                f"{schema}.{name}",
                RELKINDS.get(str(kind), str(kind)),
                int(scans),
            )
            for oid, node, schema, name, kind, scans in cur.fetchall()
        }
    return State(locks, relations)


def effects(before: State, after: State, baseline: dict[int, Relation]) -> Effects:
    """What happened between two states; ``baseline`` are the relations before the step."""
    names = {**baseline, **before.relations, **after.relations}
    # An index an earlier statement of the step rebuilt has a new oid but is the same index.
    indexes_before = {(r.name, r.kind) for r in baseline.values() if r.kind.endswith("index")}
    taken = []
    for oid, mode in sorted(after.locks - before.locks):
        relation = names.get(oid)
        if relation is None or relation.kind == "toast table":
            continue
        existed = oid in baseline or (relation.name, relation.kind) in indexes_before
        taken.append(LockTaken(relation.name, relation.kind, mode, existed))
    taken = _one_per_mode(taken)
    taken.sort(key=lambda t: (t.relation, -LOCK_STRENGTH.get(t.mode, 0), t.mode))
    rewritten = sorted(
        f"{rel.name} ({rel.kind})"
        for oid, rel in after.relations.items()
        if oid in before.relations
        and rel.filenode
        and before.relations[oid].filenode
        and rel.filenode != before.relations[oid].filenode
        and rel.kind != "toast table"
    )
    scanned = sorted(
        rel.name
        for oid, rel in after.relations.items()
        if oid in before.relations and rel.seq_scans > before.relations[oid].seq_scans
    )
    created = sorted(
        f"{rel.name} ({rel.kind})"
        for oid, rel in after.relations.items()
        if oid not in before.relations and rel.kind != "toast table"
    )
    dropped = sorted(
        f"{rel.name} ({rel.kind})"
        for oid, rel in before.relations.items()
        if oid not in after.relations and rel.kind != "toast table"
    )
    # An index rebuilt by ALTER COLUMN TYPE is dropped and created again under its own name:
    # rebuilt (as a rewrite), not one new and one gone.
    rebuilt = set(created) & set(dropped)
    created = [c for c in created if c not in rebuilt]
    dropped = [d for d in dropped if d not in rebuilt]
    rewritten = sorted(set(rewritten) | rebuilt)
    return Effects(tuple(taken), tuple(rewritten), tuple(scanned), tuple(created), tuple(dropped))


def _one_per_mode(taken: list[LockTaken]) -> list[LockTaken]:
    """One line per (relation, mode): a relation dropped and created again under its name (a
    rebuilt index) is one relation that existed before the step."""
    kept: dict[tuple[str, str, str], LockTaken] = {}
    for lock in taken:
        key = (lock.relation, lock.kind, lock.mode)
        if key not in kept or lock.preexisting:
            kept[key] = lock
    return list(kept.values())


SAMPLE_QUERY = """
SELECT l.relation::bigint, l.mode, l.granted, l.locktype
FROM pg_catalog.pg_locks l
WHERE l.pid = %s AND (NOT l.granted OR (l.locktype = 'relation' AND l.relation >= 16384::oid))
"""
# Waiting for another transaction to end: the phase where the statement holds all its locks.
# (A wait for a relation lock — autovacuum on the table, say — comes earlier: keep polling.)
TRANSACTION_WAITS = frozenset({"virtualxid", "transactionid"})


class WaitSampler:
    """Measure a statement that must run outside a transaction (CREATE INDEX CONCURRENTLY,
    REINDEX CONCURRENTLY), whose locks are gone by the time it returns.

    Such a statement waits for every transaction with an older snapshot before it finishes. A
    *blocker* session holds a snapshot open while an *observer* thread polls ``pg_locks`` for the
    statement's backend; once the statement is seen waiting, its granted locks are recorded and
    the blocker lets it go. A statement that never waits (so is never caught holding its locks)
    stays unmeasured — nothing is guessed. Locks on relations the statement itself creates are
    left out: they are held only before its first commit, when no other session can see them.
    """

    POLL_S = 0.005
    MAX_WAIT_S = 10.0

    def __init__(self, dsn: str, backend_pid: int) -> None:
        import threading

        import psycopg

        self.pid = backend_pid
        self.locks: set[tuple[int, str]] = set()
        self.caught_waiting = False
        self._stop = threading.Event()
        self._blocker = psycopg.connect(dsn, application_name="pgsage-trace-blocker")
        self._blocker.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        self._blocker.execute("SELECT 1")  # takes the snapshot the statement will wait for
        self._observer = psycopg.connect(
            dsn, autocommit=True, application_name="pgsage-trace-observer"
        )
        self.before = read_state(self._observer)
        self._thread = threading.Thread(target=self._watch, daemon=True)
        self._thread.start()

    def _watch(self) -> None:
        import time as _time

        deadline = _time.monotonic() + self.MAX_WAIT_S
        try:
            while not self._stop.is_set() and _time.monotonic() < deadline:
                rows = self._observer.execute(SAMPLE_QUERY, [self.pid]).fetchall()
                self.locks.update(
                    (int(oid), LOCK_NAMES.get(str(mode), str(mode)))
                    for oid, mode, granted, _kind in rows
                    if granted and oid is not None
                )
                if any(
                    not granted and kind in TRANSACTION_WAITS for _oid, _mode, granted, kind in rows
                ):
                    self.caught_waiting = True
                    break
                _time.sleep(self.POLL_S)
        finally:
            self._blocker.rollback()  # let the statement finish

    def finish(self, baseline: dict[int, Relation]) -> Effects | None:
        self._stop.set()
        self._thread.join()
        try:
            if not self.caught_waiting:
                return None
            after = read_state(self._observer)
            # A relation the statement creates (the new index) is invisible to other sessions
            # until its first transaction commits; whether a poll catches that instant's lock on
            # it is luck, so only locks on relations that existed before are reported.
            seen = frozenset(
                (oid, mode) for oid, mode in self.locks if oid in self.before.relations
            )
            measured = effects(
                State(frozenset(), self.before.relations), State(seen, after.relations), baseline
            )
            return Effects(
                measured.locks, measured.rewritten, (), measured.created, measured.dropped
            )
        finally:
            self._blocker.close()
            self._observer.close()
