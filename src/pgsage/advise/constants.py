"""Which literal conditions are constants of the workload, fit to become a partial index's WHERE.

A partial index on ``status = 'pending'`` serves only the statements that say exactly that, so
its predicate must be a value the application always asks for, never one sample of a value it
varies (``rental(rental_date) WHERE staff_id = 176`` from one line of a ``--queries`` file).

- pg_stat_statements replaced every value the application passed with ``$n``: a literal left
  in a recorded text is written in the application's SQL, a constant.
- A log records every call: when all the calls of a shape had the same text, its literals
  had the same value in every call (constants); when the texts varied, only NULL tests are.
- A file holds samples: a condition is a constant when the statements of the same shape (same
  fingerprint: the same SQL but for its values) all carry the same literal, and either there
  are several of them or the literal is a NULL or boolean test or a quoted label
  (``status = 'pending'``), which applications write as text. A lone number (``user_id = 1``,
  ``staff_id = 176``) is a sample of a parameter.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

import pglast

from pgsage.advise.catalog import RelInfo
from pgsage.advise.model import Predicate, QueryShape, RelName, WorkloadQuery

RECORDED_SOURCES = frozenset({"pg_stat_statements"})
NUMERIC_TYPES = frozenset({"int2", "int4", "int8", "numeric", "float4", "float8", "oid", "money"})

Constant = tuple[RelName, str]  # (table, the condition's SQL text)


def workload_constants(
    analysed: Iterable[tuple[WorkloadQuery, QueryShape]],
    relation: dict[RelName, RelInfo],
) -> frozenset[Constant]:
    """The (table, condition) pairs a partial index may use as its predicate."""
    groups: dict[str, list[tuple[WorkloadQuery, set[Constant], dict[Constant, Predicate]]]]
    groups = defaultdict(list)
    for query, shape in analysed:
        found = {
            (access.table, p.constant): p
            for access in shape.accesses
            for p in access.predicates
            if p.constant is not None
        }
        groups[_fingerprint(query.text)].append((query, set(found), found))
    allowed: set[Constant] = set()
    for members in groups.values():
        for query, constants, predicates in members:
            for constant in constants:
                if _constant_in(query, constant, members, predicates, relation):
                    allowed.add(constant)
    return frozenset(allowed)


def _constant_in(
    query: WorkloadQuery,
    constant: Constant,
    members: list[tuple[WorkloadQuery, set[Constant], dict[Constant, Predicate]]],
    predicates: dict[Constant, Predicate],
    relation: dict[RelName, RelInfo],
) -> bool:
    predicate = predicates[constant]
    if query.source in RECORDED_SOURCES:
        return True
    if query.varied:  # a log's calls of this shape had other values: which one varied is lost
        return predicate.kind == "notnull" or predicate.operator == "is null"
    if query.source == "log" and query.calls > 1:
        return True  # the same text, so the same value, in every call
    return all(constant in other for _, other, _ in members) and (
        len(members) > 1 or _written_as_constant(predicate, relation.get(constant[0]))
    )


def _written_as_constant(predicate: Predicate, rel: RelInfo | None) -> bool:
    """NULL tests, boolean tests and quoted labels on a column that is not numeric."""
    if predicate.kind == "notnull" or predicate.operator == "is null":
        return True
    info = rel.columns.get(predicate.key.column or "") if rel is not None else None
    if info is None:
        return False
    if info.type_name == "bool":
        return True
    return info.type_name not in NUMERIC_TYPES and "'" in (predicate.constant or "")


def _fingerprint(text: str) -> str:
    try:
        return str(pglast.fingerprint(text))
    except (pglast.parser.ParseError, ValueError, RecursionError):
        return text
