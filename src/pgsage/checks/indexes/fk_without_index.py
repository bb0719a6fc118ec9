"""fk-without-index: a foreign key whose referencing columns no index leads with."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pgsage.checks.base import Check, CheckDocs, Param
from pgsage.checks.indexes.signatures import table_indexes
from pgsage.db.rows import Constraint, Index
from pgsage.db.snapshot import Snapshot
from pgsage.fixes.index import CreateIndex
from pgsage.fixes.quoting import index_name
from pgsage.model import Finding, ObjectRef, Severity

SEARCHABLE_METHODS = frozenset({"btree", "hash"})


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


class ForeignKeyWithoutIndex(Check):
    id = "fk-without-index"
    category = "indexes"
    severity = Severity.WARNING
    title = "Foreign key without an index"
    requires_sections = ("indexes", "constraints", "tables")
    params = (
        Param("min_rows", 1000.0, "below this many rows on the referencing table, only info"),
    )
    docs = CheckDocs(
        problem="No index on the referencing table starts with the foreign key's columns.",
        why="Every DELETE or key UPDATE on the referenced (parent) table scans the whole child "
        "table to check for references, under a lock; joins from parent to children and "
        "ORM relationship loads (`parent.children`) also scan it.",
        fix="CREATE INDEX CONCURRENTLY on the referencing columns.",
        alembic="op.create_index(name, table, columns, postgresql_concurrently=True) inside "
        "op.get_context().autocommit_block(); add index=True to the ForeignKey column.",
    )

    def evaluate(self, snapshot: Snapshot, params: Mapping[str, Any]) -> list[Finding]:
        findings = []
        by_table = table_indexes(self.context)
        for fk in snapshot.constraints:
            if fk.type != "f":
                continue
            if any(supports(ix, fk) for ix in by_table.get((fk.schema, fk.table), ())):
                continue
            table = snapshot.table(fk.schema, fk.table)
            rows = table.estimated_rows if table else 0.0
            small = rows < float(params["min_rows"])
            name = index_name(fk.table, fk.columns)
            create = CreateIndex(fk.schema, fk.table, tuple(fk.columns), name)
            ref = f"{fk.ref_schema}.{fk.ref_table}({', '.join(fk.ref_columns)})"
            findings.append(
                self.finding(
                    ObjectRef("constraint", fk.schema, fk.name, fk.table),
                    f"foreign key {fk.name} on {fk.schema}.{fk.table}({', '.join(fk.columns)}) "
                    f"has no index on its columns",
                    severity=Severity.INFO if small else None,
                    evidence={
                        "columns": list(fk.columns),
                        "references": ref,
                        "table_rows": int(rows),
                        "table_bytes": table.table_bytes if table else None,
                        "seq_scans": table.seq_scan if table else None,
                    },
                    recommendation=f"Create an index on {fk.table}({', '.join(fk.columns)}) so that "
                    f"deletes on {fk.ref_table} and joins do not scan {fk.table}.",
                    fix=create,
                )
            )
        return findings
