"""partition-sibling-drift: a partition lacking foreign keys or indexes its siblings have.

Partitions created by hand (or by a script that forgot a step) drift from their siblings:
Pagila's ``payment_p2022_07`` has none of the three foreign keys and two indexes that
``payment_p2022_01`` … ``_06`` each have. A foreign key or an index counts as expected when more
than half of the partition's siblings have it (the same columns and referenced table; the same
index shape). Foreign keys and indexes declared on the parent reach every partition by
themselves and are not compared.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pgsage.checks.base import Check, CheckDocs
from pgsage.checks.indexes.signatures import shape_key, table_indexes
from pgsage.checks.partitions import partitions
from pgsage.db.rows import Constraint, Index, Table
from pgsage.db.snapshot import Snapshot
from pgsage.fixes.constraint import AddForeignKey
from pgsage.fixes.quoting import fit_identifier
from pgsage.fixes.steps import Steps
from pgsage.model import Finding, ObjectRef, Severity


def fk_signature(fk: Constraint) -> tuple[object, ...]:
    return (tuple(fk.columns), fk.ref_schema, fk.ref_table, tuple(fk.ref_columns))


def describe_fk(fk: Constraint) -> str:
    return (
        f"({', '.join(fk.columns)}) → {fk.ref_schema}.{fk.ref_table}({', '.join(fk.ref_columns)})"
    )


def describe_index(index: Index) -> str:
    keys = ", ".join(index.key_columns[: index.key_count])
    using = "" if index.method == "btree" else f" USING {index.method}"
    where = f" WHERE {index.predicate}" if index.predicate else ""
    return f"({keys}){using}{where}"


def expected(sets: list[set[Any]], own: int) -> set[Any]:
    """What more than half of the siblings (every set but ``own``) have."""
    others = [s for n, s in enumerate(sets) if n != own]
    counts: dict[Any, int] = {}
    for found in others:
        for item in found:
            counts[item] = counts.get(item, 0) + 1
    return {item for item, count in counts.items() if count * 2 > len(others)}


class PartitionSiblingDrift(Check):
    id = "partition-sibling-drift"
    category = "schema"
    severity = Severity.WARNING
    title = "Partition lacks what its siblings have"
    requires_sections = ("tables", "indexes", "constraints")
    docs = CheckDocs(
        problem="A partition lacks a foreign key or an index that more than half of its sibling "
        "partitions have (Pagila's `payment_p2022_07` has none of the foreign keys and "
        "indexes of `payment_p2022_01` … `_06`).",
        why="Rows in that partition escape the referential checks its siblings enforce "
        "(orphans accumulate), and queries that reach it scan where the others use an "
        "index. It usually means partitions are created by a script that repeats each "
        "constraint per partition instead of declaring it once on the parent.",
        fix="Add the missing foreign keys NOT VALID, then VALIDATE them (no long lock). Better, "
        "declare foreign keys and indexes once on the partitioned table, so that every "
        "partition, present and future, gets them (see partition-index-not-on-parent for "
        "the indexes).",
        alembic="op.execute() the ALTER TABLE ... ADD CONSTRAINT ... NOT VALID and VALIDATE "
        "CONSTRAINT statements; for new partitions, declare the ForeignKey on the parent "
        "model.",
    )

    def evaluate(self, snapshot: Snapshot, params: Mapping[str, Any]) -> list[Finding]:
        fks_by_table: dict[tuple[str, str], list[Constraint]] = {}
        for constraint in snapshot.constraints:
            if constraint.type == "f":
                fks_by_table.setdefault((constraint.schema, constraint.table), []).append(
                    constraint
                )
        indexes = table_indexes(self.context)
        findings = []
        for parent, parts in sorted(partitions(self.context).items()):
            if len(parts) < 2:
                continue
            fk_rows = [
                {fk_signature(fk): fk for fk in fks_by_table.get((p.schema, p.name), [])}
                for p in parts
            ]
            index_rows = [
                {shape_key(ix): ix for ix in indexes.get((p.schema, p.name), ())} for p in parts
            ]
            fk_sets = [set(rows) for rows in fk_rows]
            index_sets = [set(rows) for rows in index_rows]
            for number, part in enumerate(parts):
                missing_fks = sorted(expected(fk_sets, number) - fk_sets[number], key=str)
                missing_indexes = sorted(expected(index_sets, number) - index_sets[number], key=str)
                if not missing_fks and not missing_indexes:
                    continue
                sample_fks = [self.sibling(fk_rows, key) for key in missing_fks]
                sample_indexes = [self.sibling(index_rows, key) for key in missing_indexes]
                findings.append(self.drift(parent, part, len(parts), sample_fks, sample_indexes))
        return findings

    @staticmethod
    def sibling(rows: list[dict[Any, Any]], key: Any) -> Any:
        return next(found[key] for found in rows if key in found)

    def drift(
        self,
        parent: tuple[str, str],
        part: Table,
        count: int,
        fks: list[Constraint],
        indexes: list[Index],
    ) -> Finding:
        lacks = []
        if fks:
            lacks.append(f"{len(fks)} foreign key(s)")
        if indexes:
            lacks.append(f"{len(indexes)} index(es)")
        fixes = tuple(
            AddForeignKey(
                part.schema,
                part.name,
                fit_identifier(f"{part.name}_{'_'.join(fk.columns)}", "fkey"),
                tuple(fk.columns),
                fk.ref_schema or part.schema,
                fk.ref_table or "",
                tuple(fk.ref_columns),
            )
            for fk in fks
        )
        recommendation = ""
        if fks:
            recommendation = (
                "Add the missing foreign keys NOT VALID and validate them; declare them on "
                f"{parent[1]} itself so that new partitions cannot miss them."
            )
        if indexes:
            recommendation += (
                " Create the missing indexes on the partitioned table "
                f"{parent[1]} (see partition-index-not-on-parent), not on the partition alone."
            )
        return self.finding(
            ObjectRef("table", part.schema, part.name),
            f"partition {part.schema}.{part.name} of {parent[0]}.{parent[1]} lacks "
            f"{' and '.join(lacks)} that its {count - 1} sibling(s) mostly have",
            evidence={
                "parent": f"{parent[0]}.{parent[1]}",
                "missing_foreign_keys": [describe_fk(fk) for fk in fks],
                "missing_indexes": [describe_index(ix) for ix in indexes],
                "sibling_examples": sorted(
                    {*(fk.name for fk in fks), *(ix.name for ix in indexes)}
                ),
                "table_rows": int(part.estimated_rows),
            },
            recommendation=recommendation.strip(),
            fix=Steps(fixes) if fixes else None,
        )
