"""Indexes on partitioned parents that reuse what the partitions already have.

A partition often carries its own index with the key a parent index would have (Pagila's
payment partitions have two on ``customer_id`` each, and no parent index). Building the parent's
index by creating one per partition would add a third; instead each partition's equivalent index
is attached (``ALTER INDEX … ATTACH PARTITION``) and only the partitions lacking one get a new
index (``fixes.index.CreateIndex`` with ``reuse``). A second equivalent index on a partition is
proposed for dropping. When every partition has an equivalent index, the candidate is what
exists already: it is not proposed at all.
"""

from __future__ import annotations

import psycopg

from pgsage.advise.catalog import Catalog, ExistingIndex, RelInfo
from pgsage.advise.model import Candidate, DropProposal, RelName


def equivalent(candidate: Candidate, index: ExistingIndex) -> bool:
    """``index`` (on a partition) is what the candidate would build there: same method, keys,
    INCLUDE columns, predicate and operator class, valid, and not a constraint's or unique
    (those cannot be attached to a plain parent index)."""
    return (
        index.valid
        and not (index.unique or index.primary or index.constraint)
        and index.method == candidate.method
        and index.keys == tuple(candidate.columns)
        and index.include == candidate.include
        and index.predicate == candidate.where
        and (candidate.opclass is None or candidate.opclass in index.definition)
    )


def partition_equivalents(
    candidate: Candidate, rel: RelInfo, catalog: Catalog
) -> dict[tuple[str, str], list[ExistingIndex]]:
    """Per direct partition (schema, name), its indexes equivalent to the candidate, by name;
    a sub-partitioned partition counts as having none (its index is built through)."""
    found: dict[tuple[str, str], list[ExistingIndex]] = {}
    for schema, name in rel.partitions:
        try:
            part = catalog.get(RelName(schema, name))
        except psycopg.errors.LockNotAvailable:
            part = None  # locked by another session: nothing known to reuse
        if part is None or part.kind == "p":
            found[(schema, name)] = []
            continue
        found[(schema, name)] = sorted(
            (i for i in part.indexes if equivalent(candidate, i)), key=lambda i: i.name
        )
    return found


def exists_on_every_partition(candidate: Candidate, catalog: Catalog) -> bool:
    """A partitioned parent's candidate whose every partition has an equivalent index: the
    planner already has what it would add."""
    rel = catalog.get(candidate.table)
    if rel is None or rel.kind != "p" or not rel.partitions:
        return False
    return all(partition_equivalents(candidate, rel, catalog).values())


def new_share(candidate: Candidate, catalog: Catalog) -> float:
    """The share of a partitioned parent's rows in partitions lacking an equivalent index:
    what of the candidate's size would be built (1.0 for any other table)."""
    rel = catalog.get(candidate.table)
    if rel is None or rel.kind != "p" or not rel.partitions:
        return 1.0
    total = lacking = 0.0
    for (schema, name), indexes in partition_equivalents(candidate, rel, catalog).items():
        try:
            part = catalog.get(RelName(schema, name))
        except psycopg.errors.LockNotAvailable:
            part = None
        rows = part.rows if part is not None else 0.0
        total += rows
        lacking += 0.0 if indexes else rows
    return lacking / total if total > 0 else 1.0


def reuse_plan(
    candidate: Candidate, name: str, catalog: Catalog
) -> tuple[tuple[tuple[str, str, str], ...], tuple[DropProposal, ...]]:
    """The partition indexes the parent's index attaches (the first equivalent by name on each
    partition), and the other equivalents, which become redundant."""
    rel = catalog.get(candidate.table)
    if rel is None or rel.kind != "p":
        return (), ()
    reuse: list[tuple[str, str, str]] = []
    drops: list[DropProposal] = []
    for (schema, part), indexes in partition_equivalents(candidate, rel, catalog).items():
        if not indexes:
            continue
        kept, *extra = indexes
        reuse.append((schema, part, kept.name))
        drops += [
            DropProposal(
                schema=index.schema,
                name=index.name,
                table=f"{schema}.{part}",
                definition=index.definition,
                reason=f"it equals {kept.schema}.{kept.name}, which the recommended {name} "
                "attaches on this partition",
                by=name,
            )
            for index in extra
        ]
    return tuple(reuse), tuple(drops)
