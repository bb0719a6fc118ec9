"""no-primary-key: a table without a primary key (a unique NOT NULL index may be promoted)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pgsage.checks.base import Check, CheckDocs
from pgsage.checks.tables.storage_params import partition_columns, partition_rows, table_ref
from pgsage.db.rows import Index, Table
from pgsage.db.snapshot import Snapshot
from pgsage.fixes.quoting import index_name
from pgsage.fixes.table import AddIdentityPrimaryKey, PromoteUniqueIndex
from pgsage.model import Finding, Severity

CHECKED_KINDS = frozenset({"r", "p"})


def promotable(index: Index, not_null: set[int]) -> bool:
    """Whether ADD PRIMARY KEY USING INDEX accepts the index: unique, btree, valid, complete,
    plain columns in default order, all NOT NULL (else the ALTER would scan to set them)."""
    keys = index.key_attnums[: index.key_count]
    return (
        index.is_unique
        and not index.is_primary
        and index.method == "btree"
        and index.is_valid
        and index.is_ready
        and index.predicate is None
        and not index.key_has_expression
        and not any(index.options[: index.key_count])
        and not index.nulls_not_distinct
        and all(col in not_null for col in keys)
    )


def _free_column(table: Table, existing: set[str]) -> str:
    for candidate in ("id", f"{table.name}_id", "row_id"):
        if candidate not in existing:
            return candidate
    return "pk_id"


class NoPrimaryKey(Check):
    id = "no-primary-key"
    category = "tables"
    severity = Severity.WARNING
    title = "Table without a primary key"
    requires_sections = ("tables", "indexes", "columns")
    docs = CheckDocs(
        problem="The table has no primary key (partitions are judged through their partitioned "
        "parent, materialized views are not checked).",
        why="Rows cannot be addressed one by one: ORMs refuse to map the table or fall back to "
        "matching every column, logical replication cannot replicate its UPDATEs and "
        "DELETEs (no replica identity), duplicate rows creep in unnoticed, and tools such "
        "as pg_repack need a primary or unique key to work online.",
        fix="If a unique index on NOT NULL columns exists, promote it without a rebuild: ALTER "
        "TABLE ... ADD CONSTRAINT ... PRIMARY KEY USING INDEX ... . Otherwise add a bigint "
        "identity column as the key (it rewrites the table under an ACCESS EXCLUSIVE lock: "
        "plan a maintenance window). A partitioned table's key must include its partition "
        "key columns.",
        alembic="op.create_primary_key(name, table, columns), or "
        "op.execute('ALTER TABLE ... ADD CONSTRAINT ... PRIMARY KEY USING INDEX ...'); "
        "declare primary_key=True on the model's column(s).",
    )

    def evaluate(self, snapshot: Snapshot, params: Mapping[str, Any]) -> list[Finding]:
        tables = {t.qualified for t in snapshot.tables}
        findings = []
        for table in snapshot.tables:
            if table.kind not in CHECKED_KINDS or table.has_primary_key:
                continue
            if table.is_partition and table.parent in tables:
                continue  # the partitioned parent is the one to fix (and is reported)
            findings.append(self._finding(snapshot, table))
        return sorted(findings, key=Finding.sort_key)

    def _finding(self, snapshot: Snapshot, table: Table) -> Finding:
        columns = snapshot.columns_by_table.get((table.schema, table.name), [])
        not_null = {c.attnum for c in columns if c.not_null}
        names = {c.attnum: c.name for c in columns}
        candidates = sorted(
            (
                ix
                for ix in snapshot.indexes_by_table.get((table.schema, table.name), [])
                if promotable(ix, not_null)
            ),
            key=lambda ix: (ix.is_constraint_backed, ix.key_count, ix.size_bytes, ix.name),
        )
        partitions = [t for t in snapshot.tables if t.parent == table.qualified]
        evidence: dict[str, Any] = {
            "kind": {"r": "table", "p": "partitioned table"}.get(table.kind, table.kind),
            "rows": int(
                partition_rows(snapshot, table) if table.kind == "p" else table.estimated_rows
            ),
            "total_bytes": table.total_bytes,
            "partitions": len(partitions),
            "unique_not_null_indexes": [ix.name for ix in candidates],
        }
        message = f"{table.qualified} has no primary key"
        if table.kind == "p":
            key = partition_columns(table) or "its partition key"
            return self.finding(
                table_ref(table),
                message + f" (partitioned by {key})",
                evidence=evidence,
                recommendation=f"Add a primary key to {table.qualified} that includes the "
                f"partition key column(s) ({key}); each partition gets it too.",
            )
        if candidates:
            best = candidates[0]
            keys = [names[attnum] for attnum in best.key_attnums[: best.key_count]]
            constraint = f"{table.name}_pkey"
            if best.is_constraint_backed:
                # an index owned by a UNIQUE constraint cannot be promoted: promote a copy
                fix = PromoteUniqueIndex(
                    table.schema,
                    table.name,
                    index_name(table.name, keys, "pkey_idx"),
                    constraint,
                    tuple(keys),
                )
                how = (
                    f"{best.name} backs constraint {best.constraint_name} and cannot be "
                    "promoted itself, so build a copy of it CONCURRENTLY and promote that "
                    "with ALTER TABLE ... ADD CONSTRAINT ... PRIMARY KEY USING INDEX (a "
                    f"brief lock), then drop the now redundant {best.constraint_name}"
                )
            else:
                fix = PromoteUniqueIndex(table.schema, table.name, best.name, constraint)
                how = (
                    f"promote the unique index {best.name} with ALTER TABLE ... ADD "
                    "CONSTRAINT ... PRIMARY KEY USING INDEX (no rebuild, a brief lock)"
                )
            return self.finding(
                table_ref(table),
                message + f"; unique index {best.name} on NOT NULL column(s) "
                f"({', '.join(keys)}) could become it",
                evidence={**evidence, "promotable_index": best.name},
                recommendation=f"Make ({', '.join(keys)}) the primary key of "
                f"{table.qualified}: {how}.",
                fix=fix,
            )
        column = _free_column(table, {c.name for c in columns})
        return self.finding(
            table_ref(table),
            message + " and no unique index on NOT NULL columns that could become one",
            evidence=evidence,
            recommendation=f"Add a bigint identity column {column} as the primary key of "
            f"{table.qualified} (or declare the natural key if the data has "
            "one); adding the column rewrites the table under an ACCESS "
            "EXCLUSIVE lock.",
            fix=AddIdentityPrimaryKey(table.schema, table.name, column),
        )
