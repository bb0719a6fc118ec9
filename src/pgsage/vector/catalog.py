"""The ANN indexes of a database, read from the catalog in one query."""

from __future__ import annotations

from dataclasses import dataclass

import psycopg
from psycopg.rows import TupleRow

from pgsage.errors import UsageError
from pgsage.vector.analysis import IndexShape

# pgvector's operator classes end in the kind of distance they serve.
OPCLASS_OPERATORS = {
    "l2": "<->",
    "ip": "<#>",
    "cosine": "<=>",
    "l1": "<+>",
    "hamming": "<~>",
    "jaccard": "<%>",
}
OPERATOR_NAMES = {
    "<->": "L2 distance",
    "<#>": "negative inner product",
    "<=>": "cosine distance",
    "<+>": "L1 distance",
    "<~>": "Hamming distance",
    "<%>": "Jaccard distance",
}

ANN_INDEXES = """
SELECT n.nspname, t.relname, i.relname, am.amname, a.attname, ty.typname, a.atttypmod,
       oc.opcname, coalesce(i.reloptions, '{}'), greatest(t.reltuples, 0)::float8,
       pg_catalog.pg_relation_size(i.oid), pg_catalog.pg_get_indexdef(i.oid),
       pg_catalog.pg_get_expr(x.indpred, x.indrelid)
FROM pg_catalog.pg_index x
JOIN pg_catalog.pg_class i ON i.oid = x.indexrelid
JOIN pg_catalog.pg_class t ON t.oid = x.indrelid
JOIN pg_catalog.pg_namespace n ON n.oid = t.relnamespace
JOIN pg_catalog.pg_am am ON am.oid = i.relam
JOIN pg_catalog.pg_opclass oc ON oc.oid = x.indclass[0]
LEFT JOIN pg_catalog.pg_attribute a
  ON a.attrelid = t.oid AND a.attnum = x.indkey[0] AND x.indkey[0] <> 0
LEFT JOIN pg_catalog.pg_type ty ON ty.oid = a.atttypid
WHERE am.amname IN ('hnsw', 'ivfflat') AND x.indisvalid AND x.indisready
  AND n.nspname NOT IN ('pg_catalog', 'information_schema')
ORDER BY 1, 2, 3
"""


@dataclass(frozen=True)
class AnnIndex:
    schema: str
    table: str
    name: str
    method: str
    column: str | None  # None: an index on an expression
    type_name: str
    dims: int
    opclass: str
    options: tuple[tuple[str, int], ...]
    rows: float
    size_bytes: int
    definition: str
    predicate: str | None

    @property
    def operator(self) -> str | None:
        kind = self.opclass.rsplit("_ops", 1)[0].rsplit("_", 1)[-1]
        return OPCLASS_OPERATORS.get(kind)

    def option(self, name: str, default: int) -> int:
        return dict(self.options).get(name, default)

    def shape(self) -> IndexShape:
        return IndexShape(
            schema=self.schema,
            table=self.table,
            name=self.name,
            column=self.column or "",
            method=self.method,
            opclass=self.opclass,
            rows=self.rows,
            dims=self.dims,
            size_bytes=self.size_bytes,
            options=self.options,
            predicate=self.predicate,
        )


def _options(reloptions: list[str]) -> tuple[tuple[str, int], ...]:
    found = []
    for option in reloptions:
        key, _, value = option.partition("=")
        try:
            found.append((key, int(value)))
        except ValueError:
            continue
    return tuple(found)


def ann_indexes(conn: psycopg.Connection[TupleRow]) -> list[AnnIndex]:
    rows = conn.execute(ANN_INDEXES).fetchall()
    return [
        AnnIndex(
            schema=r[0],
            table=r[1],
            name=r[2],
            method=r[3],
            column=r[4],
            type_name=r[5] or "",
            dims=max(int(r[6] or 0), 0),
            opclass=r[7],
            options=_options(list(r[8])),
            rows=float(r[9]),
            size_bytes=int(r[10]),
            definition=r[11],
            predicate=r[12],
        )
        for r in rows
    ]


def _matches(name: str, schema: str, wanted: str) -> bool:
    if "." in wanted:
        return wanted == f"{schema}.{name}"
    return wanted == name


def select_indexes(
    found: list[AnnIndex], table: str | None, column: str | None, index: str | None
) -> list[AnnIndex]:
    """The indexes named by --index, or on --table [--column], or all; a name that matches
    nothing is a usage error."""
    chosen = [
        ix
        for ix in found
        if (index is None or _matches(ix.name, ix.schema, index))
        and (table is None or _matches(ix.table, ix.schema, table))
        and (column is None or ix.column == column)
    ]
    if not chosen:
        what = index or (f"{table}.{column}" if column else table)
        if what:
            raise UsageError(f"no valid HNSW or IVFFlat index on {what}")
        raise UsageError("the database has no valid HNSW or IVFFlat index")
    return chosen
