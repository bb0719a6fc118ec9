"""vector-no-ann-index: a big table's embedding column with no HNSW or IVFFlat index."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pgsage.checks.base import Check, CheckDocs, Param
from pgsage.checks.vector.ann import (
    DEFAULT_OPERATOR,
    INDEXED_TYPES,
    ann_indexes,
    column_ref,
    hnsw_index_for,
    workload_operator,
)
from pgsage.checks.vector.workload import OPERATOR_NAMES, distance_orders
from pgsage.db.snapshot import Snapshot
from pgsage.fixes.quoting import index_name
from pgsage.model import Finding, Severity


class VectorWithoutAnnIndex(Check):
    id = "vector-no-ann-index"
    category = "vector"
    severity = Severity.WARNING
    title = "Vector column without an ANN index"
    requires_extensions = ("vector",)
    requires_sections = ("tables", "columns", "indexes")
    params = (Param("min_rows", 10_000.0, "ignore tables with fewer rows than this"),)
    docs = CheckDocs(
        problem="A vector or halfvec column of a table with many rows has no approximate "
        "nearest-neighbour index (HNSW or IVFFlat) — neither on the column nor on an "
        "expression over it.",
        why="Without an ANN index every similarity search (`ORDER BY embedding <=> $1 LIMIT k`) "
        "computes the distance to every row: a sequential scan whose cost grows with the "
        "table, usually the slowest query of a retrieval (RAG) application.",
        fix="CREATE INDEX CONCURRENTLY ... USING hnsw (column <opclass>), choosing the operator "
        "class of the distance operator the queries use (pg_stat_statements shows it: `<->` "
        "L2 → vector_l2_ops, `<=>` cosine → vector_cosine_ops, `<#>` inner product → "
        "vector_ip_ops, `<+>` L1 → vector_l1_ops; halfvec_* for halfvec) — cosine when the "
        "workload does not tell. Columns over 2,000 dimensions are indexed as "
        "`(column::halfvec(n))`. Give the build plenty of maintenance_work_mem.",
        alembic="op.create_index(name, table, [column], postgresql_using='hnsw', "
        "postgresql_ops={column: 'vector_cosine_ops'}, postgresql_concurrently=True) "
        "inside op.get_context().autocommit_block().",
    )

    def evaluate(self, snapshot: Snapshot, params: Mapping[str, Any]) -> list[Finding]:
        min_rows = float(params["min_rows"])
        orders = distance_orders(snapshot)
        findings = []
        for column in snapshot.columns:
            if column.type_name not in INDEXED_TYPES:
                continue
            table = snapshot.table(column.schema, column.table)
            rows = table.estimated_rows if table else 0.0
            if table is None or rows < min_rows:
                continue
            if ann_indexes(snapshot, column.schema, column.table, column.name, expressions=True):
                continue
            operator, seen = workload_operator(orders, column.schema, column.table, column.name)
            chosen = operator or DEFAULT_OPERATOR
            name = index_name(column.table, [column.name], "hnsw_idx")
            create, caveat = hnsw_index_for(column, chosen, name)
            why = (
                f"the workload orders it by {chosen} ({OPERATOR_NAMES[chosen]})"
                if operator
                else f"no query ordering by it was seen, so {OPERATOR_NAMES[chosen]} is assumed"
            )
            recommendation = (
                f"Create an HNSW index on {column.table}({column.name}) with the "
                f"operator class of the distance your queries use ({why})."
            )
            if caveat:
                recommendation += f" Note: {caveat}."
            findings.append(
                self.finding(
                    column_ref(column.schema, column.table, column.name),
                    f"{column.type} column {column.schema}.{column.table}.{column.name} has no "
                    f"HNSW or IVFFlat index: every similarity search over {int(rows):,} rows is a "
                    "sequential scan",
                    evidence={
                        "column": column.name,
                        "type": column.type,
                        "dimensions": column.typmod if column.typmod > 0 else None,
                        "table_rows": int(rows),
                        "min_rows": min_rows,
                        "seq_scans": table.seq_scan,
                        "workload_operators": seen,
                        "operator": chosen,
                        "opclass": create.keys[0].opclass if create else None,
                    },
                    recommendation=recommendation,
                    fix=create,
                )
            )
        return findings
