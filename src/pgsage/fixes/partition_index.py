"""One index on a partitioned parent that reuses the partitions' equivalent indexes.

``CreateIndex`` with ``partitions`` builds a new index on every partition; when some partitions
already have an equivalent index (Pagila's ``payment_p2022_0N`` each have one on
``customer_id``), building another would leave them with two. This fix creates the parent's
index ON ONLY the parent (instant, invalid), ATTACHes each existing equivalent index, builds
the missing ones CONCURRENTLY and attaches them: the parent's index turns valid with the last,
and every future partition gets the index from then on.
"""

from __future__ import annotations

from dataclasses import dataclass

from pgsage.fixes.index import CreateIndex
from pgsage.fixes.quoting import ALEMBIC_LOCK_TIMEOUT, LOCK_TIMEOUT, autocommit_block, ident


@dataclass(frozen=True)
class PartitionedIndex:
    parent: CreateIndex  # the parent's index; its own ``partitions`` are ignored
    existing: tuple[tuple[str, str], ...] = ()  # (schema, index) to attach as they are
    missing: tuple[tuple[str, str], ...] = ()  # (schema, partition) that get a new index

    def steps(self) -> list[str]:
        found = [self.parent.statement(only=True)]
        for schema, index in self.existing:
            found.append(
                f"ALTER INDEX {ident(self.parent.schema, self.parent.name)} "
                f"ATTACH PARTITION {ident(schema, index)}"
            )
        for schema, partition in self.missing:
            child = self.parent.partition_index(schema, partition)
            found += [child.statement(), self.parent.attach_statement(child)]
        return found

    def to_sql(self) -> str:
        return "\n".join([LOCK_TIMEOUT, *(f"{step};" for step in self.steps())])

    def to_alembic(self) -> str:
        # ON ONLY and ATTACH PARTITION have no Alembic operation: the statements as they are.
        return autocommit_block(
            [ALEMBIC_LOCK_TIMEOUT, *(f"op.execute({step!r})" for step in self.steps())]
        )
