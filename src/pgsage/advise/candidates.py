"""Index candidates from what the statements ask of each table.

Btree keys follow the rule that serves the most plans: equality columns first (the most
selective first), then one range column, then the ORDER BY columns, at most three keys. Around
that core: a partial variant when a condition compares with a literal on a column with few
values (``WHERE NOT is_admin``, ``status = 'active'``), a covering variant (``INCLUDE``) when
the few other columns the statement reads would make an index-only scan, expression keys as
written (``lower(email)``), join keys, GROUP BY keys, ``text_pattern_ops`` for ``LIKE 'abc%'``
on a column whose collation is not C, GIN for JSONB and array operators,
trigram GIN for ``LIKE '%…%'`` and HNSW (with the operator class of the distance operator)
for ``ORDER BY embedding <-> $1 LIMIT k``. Costing decides which of them are worth it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import TypeVar

from pgsage.advise.catalog import ColumnInfo, ExistingIndex, RelInfo
from pgsage.advise.model import Candidate, Key, Predicate, RelName, TableAccess

MAX_WIDTH = 3
MAX_INCLUDE = 3
MAX_INCLUDE_WIDTH = 64  # average bytes: wider columns make the index a second heap
PARTIAL_MAX_DISTINCT = 20  # a literal on a column with at most this many values → partial
PARTIAL_MAX_SHARE = 0.25  # ... when that value is at most this share of the rows
T = TypeVar("T")
HNSW_OPCLASSES = {
    "<->": "vector_l2_ops",
    "<=>": "vector_cosine_ops",
    "<#>": "vector_ip_ops",
    "<+>": "vector_l1_ops",
}
JSONB_KEY_OPERATORS = frozenset({"?", "?|", "?&"})


@dataclass(frozen=True)
class Capabilities:
    """What the server can build: trigram needs pg_trgm, HNSW needs pgvector."""

    trigram: bool = False
    vector: bool = False


def candidates_for(
    access: TableAccess,
    rel: RelInfo,
    caps: Capabilities,
    constants: frozenset[tuple[RelName, str]] | None = None,
) -> list[Candidate]:
    """Every candidate index for one statement's use of one table, in a stable order.
    ``constants``: the literal conditions that are constants of the workload (None: all of
    them), the only ones a partial index's WHERE may say (``advise.constants``)."""
    found: list[Candidate] = []
    table = access.table
    conj = [p for p in access.predicates if p.conjunct]
    partial = [
        p
        for p in _partial_conditions(conj, rel)
        if constants is None or (table, p.constant or "") in constants
    ]
    partial_columns = {p.key.column for p in partial}
    equal_all = _ordered_keys([p for p in conj if p.kind in ("eq", "in")], rel)
    equal = [k for k in equal_all if k.column not in partial_columns]
    prefixes = _pattern_prefixes(conj, rel)
    ranges = _unique(p.key for p in conj if p.kind == "range" and p.key not in prefixes)
    sort_keys = _sort_keys(access)

    cores: list[tuple[Key, ...]] = []
    # With the partial conditions' columns as keys instead.
    plain = _plain_variants(equal_all, sort_keys) if equal_all != equal else []
    if equal:
        cores.append(tuple(equal[:MAX_WIDTH]))
        if len(equal) > 1:  # the most selective alone: smaller; rows read break the tie
            cores.append((equal[0],))
        cores += [(*tuple(equal[: MAX_WIDTH - 1]), r) for r in ranges if r not in equal]
    cores += [(r,) for r in ranges]
    if sort_keys:
        cores.append(_truncate(tuple(equal) + tuple(sort_keys)))
        if partial or not equal:
            cores.append(_truncate(tuple(sort_keys)))
    if access.group and not sort_keys:
        cores.append(_truncate(tuple(equal) + tuple(access.group)))
    cores += _join_and_or_keys(access, equal)

    where = " AND ".join(sorted({p.constant for p in partial if p.constant})) or None
    for keys in _unique(cores):
        found.append(_btree(table, keys))
        if where is not None:
            found.append(_btree(table, keys, where=where))
    found += [_btree(table, keys) for keys in _unique(plain)]
    if where is not None and not cores:
        # Only constant conditions: the partial index keyed on what the statement sorts by or
        # reads first is as small as an index gets and still answers it.
        key = sort_keys[0] if sort_keys else None
        if key is not None:
            found.append(_btree(table, (key,), where=where))

    found += [
        Candidate(table=table, keys=(key,), opclass=opclass, kind="pattern")
        for key, opclass in prefixes.items()
    ]
    covering = _covering(access, rel, found)
    found += covering
    found += _gin(access, rel, caps)
    found += _hnsw(access, rel, caps)
    return [c for c in _unique(found) if not covered_by_existing(c, rel.indexes)]


def _plain_variants(equal_all: list[Key], sort_keys: list[Key]) -> list[tuple[Key, ...]]:
    found = [tuple(equal_all[:MAX_WIDTH])]
    if sort_keys:
        found.append(_truncate(tuple(equal_all) + tuple(sort_keys)))
    return found


def _join_and_or_keys(access: TableAccess, equal: list[Key]) -> list[tuple[Key, ...]]:
    """Join keys (after the first equality key too), and the single keys of conditions inside
    OR (each arm can use its own index: BitmapOr)."""
    found: list[tuple[Key, ...]] = []
    for join in _unique(p.key for p in access.predicates if p.kind == "join"):
        found.append((join,))
        if equal and join not in equal:
            found.append(_truncate((equal[0], join)))
    found += [
        (p.key,) for p in access.predicates if not p.conjunct and p.kind in ("eq", "in", "range")
    ]
    return found


PATTERN_OPCLASSES = {
    "text": "text_pattern_ops",
    "varchar": "varchar_pattern_ops",
    "bpchar": "bpchar_pattern_ops",
}


def _pattern_prefixes(conj: list[Predicate], rel: RelInfo) -> dict[Key, str]:
    """``LIKE 'abc%'`` on a column whose collation does not sort bytes: a plain btree cannot
    serve the prefix, an index with the type's ``*_pattern_ops`` can (key → operator class)."""
    found: dict[Key, str] = {}
    for p in conj:
        if p.kind != "range" or p.operator != "~~" or p.key.column is None:
            continue
        info = rel.columns.get(p.key.column)
        opclass = PATTERN_OPCLASSES.get(info.type_name) if info is not None else None
        if info is not None and opclass is not None and info.byte_order is False:
            found[p.key] = opclass
    return found


def _sort_keys(access: TableAccess) -> list[Key]:
    """The ORDER BY as index keys. When a plain index serves it (every key ASC NULLS LAST, or
    every key DESC NULLS FIRST: the plain index read backwards), plain keys. Otherwise each key
    in the ORDER BY's own order, ``(a DESC, b)`` or ``(a DESC NULLS LAST)`` (read backwards,
    such an index serves the opposite order too)."""
    sort = [s for s in access.sort if s.operator is None]
    if not sort:
        return []
    orders = {s.order for s in sort}
    if orders in ({(False, False)}, {(True, True)}):
        return [s.key for s in sort]
    keys = []
    for s in sort:
        descending, nulls_first = s.order
        nulls = None if nulls_first == descending else ("first" if nulls_first else "last")
        keys.append(replace(s.key, descending=descending, nulls=nulls))
    return keys


def _btree(table: RelName, keys: tuple[Key, ...], where: str | None = None) -> Candidate:
    if any(k.expression is not None for k in keys):
        kind = "expression"
    elif where is not None:
        kind = "partial"
    elif len(keys) > 1:
        kind = "composite"
    else:
        kind = "btree"
    return Candidate(table=table, keys=keys, where=where, kind=kind)


def _covering(access: TableAccess, rel: RelInfo, found: list[Candidate]) -> list[Candidate]:
    if access.written_columns is not None or not found:
        return []
    best = max((c for c in found if c.method == "btree"), key=lambda c: len(c.keys), default=None)
    if best is None:
        return []
    in_keys = {col for key in best.keys for col in key.columns}
    rest = sorted(access.columns - in_keys)
    if not rest or len(rest) > MAX_INCLUDE:
        return []
    for name in rest:
        info = rel.columns.get(name)
        if (
            info is None
            or info.is_array
            or info.type_name in ("jsonb", "json", "vector")
            or (info.avg_width or 0) > MAX_INCLUDE_WIDTH
        ):
            return []
    return [
        Candidate(
            table=best.table, keys=best.keys, where=best.where, include=tuple(rest), kind="covering"
        )
    ]


def _gin(access: TableAccess, rel: RelInfo, caps: Capabilities) -> list[Candidate]:
    found: list[Candidate] = []
    by_key: dict[Key, list[Predicate]] = {}
    for p in access.predicates:
        if p.kind in ("jsonb", "array", "like"):
            by_key.setdefault(p.key, []).append(p)
    for key, predicates in sorted(by_key.items()):
        kinds = {p.kind for p in predicates}
        if "jsonb" in kinds:
            only_containment = all(p.operator == "@>" for p in predicates)
            found.append(
                Candidate(
                    table=access.table,
                    keys=(key,),
                    method="gin",
                    kind="gin",
                    opclass="jsonb_path_ops" if only_containment else None,
                )
            )
        elif "array" in kinds:
            found.append(Candidate(table=access.table, keys=(key,), method="gin", kind="gin"))
        elif "like" in kinds:  # without pg_trgm: reported uncosted, with CREATE EXTENSION
            column = rel.columns.get(key.columns[0]) if key.columns else None
            if column is not None and column.type_name in ("text", "varchar", "bpchar"):
                found.append(
                    Candidate(
                        table=access.table,
                        keys=(key,),
                        method="gin",
                        opclass="gin_trgm_ops",
                        kind="trigram",
                    )
                )
    return found


def _hnsw(access: TableAccess, rel: RelInfo, caps: Capabilities) -> list[Candidate]:
    if not caps.vector or not access.has_limit:
        return []
    found = []
    for sort in access.sort:
        column = rel.columns.get(sort.key.column or "")
        opclass = HNSW_OPCLASSES.get(sort.operator or "")
        if column is not None and column.type_name == "vector" and opclass is not None:
            found.append(
                Candidate(
                    table=access.table,
                    keys=(sort.key,),
                    method="hnsw",
                    opclass=opclass,
                    kind="hnsw",
                )
            )
    return found


def _partial_conditions(conj: list[Predicate], rel: RelInfo) -> list[Predicate]:
    """Literal conditions on few-valued columns: better as an index's WHERE than as a key."""
    found = []
    for p in conj:
        if p.constant is None or p.key.column is None or p.kind not in ("eq", "notnull"):
            continue
        info = rel.columns.get(p.key.column)
        if info is None:
            continue
        if (
            p.kind == "notnull"
            or info.type_name == "bool"
            or (
                info.distinct_count(rel.rows) <= PARTIAL_MAX_DISTINCT
                and _rare(p, info)
                and p.operator == "="
            )
        ):
            found.append(p)
    return found


def _rare(p: Predicate, info: ColumnInfo) -> bool:
    """A literal whose value is a small share of the rows (``status = 'pending'``): a partial
    index on it is small. A common value (``country = 'DE'``) is more likely one value of a
    parameter the application varies."""
    text = (p.constant or "").split("=", 1)[-1].strip()
    for value, freq in zip(info.common_values, info.common_freqs, strict=False):
        if text in (f"'{value}'", value):
            return freq <= PARTIAL_MAX_SHARE
    return True


def _ordered_keys(predicates: list[Predicate], rel: RelInfo) -> list[Key]:
    """Equality keys, most selective first (then IN lists), ties by name: deterministic."""

    def rank(p: Predicate) -> tuple[int, float, str]:
        info = rel.columns.get(p.key.columns[0]) if p.key.columns else None
        distinct = info.distinct_count(rel.rows) if info is not None else rel.rows
        return (0 if p.kind == "eq" else 1, -distinct, p.key.label())

    return _unique(p.key for p in sorted(predicates, key=rank))


def _truncate(keys: tuple[Key, ...]) -> tuple[Key, ...]:
    """At most MAX_WIDTH keys, each column or expression once (``WHERE a = 1 ORDER BY a DESC,
    b``: the sort's ``a DESC`` adds nothing after the equality's ``a``)."""
    found: list[Key] = []
    taken: set[tuple[str | None, str | None]] = set()
    for key in keys:
        if (key.column, key.expression) not in taken:
            taken.add((key.column, key.expression))
            found.append(key)
    return tuple(found[:MAX_WIDTH])


def _unique(items: Iterable[T]) -> list[T]:
    return list(dict.fromkeys(items))


def covered_by_existing(candidate: Candidate, indexes: tuple[ExistingIndex, ...]) -> bool:
    """An existing valid index of the same method whose keys start with the candidate's keys,
    with the same predicate (or none), already does what the candidate would."""
    labels = list(candidate.columns)
    for index in indexes:
        if not index.valid or index.method != candidate.method:
            continue
        if candidate.opclass is not None and candidate.opclass not in index.definition:
            continue
        if list(index.keys[: len(labels)]) != labels:
            continue
        if index.predicate is not None and index.predicate != candidate.where:
            continue
        if candidate.include and not set(candidate.include) <= set(index.keys) | set(index.include):
            continue
        if candidate.where is not None and index.predicate is None:
            continue  # the partial candidate is smaller; let costing judge
        return True
    return False
