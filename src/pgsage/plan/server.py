"""The plan checked against a real database (``pgsage plan --dsn``): its recorded workload
joins the code's statements, lines an existing index or constraint already serves leave the
plan (named in its notes), and each remaining line says how big its table is."""

from __future__ import annotations

from dataclasses import replace

from pgsage.advise.model import Advice, Recommendation
from pgsage.db.snapshot import Snapshot
from pgsage.plan.derive import MigrationPlan, PlanLine
from pgsage.plan.sources import SourceStatement, parses, to_placeholders
from pgsage.units import human_bytes

# pg_stat_statements rows that are pgsage's own or the server's, not the application's.
_OWN_MARKERS = ("pg_catalog.", "pg_stat_", "information_schema.")


def recorded_statements(snapshot: Snapshot) -> list[SourceStatement]:
    """The application's statements from pg_stat_statements, as the plan reads code SQL."""
    found = []
    for row in sorted(snapshot.statements, key=lambda s: (-s.total_exec_time, s.query)):
        text = to_placeholders(row.query.strip())
        if any(marker in text for marker in _OWN_MARKERS) or not parses(text):
            continue
        found.append(SourceStatement(text, f"pg_stat_statements:{row.queryid}"))
    return found


def checked_against(plan: MigrationPlan, snapshot: Snapshot) -> MigrationPlan:
    existing = _existing_keys(snapshot)
    tables = {f"{t.schema}.{t.name}": t for t in snapshot.tables}
    kept: list[PlanLine] = []
    notes = list(plan.notes)
    for line in plan.lines:
        served = existing.get((line.table, line.columns)) if line.columns else None
        if served is not None and line.kind in ("index", "unique") and _same_kind(line, served):
            notes.append(
                f"{line.table} ({', '.join(line.columns)}): exists on the server as {served[0]}"
            )
            continue
        table = tables.get(line.table)
        if table is None:
            kept.append(replace(line, rationale=f"{line.rationale} (not on the server yet)"))
            continue
        rows = max(int(table.reltuples), 0)
        size = human_bytes(table.total_bytes)
        kept.append(
            replace(line, rationale=f"{line.rationale} (on the server: {rows:,} rows, {size})")
        )
    return replace(plan, lines=tuple(kept), notes=tuple(notes))


def costed_by_advisor(plan: MigrationPlan, advice: Advice) -> MigrationPlan:
    """Each index line says whether the advisor's what-if costing (HypoPG) of the same
    workload chose an index with the same leading columns on its table."""
    chosen: dict[tuple[str, tuple[str, ...]], Recommendation] = {}
    for recommended in advice.recommendations:
        candidate = recommended.candidate
        chosen[(str(candidate.table), candidate.columns)] = recommended
    kept = []
    for line in plan.lines:
        if line.kind != "index" or not line.columns:
            kept.append(line)
            continue
        match = next(
            (
                chosen[(table, cols)]
                for table, cols in sorted(chosen)
                if table == line.table and cols[: len(line.columns)] == line.columns
            ),
            None,
        )
        verdict = (
            f"confirmed by the advisor's costing ({match.name}: {len(match.queries)} "
            "statement(s) cheaper)"
            if match is not None
            else "not chosen by the advisor's costing of this workload"
        )
        kept.append(replace(line, rationale=f"{line.rationale}; {verdict}"))
    return replace(plan, lines=tuple(kept))


def _same_kind(line: PlanLine, served: tuple[str, bool]) -> bool:
    """A unique line is served only by a unique index; an index line by any index."""
    return line.kind == "index" or served[1]


def _existing_keys(snapshot: Snapshot) -> dict[tuple[str, tuple[str, ...]], tuple[str, bool]]:
    """(table, leading columns) → (index name, unique) for every valid index on the server."""
    keys: dict[tuple[str, tuple[str, ...]], tuple[str, bool]] = {}
    for index in sorted(snapshot.indexes, key=lambda i: (i.schema, i.table, i.name)):
        if not index.is_valid:
            continue
        columns = tuple(index.key_columns)
        table = f"{index.schema}.{index.table}"
        for length in range(1, len(columns) + 1):
            keys.setdefault(
                (table, columns[:length]), (index.name, index.is_unique and length == len(columns))
            )
    return keys
