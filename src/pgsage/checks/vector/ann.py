"""What the pgvector checks share: ANN indexes and their options, operator classes, the
recommended IVFFlat sizing, and the query-time settings sessions start with."""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass

from pgsage.checks.vector.workload import OPERATORS, DistanceOrder
from pgsage.db.rows import Column, Index, Role, Table
from pgsage.db.snapshot import Snapshot
from pgsage.fixes.index import CreateIndex, IndexKey
from pgsage.fixes.vector import column_key
from pgsage.model import ObjectRef

ANN_METHODS = frozenset({"hnsw", "ivfflat"})
INDEXED_TYPES = frozenset({"vector", "halfvec"})
# pgvector's built-in defaults (CREATE INDEX options and query-time settings).
DEFAULT_LISTS = 100
DEFAULT_M = 16
DEFAULT_EF_CONSTRUCTION = 64
DEFAULT_SETTINGS = {
    "ivfflat.probes": "1",
    "hnsw.ef_search": "40",
    "hnsw.iterative_scan": "off",
    "ivfflat.iterative_scan": "off",
}
# How many dimensions an HNSW (or IVFFlat) index can hold per type.
MAX_INDEX_DIMENSIONS = {"vector": 2000, "halfvec": 4000}
# Which operators each index method supports (IVFFlat has no L1 nor Jaccard).
METHOD_OPERATORS = {
    "hnsw": frozenset(OPERATORS),
    "ivfflat": frozenset({"<->", "<=>", "<#>", "<~>"}),
}
DEFAULT_OPERATOR = "<=>"  # cosine: what embedding models are usually compared with

_OPCLASS_KIND = re.compile(r"_(l2|ip|cosine|l1|hamming|jaccard)_ops$")


def is_ann(index: Index) -> bool:
    return index.method in ANN_METHODS


def opclass_operator(opclass: str) -> str | None:
    """The distance operator an operator class serves (vector_cosine_ops -> <=>)."""
    match = _OPCLASS_KIND.search(opclass)
    if match is None:
        return None
    return next(op for op, kind in OPERATORS.items() if kind == match.group(1))


def opclass_for(type_name: str, operator: str) -> str:
    """The operator class of a type for an operator (halfvec, <-> -> halfvec_l2_ops)."""
    prefix = "bit" if operator in ("<~>", "<%>") else type_name
    return f"{prefix}_{OPERATORS[operator]}_ops"


def reloption(index: Index, name: str) -> str | None:
    for option in index.reloptions:
        key, _, value = option.partition("=")
        if key == name:
            return value
    return None


def int_option(index: Index, name: str, default: int) -> tuple[int, bool]:
    """An integer index option and whether it was given explicitly."""
    value = reloption(index, name)
    if value is None:
        return default, False
    try:
        return int(value.strip("'")), True
    except ValueError:
        return default, False


def column_by_attnum(snapshot: Snapshot, index: Index, attnum: int) -> Column | None:
    for column in snapshot.columns_by_table.get((index.schema, index.table), []):
        if column.attnum == attnum:
            return column
    return None


def indexed_column(snapshot: Snapshot, index: Index) -> Column | None:
    """The plain column an ANN index is built on; None for an expression index."""
    if not index.key_attnums or index.key_attnums[0] == 0:
        return None
    return column_by_attnum(snapshot, index, index.key_attnums[0])


def mentions(expression: str, column: str) -> bool:
    pattern = rf'(?<![\w$"]){re.escape(column)}(?![\w$"])|"{re.escape(column)}"'
    return re.search(pattern, expression) is not None


def ann_indexes(
    snapshot: Snapshot, schema: str, table: str, column: str, expressions: bool = False
) -> list[Index]:
    """Valid ANN indexes on a column: built on it, or (with ``expressions``) on an expression
    that uses it, such as ``(embedding::halfvec(3072))``."""
    found = []
    for index in snapshot.indexes_by_table.get((schema, table), []):
        if not is_ann(index) or not index.is_valid or not index.is_ready:
            continue
        plain = indexed_column(snapshot, index)
        on_column = plain is not None and plain.name == column
        on_expression = (
            plain is None
            and expressions
            and bool(index.key_columns)
            and mentions(index.key_columns[0], column)
        )
        if on_column or on_expression:
            found.append(index)
    return sorted(found, key=lambda ix: ix.name)


def index_key_sql(snapshot: Snapshot, index: Index) -> IndexKey | None:
    """An index's first key, for rebuilding it: the column, or the catalog's expression text
    (pg_get_indexdef prints it as valid SQL)."""
    column = indexed_column(snapshot, index)
    if column is not None:
        return column_key(column.name)
    if index.key_columns:
        expr = index.key_columns[0]
        inner = expr[1:-1] if expr.startswith("(") and expr.endswith(")") else expr
        return IndexKey(expression=inner)
    return None


def index_rows(snapshot: Snapshot, index: Index) -> tuple[float, Table | None]:
    """Rows an index covers: its own estimate for a partial index, else the table's."""
    table = snapshot.table(index.schema, index.table)
    if index.predicate and index.reltuples >= 0:
        return index.reltuples, table
    return (table.estimated_rows if table else max(index.reltuples, 0.0)), table


def recommended_lists(rows: float) -> int:
    """pgvector's advice: rows / 1000 up to 1M rows, sqrt(rows) above."""
    if rows <= 1_000_000:
        return max(1, round(rows / 1000))
    return max(1, round(math.sqrt(rows)))


def recommended_probes(lists: int) -> int:
    """pgvector's advice for a start: sqrt(lists)."""
    return max(1, math.ceil(math.sqrt(lists)))


def index_ref(index: Index) -> ObjectRef:
    return ObjectRef("index", index.schema, index.name, index.table)


def column_ref(schema: str, table: str, column: str) -> ObjectRef:
    return ObjectRef("column", schema, f"{table}.{column}", table)


# -- query-time settings -----------------------------------------------------------------
@dataclass(frozen=True)
class EffectiveSetting:
    value: str
    source: str  # where it comes from: a server/database setting, or pgvector's default


def session_default(snapshot: Snapshot, name: str) -> EffectiveSetting:
    """The value a new session in this database starts with (before any role override)."""
    for setting in snapshot.vector_settings:
        if setting.name == name and setting.setting is not None:
            return EffectiveSetting(setting.setting, "server or database setting")
    value = snapshot.setting(name)  # visible in pg_settings when pgvector is preloaded
    if value is not None:
        return EffectiveSetting(value, "server setting")
    return EffectiveSetting(DEFAULT_SETTINGS.get(name, ""), "pgvector default")


def role_setting(role: Role, name: str) -> str | None:
    for item in role.settings:
        key, _, value = item.partition("=")
        if key == name:
            return value
    return None


def role_overrides(snapshot: Snapshot, name: str) -> dict[str, str]:
    """Login roles that set ``name`` themselves (ALTER ROLE ... SET), sorted by role."""
    return {
        role.name: value
        for role in sorted(snapshot.roles, key=lambda r: r.name)
        if role.can_login and (value := role_setting(role, name)) is not None
    }


def effective_for(snapshot: Snapshot, name: str, username: str | None) -> str:
    """The value a role's sessions start with: its own override, else the database default."""
    if username is not None:
        for role in snapshot.roles:
            if role.name == username and (value := role_setting(role, name)) is not None:
                return value
    return session_default(snapshot, name).value


def sets_per_session(snapshot: Snapshot, name: str) -> bool:
    """Whether pg_stat_statements saw the application SET this itself (SET / SET LOCAL)."""
    pattern = re.compile(rf"^\s*set\s+(local\s+|session\s+)?{re.escape(name)}\b", re.IGNORECASE)
    return any(pattern.search(s.query) for s in snapshot.statements)


def as_int(value: str) -> int | None:
    try:
        return int(value.strip().strip("'"))
    except ValueError:
        return None


# -- choosing an index for a column --------------------------------------------------------
def workload_operator(
    orders: list[DistanceOrder], schema: str, table: str, column: str
) -> tuple[str | None, list[str]]:
    """The distance operator the workload orders this column by most (by calls), and all of
    the operators seen."""
    calls: Counter[str] = Counter()
    for order in orders:
        if (order.schema, order.table, order.column) == (schema, table, column):
            calls[order.operator] += order.calls
    if not calls:
        return None, []
    ranked = sorted(calls, key=lambda op: (-calls[op], op))
    return ranked[0], sorted(calls)


def hnsw_index_for(column: Column, operator: str, name: str) -> tuple[CreateIndex | None, str]:
    """An HNSW index that serves ``column <operator> ...``, or None with the reason why not."""
    dims = column.typmod if column.typmod > 0 else None
    if dims is None:
        return None, (
            f"{column.name} is declared without dimensions ({column.type}); HNSW "
            f"needs them: ALTER TABLE ... ALTER COLUMN {column.name} TYPE "
            f"{column.type_name}(<n>) first"
        )
    limit = MAX_INDEX_DIMENSIONS.get(column.type_name, 0)
    if dims <= limit:
        key = column_key(column.name, opclass_for(column.type_name, operator))
        return CreateIndex(column.schema, column.table, (key,), name, method="hnsw"), ""
    if column.type_name == "vector" and dims <= MAX_INDEX_DIMENSIONS["halfvec"]:
        cast = f"halfvec({dims})"
        key = column_key(column.name, opclass_for("halfvec", operator), cast)
        return CreateIndex(column.schema, column.table, (key,), name, method="hnsw"), (
            f"{dims} dimensions exceed the {limit} an HNSW index on vector holds, so the index "
            f"is on {column.name}::{cast}; queries must order by "
            f"{column.name}::{cast} {operator} $1::{cast} to use it"
        )
    return None, (
        f"{dims} dimensions exceed what an HNSW index holds "
        f"({MAX_INDEX_DIMENSIONS['halfvec']} as halfvec); reduce the dimensions or "
        "index a binary quantization (binary_quantize(...)::bit(n))"
    )
