"""unique-index-duplicates-constraint: a second unique index on a primary or unique key."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pgsage.checks.base import Check, CheckDocs
from pgsage.checks.indexes.signatures import index_evidence, index_ref, same_shape, table_indexes
from pgsage.db.rows import Index
from pgsage.db.snapshot import Snapshot
from pgsage.fixes.constraint import DropConstraint
from pgsage.fixes.index import DropIndex
from pgsage.model import Finding, Fix, Severity


def _drop_rank(index: Index) -> tuple[bool, bool, str]:
    """Drop the one that enforces least: a plain unique index before a constraint, never a PK."""
    return (index.is_primary, index.is_constraint_backed, index.name)


class UniqueIndexDuplicatesConstraint(Check):
    id = "unique-index-duplicates-constraint"
    category = "indexes"
    severity = Severity.WARNING
    title = "Unique index duplicating a primary key or unique constraint"
    requires_sections = ("indexes",)
    docs = CheckDocs(
        problem="A unique index or unique constraint has exactly the keys of the primary key "
        "or of another unique constraint, e.g. `id SERIAL PRIMARY KEY` plus "
        "`UNIQUE (id)`, or a model with `unique=True` plus a hand-written unique index.",
        why="Both are maintained on every write and both take space, but they enforce the same "
        "rule. Alembic autogenerate keeps fighting over which one the model means.",
        fix="Drop the redundant unique index concurrently, or the redundant UNIQUE constraint; "
        "the primary key stays.",
        alembic="op.drop_index(..., postgresql_concurrently=True) in an autocommit_block(), or "
        "op.drop_constraint(name, table) for a constraint; update the model to declare "
        "the rule once.",
    )

    def evaluate(self, snapshot: Snapshot, params: Mapping[str, Any]) -> list[Finding]:
        findings = []
        for (schema, table), indexes in table_indexes(self.context).items():
            uniques = [ix for ix in indexes if ix.is_unique and not ix.is_exclusion]
            if len(uniques) < 2:
                continue  # most tables: one primary key, nothing to duplicate it
            uniques.sort(key=lambda ix: ix.name)
            reported: set[str] = set()
            for a in uniques:
                for b in uniques:
                    if a is b or not same_shape(a, b):
                        continue
                    if a.nulls_not_distinct != b.nulls_not_distinct:
                        continue
                    if not (a.is_constraint_backed or b.is_constraint_backed):
                        continue  # two plain unique indexes: still redundant, report once below
                    drop, keep = sorted((a, b), key=_drop_rank)
                    if drop.name in reported or drop.is_primary:
                        continue
                    reported.add(drop.name)
                    findings.append(self._report(schema, table, drop, keep))
            for a in uniques:
                twins = [
                    b
                    for b in uniques
                    if b is not a
                    and same_shape(a, b)
                    and not (a.is_constraint_backed or b.is_constraint_backed)
                ]
                if twins and a.name not in reported and a.name > min(t.name for t in twins):
                    reported.add(a.name)
                    first = min(twins, key=lambda t: t.name)
                    findings.append(self._report(schema, table, a, first))
        return findings

    def _report(self, schema: str, table: str, drop: Index, keep: Index) -> Finding:
        what = (
            "primary key"
            if keep.is_primary
            else (
                f"unique constraint {keep.constraint_name}"
                if keep.is_constraint_backed
                else f"unique index {keep.name}"
            )
        )
        if drop.is_constraint_backed and drop.constraint_name:
            fix: Fix = DropConstraint(schema, table, drop.constraint_name)
            subject = f"unique constraint {drop.constraint_name}"
        else:
            fix = DropIndex(schema, drop.name)
            subject = f"unique index {drop.name}"
        return self.finding(
            index_ref(drop),
            f"{subject} duplicates the {what} on {schema}.{table}",
            evidence={**index_evidence(drop), **index_evidence(keep, "kept_")},
            recommendation=f"Drop {subject}; the {what} already enforces the same rule.",
            fix=fix,
        )
