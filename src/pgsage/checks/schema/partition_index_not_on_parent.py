"""partition-index-not-on-parent: partitions carry an index their partitioned parent lacks.

An index created partition by partition (Pagila's ``idx_fk_payment_p2022_0N_customer_id``)
rather than on the parent is missing from every partition created later (``payment_p2022_07``
has none). Reported when more than half of the partitions have an index of the same shape
(method, keys, predicate, INCLUDE) and the parent has no index of that shape. Unique indexes
are left out: on the parent they would have to include the partition key.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pgsage.checks.base import Check, CheckDocs
from pgsage.checks.indexes.signatures import shape_key, table_indexes
from pgsage.checks.partitions import partitions
from pgsage.db.rows import Index, Table
from pgsage.db.snapshot import Snapshot
from pgsage.fixes.index import CreateIndex
from pgsage.fixes.partition_index import PartitionedIndex
from pgsage.fixes.quoting import index_name
from pgsage.model import Finding, ObjectRef, Severity


def plain_columns(index: Index) -> bool:
    """Keys that are columns (no expressions), default order, no INCLUDE, no predicate: what the
    fix can declare on the parent and attach as it is."""
    n = index.key_count
    return (
        all(attnum > 0 for attnum in index.key_attnums[:n])
        and not any(index.options[:n])
        and not index.include_columns
        and not index.predicate
        and all(c in ("", "default") for c in index.collations[:n])
    )


class PartitionIndexNotOnParent(Check):
    id = "partition-index-not-on-parent"
    category = "schema"
    severity = Severity.WARNING
    title = "Partitions' index missing on the partitioned table"
    requires_sections = ("tables", "indexes")
    docs = CheckDocs(
        problem="More than half of a partitioned table's partitions have an index of the same "
        "shape, and the partitioned table itself has none: the index was created partition "
        "by partition (unique indexes are not compared).",
        why="Partitions created later (and any partition the script missed) get no index: "
        "queries on recent data, usually the hottest, scan them. An index declared on the "
        "parent is created on every future partition automatically.",
        fix="CREATE INDEX ON ONLY the parent (instant; the index starts invalid), then ALTER "
        "INDEX ... ATTACH PARTITION each partition's existing equivalent index, and build it "
        "CONCURRENTLY on the partitions without one and attach those; the parent's index "
        "turns valid with the last. (A plain CREATE INDEX on the parent does it in one "
        "statement but blocks writes to every partition for the whole build.)",
        alembic="op.execute() the same statements inside op.get_context().autocommit_block() "
        "(ON ONLY and ATTACH PARTITION have no Alembic operation); declare the index on "
        "the parent model.",
    )

    def evaluate(self, snapshot: Snapshot, params: Mapping[str, Any]) -> list[Finding]:
        indexes = table_indexes(self.context)
        findings = []
        for (schema, parent), parts in sorted(partitions(self.context).items()):
            on_parent = {shape_key(ix) for ix in indexes.get((schema, parent), ())}
            by_shape: dict[tuple[object, ...], dict[str, Index]] = {}
            for part in parts:
                for index in indexes.get((part.schema, part.name), ()):
                    if index.is_unique or index.is_primary or index.is_exclusion:
                        continue
                    found = by_shape.setdefault(shape_key(index), {})
                    # two equivalent indexes on one partition: the first by name is attached
                    if part.name not in found or index.name < found[part.name].name:
                        found[part.name] = index
            for shape, per_partition in sorted(by_shape.items(), key=str):
                if shape in on_parent or len(per_partition) * 2 <= len(parts):
                    continue
                findings.append(self.missing(schema, parent, parts, per_partition))
        return findings

    def missing(
        self, schema: str, parent: str, parts: tuple[Table, ...], per_partition: dict[str, Index]
    ) -> Finding:
        sample = per_partition[min(per_partition)]
        columns = list(sample.key_columns[: sample.key_count])
        without = [p.name for p in parts if p.name not in per_partition]
        fix = None
        if plain_columns(sample):
            create = CreateIndex(
                schema, parent, tuple(columns), index_name(parent, columns), method=sample.method
            )
            fix = PartitionedIndex(
                create,
                existing=tuple(
                    (p.schema, per_partition[p.name].name) for p in parts if p.name in per_partition
                ),
                missing=tuple((p.schema, p.name) for p in parts if p.name not in per_partition),
            )
        keys = ", ".join(columns)
        return self.finding(
            ObjectRef("table", schema, f"{parent}({keys})"),
            f"{len(per_partition)} of {len(parts)} partitions of {schema}.{parent} have an index "
            f"on ({keys}) but {parent} itself has none: "
            + (
                f"{', '.join(without)} and future partitions lack it"
                if without
                else "future partitions will lack it"
            ),
            evidence={
                "columns": columns,
                "method": sample.method,
                "partition_indexes": sorted(ix.name for ix in per_partition.values()),
                "partitions_without": without,
            },
            recommendation=f"Declare the index once on {parent}: create it ON ONLY {parent}, "
            "attach the partitions' existing indexes, build the missing ones CONCURRENTLY and "
            "attach them.",
            fix=fix,
        )
