"""The advisor's names for its candidates, and the statement it builds them with inside a
transaction; every CREATE INDEX text comes from ``pgsage.fixes.index.CreateIndex``."""

from __future__ import annotations

from dataclasses import replace

from pgsage.advise.model import Candidate
from pgsage.fixes.quoting import index_name, numbered

NAME_SUFFIX = {"btree": "idx", "gin": "gin_idx", "hnsw": "hnsw_idx"}


def candidate_name(candidate: Candidate) -> str:
    """A deterministic name within PostgreSQL's 63 bytes: table, keys, what kind."""
    parts = []
    for key in candidate.keys:
        parts.append(key.column or "_".join(("expr", *key.columns)))
        if key.descending:
            parts.append("desc")
        if key.nulls:
            parts.append(f"nulls_{key.nulls}")
    if candidate.where:
        parts.append("partial")
    if candidate.include:
        parts += ["incl", *candidate.include]
    if candidate.opclass == "gin_trgm_ops":
        parts.append("trgm")
    elif candidate.opclass is not None and candidate.opclass.endswith("_pattern_ops"):
        parts.append("pattern")
    return index_name(candidate.table.name, parts, NAME_SUFFIX.get(candidate.method, "idx"))


def candidate_names(candidates: list[Candidate]) -> dict[Candidate, str]:
    """Each candidate's name, numbered when two candidates' names would collide."""
    names: dict[Candidate, str] = {}
    taken: set[str] = set()
    for candidate in candidates:
        base = candidate_name(candidate)
        name, n = base, 2
        while name in taken:
            name = numbered(base, n)
            n += 1
        taken.add(name)
        names[candidate] = name
    return names


def build_in_transaction(candidate: Candidate, name: str) -> str:
    """CREATE INDEX as the advisor builds it inside a transaction it rolls back (real-index
    costing, --verify): not CONCURRENTLY, and no IF NOT EXISTS — a taken name must fail."""
    create = replace(candidate.index(name), concurrently=False)
    return create.statement(if_not_exists=False)
