"""fk-without-index: a foreign key whose referencing columns no index leads with.

Two refinements over "every foreign key needs an index":

- **Tiny tables are left alone.** Below ``min_rows`` rows *and* ``quiet_pages`` pages the
  referential check's scan reads a few pages: not worth an index (Northwind's 0-77-row lookup
  tables made half the findings). Unless the workload shows it is hot: a statement run at least
  ``hot_calls`` times that deletes from the referenced table or joins the two.
- **Partitions are judged on their parent.** The same foreign key on every partition of a
  partitioned table (Pagila's ``payment_p2022_0N_rental_id_fkey``) is one finding with one
  index on the parent (``CREATE INDEX ON ONLY`` + each partition's index built CONCURRENTLY or
  an equivalent existing one attached), so that future partitions get it too.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pgsage.checks.base import Check, CheckDocs, Param
from pgsage.checks.indexes.signatures import table_indexes
from pgsage.checks.partitions import parent_of, partitions
from pgsage.checks.queries.folded import workload
from pgsage.db.rows import Constraint, Index, Table
from pgsage.db.snapshot import Snapshot
from pgsage.fixes.index import CreateIndex
from pgsage.fixes.partition_index import PartitionedIndex
from pgsage.fixes.quoting import index_name
from pgsage.model import Finding, Fix, ObjectRef, Severity

SEARCHABLE_METHODS = frozenset({"btree", "hash"})
PAGE_BYTES = 8192


def supports(index: Index, fk: Constraint) -> bool:
    """Whether the index lets the referential check find rows by the FK columns.

    The FK's columns must be the index's leading key columns, in any order (the check uses
    equality on all of them), and the index must be complete (no predicate).
    """
    if index.method not in SEARCHABLE_METHODS or index.predicate:
        return False
    width = len(fk.attnums)
    if index.key_count < width or (index.method == "hash" and width > 1):
        return False
    if width == 1:  # most foreign keys: no need to sort
        return index.key_attnums[0] == fk.attnums[0]
    return sorted(index.key_attnums[:width]) == sorted(fk.attnums)


def attachable(index: Index, columns: Sequence[str]) -> bool:
    """Whether a partition's index is exactly the plain btree the parent's would be, so that
    ALTER INDEX ... ATTACH PARTITION accepts it."""
    return (
        index.method == "btree"
        and index.key_count == len(columns)
        and list(index.key_columns[: index.key_count]) == list(columns)
        and not index.include_columns
        and not index.predicate
        and not index.is_unique
        and not any(index.options[: index.key_count])
        and all(c in ("", "default") for c in index.collations[: index.key_count])
    )


def fk_signature(fk: Constraint) -> tuple[object, ...]:
    return (tuple(fk.columns), fk.ref_schema, fk.ref_table, tuple(fk.ref_columns))


@dataclass(frozen=True)
class Size:
    rows: float
    bytes: int
    seq_scans: int | None

    @staticmethod
    def of(tables: Sequence[Table | None]) -> Size:
        found = [t for t in tables if t is not None]
        scans = [t.seq_scan for t in found if t.seq_scan is not None]
        return Size(
            sum(t.estimated_rows for t in found),
            sum(t.table_bytes for t in found),
            sum(scans) if scans else None,
        )


class ForeignKeyWithoutIndex(Check):
    id = "fk-without-index"
    category = "indexes"
    severity = Severity.WARNING
    title = "Foreign key without an index"
    requires_sections = ("indexes", "constraints", "tables")
    params = (
        Param("min_rows", 1000.0, "below this many rows on the referencing table, only info"),
        Param(
            "quiet_pages",
            8,
            "below min_rows rows and this many 8 kB pages the table is too small for the "
            "index to matter: not reported, unless the workload shows the join or delete is hot",
        ),
        Param(
            "hot_calls",
            1000,
            "calls of a statement (pg_stat_statements) that deletes from the referenced table "
            "or joins the two tables, from which a tiny table is reported anyway",
        ),
    )
    docs = CheckDocs(
        problem="No index on the referencing table starts with the foreign key's columns. "
        "Tables below `min_rows` rows and `quiet_pages` pages are not reported unless the "
        "workload deletes from the referenced table or joins the two at least `hot_calls` "
        "times. The same foreign key on the partitions of a partitioned table is one "
        "finding on the parent.",
        why="Every DELETE or key UPDATE on the referenced (parent) table scans the whole child "
        "table to check for references, under a lock; joins from parent to children and "
        "ORM relationship loads (`parent.children`) also scan it. On a table of a few pages "
        "that scan costs less than maintaining an index.",
        fix="CREATE INDEX CONCURRENTLY on the referencing columns. On a partitioned table, one "
        "index on the parent: CREATE INDEX ON ONLY parent (instant), each partition's "
        "index built CONCURRENTLY (or its existing equivalent one reused), then ALTER INDEX "
        "... ATTACH PARTITION; future partitions get it automatically. (A plain CREATE "
        "INDEX on the parent does the same in one statement but holds a SHARE lock on "
        "every partition, blocking writes, for the whole build.)",
        alembic="op.create_index(name, table, columns, postgresql_concurrently=True) inside "
        "op.get_context().autocommit_block(); add index=True to the ForeignKey column. For a "
        "partitioned table the ON ONLY / ATTACH PARTITION statements run through op.execute().",
    )

    def evaluate(self, snapshot: Snapshot, params: Mapping[str, Any]) -> list[Finding]:
        by_table = table_indexes(self.context)
        parents = parent_of(self.context)
        own: set[tuple[object, ...]] = set()  # (parent, fk signature) declared on a parent
        grouped: dict[tuple[object, ...], list[Constraint]] = {}
        lacking: list[Constraint] = []
        for fk in snapshot.constraints:
            if fk.type != "f":
                continue
            key = (fk.schema, fk.table)
            if key in parents:
                grouped.setdefault((parents[key], *fk_signature(fk)), []).append(fk)
                continue
            own.add((key, *fk_signature(fk)))
            if not any(supports(ix, fk) for ix in by_table.get(key, ())):
                lacking.append(fk)
        findings = [f for fk in lacking if (f := self.judge_table(snapshot, fk, params))]
        for group_key, fks in sorted(grouped.items(), key=lambda kv: kv[1][0].name):
            if group_key in own:
                continue  # the parent's own foreign key: judged there, with its partitions
            if all(
                any(supports(ix, fk) for ix in by_table.get((fk.schema, fk.table), ()))
                for fk in fks
            ):
                continue
            parent = group_key[0]
            assert isinstance(parent, tuple)
            found = self.judge_partitions(snapshot, parent, fks, params)
            if found is not None:
                findings.append(found)
        return findings

    def hot(self, fk: Constraint, tables: set[str], params: Mapping[str, Any]) -> int:
        """Calls of the workload's statements that delete from the referenced table or join it
        with one of ``tables`` (the referencing table, or a parent's partitions)."""
        calls = 0
        for query in workload(self.context):
            if query.info is None or query.calls < int(params["hot_calls"]):
                continue
            names = {t.name for t in query.info.tables}
            if fk.ref_table in names and (query.info.kind == "delete" or names & tables):
                calls += query.calls
        return calls

    def severity_for(
        self, size: Size, fk: Constraint, tables: set[str], params: Mapping[str, Any]
    ) -> tuple[Severity | None, int]:
        """The finding's severity (None: not reported) and the hot statements' calls."""
        if size.rows >= float(params["min_rows"]):
            return Severity.WARNING, 0
        hot_calls = self.hot(fk, tables, params) if self.context.snapshot.statements else 0
        if size.bytes < int(params["quiet_pages"]) * PAGE_BYTES and not hot_calls:
            return None, 0
        return Severity.INFO, hot_calls

    def judge_table(
        self, snapshot: Snapshot, fk: Constraint, params: Mapping[str, Any]
    ) -> Finding | None:
        table = snapshot.table(fk.schema, fk.table)
        parts = partitions(self.context).get((fk.schema, fk.table), ())
        size = Size.of(list(parts) if parts else [table])
        severity, hot_calls = self.severity_for(size, fk, {fk.table}, params)
        if severity is None:
            return None
        name = index_name(fk.table, fk.columns)
        fix: Fix = CreateIndex(fk.schema, fk.table, tuple(fk.columns), name)
        if parts:
            fix = self.partitioned_fix(fk.schema, fk.table, fk.columns, parts)
        return self.finding(
            ObjectRef("constraint", fk.schema, fk.name, fk.table),
            f"foreign key {fk.name} on {fk.schema}.{fk.table}({', '.join(fk.columns)}) "
            f"has no index on its columns",
            severity=severity,
            evidence=self.evidence(fk, size, hot_calls),
            recommendation=f"Create an index on {fk.table}({', '.join(fk.columns)}) so that "
            f"deletes on {fk.ref_table} and joins do not scan {fk.table}"
            + (
                " (one index on the partitioned table, attached on each partition)."
                if parts
                else "."
            ),
            fix=fix,
        )

    def judge_partitions(
        self,
        snapshot: Snapshot,
        parent: tuple[str, str],
        fks: list[Constraint],
        params: Mapping[str, Any],
    ) -> Finding | None:
        """The same foreign key declared on partitions (not on the parent): one finding on the
        parent, whose fix is one partitioned index."""
        schema, table = parent
        parts = partitions(self.context).get(parent, ())
        fk = fks[0]
        size = Size.of(list(parts))
        names = {table, *(p.name for p in parts)}
        severity, hot_calls = self.severity_for(size, fk, names, params)
        if severity is None:
            return None
        columns = ", ".join(fk.columns)
        without = sorted(
            f.table
            for f in fks
            if not any(
                supports(ix, f) for ix in table_indexes(self.context).get((f.schema, f.table), ())
            )
        )
        evidence = self.evidence(fk, size, hot_calls)
        evidence |= {
            "partitions_without_index": without,
            "constraints": sorted(f.name for f in fks),
        }
        return self.finding(
            ObjectRef("foreign-key", schema, f"{table}({columns})"),
            f"foreign key ({columns}) → {evidence['references']} on {len(fks)} partition(s) of "
            f"{schema}.{table}: {len(without)} have no index on its columns",
            severity=severity,
            evidence=evidence,
            recommendation=f"Create one index on the partitioned table {table}({columns}), "
            "attached on each partition (existing equivalent indexes are reused), rather than "
            "one per partition: future partitions then get it too.",
            fix=self.partitioned_fix(schema, table, fk.columns, parts),
        )

    def partitioned_fix(
        self, schema: str, table: str, columns: Sequence[str], parts: Sequence[Table]
    ) -> PartitionedIndex:
        by_table = table_indexes(self.context)
        existing: list[tuple[str, str]] = []
        missing: list[tuple[str, str]] = []
        for part in parts:
            same = sorted(
                ix.name
                for ix in by_table.get((part.schema, part.name), ())
                if attachable(ix, columns)
            )
            if same:
                existing.append((part.schema, same[0]))
            else:
                missing.append((part.schema, part.name))
        parent = CreateIndex(schema, table, tuple(columns), index_name(table, list(columns)))
        return PartitionedIndex(parent, tuple(existing), tuple(missing))

    @staticmethod
    def evidence(fk: Constraint, size: Size, hot_calls: int) -> dict[str, Any]:
        found: dict[str, Any] = {
            "columns": list(fk.columns),
            "references": f"{fk.ref_schema}.{fk.ref_table}({', '.join(fk.ref_columns)})",
            "table_rows": int(size.rows),
            "table_bytes": size.bytes,
            "seq_scans": size.seq_scans,
        }
        if hot_calls:
            found["hot_statement_calls"] = hot_calls
        return found
