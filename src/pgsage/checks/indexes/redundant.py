"""redundant-index: a btree index whose keys are a leading prefix of another index's keys."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pgsage.checks.base import Check, CheckDocs
from pgsage.checks.indexes.signatures import (
    equivalent_keys,
    index_evidence,
    index_ref,
    is_protected,
    key_tuples,
    table_duplicates,
    table_indexes,
)
from pgsage.db.rows import Index
from pgsage.db.snapshot import Snapshot
from pgsage.fixes.index import DropIndex
from pgsage.model import Finding, Severity

# Only btree keys are ordered, so only there does a longer index serve its prefix's look-ups.
PREFIX_METHODS = frozenset({"btree"})


def covers(longer: Index, shorter: Index) -> bool:
    """Whether ``longer`` can serve every query ``shorter`` serves."""
    if longer.method != shorter.method or shorter.method not in PREFIX_METHODS:
        return False
    # Cheap rejections first: equivalent keys have the same expressions in the same order.
    width = shorter.key_count
    if width >= longer.key_count or shorter.key_columns[:width] != longer.key_columns[:width]:
        return False
    short_keys, long_keys = key_tuples(shorter), key_tuples(longer)
    if len(short_keys) >= len(long_keys):
        return False
    if not equivalent_keys(short_keys, long_keys[: len(short_keys)], shorter.method):
        return False
    if (shorter.predicate or "") != (longer.predicate or ""):
        return False
    # Index-only scans on the shorter index need its INCLUDE columns in the longer one.
    available = set(longer.key_columns) | set(longer.include_columns)
    return set(shorter.include_columns) <= available


class RedundantIndex(Check):
    id = "redundant-index"
    category = "indexes"
    severity = Severity.WARNING
    title = "Redundant (prefix) index"
    requires_sections = ("indexes",)
    docs = CheckDocs(
        problem="A btree index's key columns are the leading columns of another btree index "
        "with the same operator classes, collations, sort order and predicate, e.g. "
        "(visit_date) next to (visit_date, page_path).",
        why="The longer index answers every look-up the shorter one does, so the shorter one "
        "costs writes, disk and cache for little gain. A unique or constraint-backed index "
        "is never proposed for dropping: it enforces a rule.",
        fix="Drop the shorter index with DROP INDEX CONCURRENTLY, after checking that the "
        "longer one is not much wider (its size is in the evidence).",
        alembic="op.drop_index(name, postgresql_concurrently=True) inside "
        "op.get_context().autocommit_block().",
    )

    def evaluate(self, snapshot: Snapshot, params: Mapping[str, Any]) -> list[Finding]:
        findings = []
        duplicates = table_duplicates(self.context)
        for (schema, table), indexes in table_indexes(self.context).items():
            btree_firsts = {
                ix.key_columns[0]
                for ix in indexes
                if ix.method in PREFIX_METHODS and ix.key_columns
            }
            if len(btree_firsts) == sum(ix.method in PREFIX_METHODS for ix in indexes):
                continue  # a prefix starts with its longer index's first key: none do here
            # An exact duplicate is duplicate-index's to report; judge only the copy it keeps.
            dropped = {ix.name for ix, _ in duplicates.get((schema, table), [])}
            for shorter in sorted(indexes, key=lambda ix: ix.name):
                if is_protected(shorter) or shorter.name in dropped:
                    continue
                longer_ones = [ix for ix in indexes if ix is not shorter and covers(ix, shorter)]
                if not longer_ones:
                    continue
                # Point at the smallest covering index: the cheapest replacement.
                longer = min(longer_ones, key=lambda ix: (ix.key_count, ix.size_bytes, ix.name))
                findings.append(
                    self.finding(
                        index_ref(shorter),
                        f"index {shorter.name} is a prefix of {longer.name} on {schema}.{table}",
                        evidence={**index_evidence(shorter), **index_evidence(longer, "covering_")},
                        recommendation=f"Drop {shorter.name}; {longer.name} covers its look-ups.",
                        fix=DropIndex(schema, shorter.name),
                    )
                )
        return findings
