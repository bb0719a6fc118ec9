"""Upgrade from empty to head, then down → up revision by revision, comparing catalog dumps.

For each revision, from the head down: its downgrade must succeed and (a warning otherwise)
bring the schema back to what it was before the revision; upgrading again must succeed and give
exactly the schema the first upgrade gave (an error otherwise: a database that was downgraded
and upgraded again would differ from a fresh one). Each revision is compared with the schema
the walk found when it reached it, so what a later revision's downgrade left behind is blamed on
that revision only. A revision whose downgrade is missing, empty or raises is stepped over when
its upgrade changes no schema (a data migration, reported at info); when it does, and when a
revision's down/up fails half-way, the schema before it is rebuilt from empty (its older
revisions upgraded again) and the walk goes on below it — the graph check reports the missing
downgrades, the round trip says which revisions it could not round-trip.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine

from pgsage.fixes.quoting import ident
from pgsage.migrations.catalog import SchemaDump, diff, schema_reader
from pgsage.migrations.findings import migration_finding, revision_of
from pgsage.migrations.graph import Revision, RevisionGraph, function_line
from pgsage.migrations.runner import StepFailed, engine_for, run_step
from pgsage.model import Finding, Severity

MAX_DETAILS = 25
NOT_REVERSIBLE = {"missing-downgrade", "empty-downgrade", "irreversible-downgrade"}


@dataclass
class Upgraded:
    """The scratch database after upgrading revision by revision (``states[i]`` is the schema
    before ``order[i]``; the last state is the head, when every upgrade succeeded)."""

    dsn: str
    order: list[Revision]
    states: list[SchemaDump] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return len(self.states) == len(self.order) + 1

    @property
    def head(self) -> SchemaDump:
        return self.states[-1]


def upgrade_all(graph: RevisionGraph, dsn: str, opts: dict[str, Any] | None = None) -> Upgraded:
    with schema_reader(dsn) as dump_schema:
        return _upgrade_all(graph, dsn, dump_schema, opts)


def _upgrade_all(
    graph: RevisionGraph,
    dsn: str,
    dump_schema: Callable[[], SchemaDump],
    opts: dict[str, Any] | None,
) -> Upgraded:
    result = Upgraded(dsn=dsn, order=graph.order(), states=[dump_schema()])
    engine = engine_for(dsn)
    try:
        for revision in result.order:
            try:
                _run(engine, revision, "upgrade", opts)
            except StepFailed as exc:
                result.findings.append(
                    _step_finding(
                        graph,
                        revision,
                        "upgrade-fails",
                        Severity.ERROR,
                        exc,
                        "upgrade from an empty database",
                    )
                )
                return result
            result.states.append(dump_schema())
    finally:
        engine.dispose()
    return result


def round_trip(
    graph: RevisionGraph, upgraded: Upgraded, opts: dict[str, Any] | None = None
) -> list[Finding]:
    """Walk down from the head; expects ``upgraded`` complete. Leaves the database at base (or
    where the walk stopped)."""
    found: list[Finding] = []
    irreversible = {revision_of(f) for f in graph.findings if f.check in NOT_REVERSIBLE}
    engine = engine_for(upgraded.dsn)
    try:
        with schema_reader(upgraded.dsn) as dump_schema:
            found.extend(_walk_down(graph, engine, upgraded, irreversible, dump_schema, opts))
    finally:
        engine.dispose()
    return found


def _walk_down(
    graph: RevisionGraph,
    engine: Engine,
    upgraded: Upgraded,
    irreversible: set[Any],
    dump_schema: Callable[[], SchemaDump],
    opts: dict[str, Any] | None,
) -> list[Finding]:
    found: list[Finding] = []
    # The schema as it is when the walk reaches each revision: the head at first, then what the
    # later revisions' downgrades left. Each revision is judged against it, so a difference a
    # later revision's downgrade left behind is not blamed on an earlier revision.
    current: SchemaDump | None = upgraded.head
    for index in reversed(range(len(upgraded.order))):
        revision = upgraded.order[index]
        if revision.id in irreversible:
            if not diff(upgraded.states[index], upgraded.states[index + 1]):
                # data only (a backfill): nothing to undo in the schema, the walk goes on
                found.append(_data_only(graph, revision))
                continue
            # Its schema change cannot be undone: the walk goes on below it on a schema rebuilt
            # from empty (once, when the next revision that can be round-tripped is reached).
            found.append(_skipped(graph, revision))
            current = None
            continue
        if current is None:
            current = _rebuild_through(engine, upgraded, index, dump_schema, opts)
            if current is None:
                found.append(
                    _stopped(graph, revision, index + 1, "the schema there cannot be rebuilt")
                )
                break
        step = _down_up_down(graph, engine, upgraded, index, current, dump_schema, opts)
        found.extend(step.findings)
        current = step.left
        if current is None and index > 0:
            # The revision's down/up failed half-way: the schema is not one the walk knows; it
            # is rebuilt from empty below, so the older revisions are still round-tripped.
            found.append(_resumed(graph, revision))
    return found


def _skipped(graph: RevisionGraph, revision: Revision) -> Finding:
    return migration_finding(
        "roundtrip-skipped",
        Severity.INFO,
        f"{revision.id} changes the schema and has no working downgrade: not round-tripped; "
        "the schema below it is rebuilt from an empty database and the walk goes on",
        revision=revision.id,
        file=graph.display_path(revision.path),
    )


def _rebuild_through(
    engine: Engine,
    upgraded: Upgraded,
    index: int,
    dump_schema: Callable[[], SchemaDump],
    opts: dict[str, Any] | None,
) -> SchemaDump | None:
    """Empty the scratch database and upgrade ``order[:index + 1]`` again; None if that fails."""
    with engine.connect() as conn:
        schemas = conn.exec_driver_sql(
            "SELECT nspname FROM pg_catalog.pg_namespace WHERE nspname <> 'information_schema' "
            "AND nspname !~ '^pg_'"
        ).scalars()
        for schema in list(schemas):
            conn.exec_driver_sql(f"DROP SCHEMA {ident(str(schema))} CASCADE")
        conn.exec_driver_sql("CREATE SCHEMA public")
        conn.commit()
    try:
        for revision in upgraded.order[: index + 1]:
            _run(engine, revision, "upgrade", opts)
    except StepFailed:
        return None
    return dump_schema()


def _walk_note(graph: RevisionGraph, revision: Revision, check: str, message: str) -> Finding:
    """An info finding on how the round trip's walk went at ``revision``."""
    return migration_finding(
        check,
        Severity.INFO,
        message,
        revision=revision.id,
        file=graph.display_path(revision.path),
    )


def _stopped(graph: RevisionGraph, revision: Revision, index: int, why: str) -> Finding:
    return _walk_note(
        graph,
        revision,
        "roundtrip-stopped",
        f"round-trip stopped at {revision.id}: {why}; {index} older revision(s) not round-tripped",
    )


def _resumed(graph: RevisionGraph, revision: Revision) -> Finding:
    return _walk_note(
        graph,
        revision,
        "roundtrip-resumed",
        f"round-trip resumed below {revision.id}: the schema below it is rebuilt by upgrading "
        "the older revisions from an empty database",
    )


def _data_only(graph: RevisionGraph, revision: Revision) -> Finding:
    return _walk_note(
        graph,
        revision,
        "roundtrip-data-only",
        f"{revision.id} changes no schema and has no working downgrade (a data migration): "
        "not round-tripped, the walk continues below it",
    )


@dataclass
class _Step:
    findings: list[Finding]
    left: SchemaDump | None  # the schema after the second downgrade (None: not reached)


def _down_up_down(
    graph: RevisionGraph,
    engine: Engine,
    upgraded: Upgraded,
    index: int,
    current: SchemaDump,
    dump_schema: Callable[[], SchemaDump],
    opts: dict[str, Any] | None,
) -> _Step:
    revision = upgraded.order[index]
    before, after = upgraded.states[index], upgraded.states[index + 1]
    # what the later revisions' downgrades changed: present before this revision ran, not its own
    inherited = diff(after, current)
    carried = {(d.key, d.attribute): d.right for d in inherited}
    healed = {(d.key, d.attribute): d.left for d in inherited}  # as the first upgrade had it
    found: list[Finding] = []
    try:
        _run(engine, revision, "downgrade", opts)
    except StepFailed as exc:
        failed = _step_finding(
            graph,
            revision,
            "downgrade-fails",
            Severity.ERROR,
            exc,
            "downgrade right after its upgrade",
        )
        return _Step([failed], None)
    restored = dump_schema()
    residue = [
        d for d in diff(before, restored) if carried.get((d.key, d.attribute), _ABSENT) != d.right
    ]
    if residue:
        found.append(
            _diff_finding(
                graph,
                revision,
                "downgrade-incomplete",
                Severity.WARNING,
                f"the downgrade of {revision.id} does not restore the schema before it "
                f"({len(residue)} difference(s))",
                [d.describe("before the upgrade", "after the downgrade") for d in residue],
            )
        )
    try:
        _run(engine, revision, "upgrade", opts)
    except StepFailed as exc:
        found.append(
            _step_finding(
                graph,
                revision,
                "reupgrade-fails",
                Severity.ERROR,
                exc,
                "upgrade after its downgrade",
            )
        )
        return _Step(found, None)
    again = dump_schema()
    # A difference already there after the downgrade, that the upgrade leaves as it is, is the
    # downgrade's (reported above), not the upgrade's.
    left_by_downgrade = {
        (d.key, d.attribute): d.right for d in diff(before, restored) if d in residue
    }
    # Nor is one that brings back what a later revision's downgrade had lost.
    mismatch = [
        d
        for d in diff(current, again)
        if left_by_downgrade.get((d.key, d.attribute), _ABSENT) != d.right
        and healed.get((d.key, d.attribute), _ABSENT) != d.right
    ]
    if mismatch:
        found.append(
            _diff_finding(
                graph,
                revision,
                "roundtrip-mismatch",
                Severity.ERROR,
                f"upgrade → downgrade → upgrade of {revision.id} gives a different schema than "
                f"the first upgrade ({len(mismatch)} difference(s))",
                [d.describe("after the first upgrade", "after up → down → up") for d in mismatch],
            )
        )
    try:
        _run(engine, revision, "downgrade", opts)
    except StepFailed as exc:
        found.append(
            _step_finding(
                graph, revision, "downgrade-fails", Severity.ERROR, exc, "second downgrade"
            )
        )
        return _Step(found, None)
    return _Step(found, dump_schema())


_ABSENT = object()


def _run(engine: Engine, revision: Revision, direction: str, opts: dict[str, Any] | None) -> None:
    with engine.connect() as conn:
        run_step(conn, revision, direction, opts)


def _step_finding(
    graph: RevisionGraph,
    revision: Revision,
    check: str,
    severity: Severity,
    exc: StepFailed,
    when: str,
) -> Finding:
    return migration_finding(
        check,
        severity,
        f"{exc.direction} of {revision.id} fails ({when}): {exc.reason}",
        revision=revision.id,
        file=graph.display_path(revision.path),
        line=function_line(revision.path, exc.direction),
    )


def _diff_finding(
    graph: RevisionGraph,
    revision: Revision,
    check: str,
    severity: Severity,
    message: str,
    details: list[str],
) -> Finding:
    shown = details[:MAX_DETAILS]
    if len(details) > MAX_DETAILS:
        shown.append(f"... and {len(details) - MAX_DETAILS} more")
    function = "upgrade" if check == "roundtrip-mismatch" else "downgrade"
    return migration_finding(
        check,
        severity,
        message,
        revision=revision.id,
        file=graph.display_path(revision.path),
        line=function_line(revision.path, function),
        details=tuple(shown),
    )
