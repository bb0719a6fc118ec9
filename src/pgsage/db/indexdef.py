"""Definitions of plain indexes, written as pg_get_indexdef prints them.

Deparsing every index on the server (pg_get_indexdef) or assembling the text there cost a
fifth of the indexes query on 25,000 indexes. For a plain index — every key a column with its
type's default operator class and its own collation, no expression, predicate, storage option
or NULLS NOT DISTINCT; btree, hash or GIN — indexes.sql leaves the definition NULL and it is
written here from the parts the row already has; every other index is deparsed by the server.
tests/test_snapshot_catalog.py compares both with pg_get_indexdef on PostgreSQL 15 and 18.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import psycopg
from psycopg.rows import TupleRow

from pgsage.db.rows import Index
from pgsage.fixes.quoting import ident_as_server

# What pg_get_indexdef prints after a btree key column, by its indoption bits (1 DESC,
# 2 NULLS FIRST): the defaults (ASC NULLS LAST, DESC NULLS FIRST) go unsaid.
_ORDER = {0: "", 1: " DESC NULLS LAST", 2: " NULLS FIRST", 3: " DESC"}


@dataclass(frozen=True)
class Quoting:
    """PostgreSQL's quote_identifier: the server's keywords and quote_all_identifiers."""

    reserved: frozenset[str]  # keywords that are not UNRESERVED: these need quotes
    quote_all: bool

    @classmethod
    def of(cls, conn: psycopg.Connection[TupleRow]) -> Quoting:
        row = conn.execute(
            "SELECT array_agg(word) FILTER (WHERE catcode <> 'U'), "
            "current_setting('quote_all_identifiers') = 'on' FROM pg_get_keywords()"
        ).fetchone()
        assert row is not None
        return cls(frozenset(row[0] or ()), bool(row[1]))

    def ident(self, name: str) -> str:
        return ident_as_server(name, self.reserved, self.quote_all)


def complete_definitions(indexes: list[Index], quoting: Quoting) -> None:
    """Fill in the definition of each index indexes.sql left it out for (rows just built,
    not yet handed out: completed in place)."""
    quoted: dict[str, str] = {}  # schema, table and method names repeat from index to index

    def ident(name: str) -> str:
        found = quoted.get(name)
        if found is None:
            found = quoted[name] = quoting.ident(name)
        return found

    for index in indexes:
        if index.definition is None:
            index.__dict__["definition"] = plain_definition(index, ident)


def plain_definition(index: Index, ident: Callable[[str], str]) -> str:
    # key_columns are quoted already (quote_ident in indexes.sql); only btree orders
    if index.method != "btree" or not any(index.options):
        keys = ", ".join(index.key_columns)
    else:
        keys = ", ".join(
            column + _ORDER[option & 3]
            for column, option in zip(index.key_columns, index.options, strict=True)
        )
    text = (
        f"CREATE {'UNIQUE ' if index.is_unique else ''}INDEX {ident(index.name)} "
        f"ON {ident(index.schema)}.{ident(index.table)} USING {ident(index.method)} "
        f"({keys})"
    )
    if index.include_columns:
        text += f" INCLUDE ({', '.join(index.include_columns)})"
    return text
