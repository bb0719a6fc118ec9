"""vector-opclass-mismatch: queries order a column by a distance its ANN index cannot serve."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pgsage.checks.base import Check, CheckDocs, Param
from pgsage.checks.vector.ann import (
    METHOD_OPERATORS,
    ann_indexes,
    index_ref,
    index_rows,
    opclass_for,
    opclass_operator,
    recommended_lists,
)
from pgsage.checks.vector.workload import OPERATOR_NAMES, OPERATORS, distance_orders
from pgsage.db.snapshot import Snapshot
from pgsage.fixes.index import CreateIndex
from pgsage.fixes.quoting import index_name
from pgsage.fixes.vector import column_key
from pgsage.model import Finding, Severity


class VectorOpclassMismatch(Check):
    id = "vector-opclass-mismatch"
    category = "vector"
    severity = Severity.WARNING
    title = "Distance operator its ANN index cannot serve"
    requires_extensions = ("vector",)
    reads_query_texts = True
    requires_sections = ("tables", "columns", "indexes", "statements")
    params = (Param("min_calls", 1, "ignore statements called fewer times than this"),)
    docs = CheckDocs(
        problem="The workload orders a vector column by a distance operator (`<->` L2, `<=>` "
        "cosine, `<#>` inner product, `<+>` L1), but the column's HNSW/IVFFlat indexes "
        "were built with the operator class of another distance (vector_l2_ops, "
        "vector_cosine_ops, vector_ip_ops, vector_l1_ops; halfvec_* alike). Read from "
        "the ORDER BY of pg_stat_statements and pg_stat_activity texts, with the column "
        "resolved through the FROM list and its aliases.",
        why="An ANN index answers only the distance of its operator class. A cosine index "
        "does nothing for `ORDER BY embedding <-> $1`: those queries scan the whole table, "
        "while the index still costs writes and memory.",
        fix="Make the two agree: change the queries to the index's operator if that is the "
        "distance you meant (for normalised embeddings, cosine, L2 and inner product rank "
        "alike, and `<#>` is the cheapest), or CREATE INDEX CONCURRENTLY one with the "
        "matching operator class and drop the unused one.",
        alembic="op.create_index(..., postgresql_using='hnsw', postgresql_ops={column: "
        "'vector_l2_ops'}, postgresql_concurrently=True) inside "
        "op.get_context().autocommit_block().",
    )

    def evaluate(self, snapshot: Snapshot, params: Mapping[str, Any]) -> list[Finding]:
        calls: dict[tuple[str, str, str], dict[str, int]] = {}
        for order in distance_orders(snapshot, int(params["min_calls"])):
            per_op = calls.setdefault((order.schema, order.table, order.column), {})
            per_op[order.operator] = per_op.get(order.operator, 0) + order.calls
        columns = {(c.schema, c.table, c.name): c for c in snapshot.columns}
        findings = []
        for (schema, table, column_name), per_op in sorted(calls.items()):
            indexes = ann_indexes(snapshot, schema, table, column_name)
            column = columns.get((schema, table, column_name))
            if not indexes or column is None:
                continue
            served = {opclass_operator(ix.opclasses[0]) for ix in indexes if ix.opclasses}
            unserved = sorted(op for op in per_op if op not in served)
            if not unserved:
                continue
            top = max(unserved, key=lambda op: (per_op[op], op))
            described = ", ".join(
                f"{op} ({OPERATOR_NAMES[op]}, {per_op[op]:,} call{'' if per_op[op] == 1 else 's'})"
                for op in unserved
            )
            for index in indexes:
                opclass = index.opclasses[0] if index.opclasses else ""
                own = opclass_operator(opclass)
                method = index.method if top in METHOD_OPERATORS[index.method] else "hnsw"
                options: tuple[tuple[str, int], ...] = ()
                if method == "ivfflat":
                    options = (("lists", recommended_lists(index_rows(snapshot, index)[0])),)
                create = CreateIndex(
                    schema,
                    table,
                    (column_key(column_name, opclass_for(column.type_name, top)),),
                    index_name(table, [column_name], f"{method}_{OPERATORS[top]}_idx"),
                    method=method,
                    storage=options,
                )
                unused = own not in per_op
                findings.append(
                    self.finding(
                        index_ref(index),
                        f"queries order {schema}.{table}.{column_name} by {described}, but "
                        f"{index.method} index {index.name} has {opclass} "
                        f"({own or '?'}) and cannot serve them: they scan the table",
                        evidence={
                            "column": column_name,
                            "index_opclass": opclass,
                            "index_operator": own,
                            "workload_operators": [f"{op}={n}" for op, n in sorted(per_op.items())],
                            "unserved_operators": unserved,
                            "index_operator_used": not unused,
                        },
                        recommendation=(
                            f"Order by {own} if {OPERATOR_NAMES.get(own or '', 'its distance')} is "
                            f"what you meant, or create an index with {create.keys[0].opclass}"
                            + (
                                f"; no query uses {index.name}'s operator, so it can then be "
                                "dropped."
                                if unused
                                else "."
                            )
                        ),
                        fix=create,
                    )
                )
        return findings
