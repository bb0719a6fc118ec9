"""Definitions of plain indexes, written as pg_get_indexdef prints them.

Deparsing every index on the server (pg_get_indexdef) or assembling the text there cost a
fifth of the indexes query on 25,000 indexes. For a plain index — every key a column with its
type's default operator class and its own collation, no expression, predicate, storage option
or NULLS NOT DISTINCT; btree, hash or GIN — indexes.sql leaves the definition NULL and it is
written here from the parts the row has, before the row is built; every other index is
deparsed by the server. The plain collector asks pg_get_indexdef for every index, and
tests/test_snapshot_catalog.py runs the same assertions on both on PostgreSQL 15 and 18.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from operator import itemgetter
from typing import Any

import psycopg
from psycopg.rows import TupleRow

from pgsage.fixes.quoting import ident_as_server

# What pg_get_indexdef prints after a btree key column, by its indoption bits (1 DESC,
# 2 NULLS FIRST): the defaults (ASC NULLS LAST, DESC NULLS FIRST) go unsaid.
_ORDER = {0: "", 1: " DESC NULLS LAST", 2: " NULLS FIRST", 3: " DESC"}


@dataclass(frozen=True)
class Quoting:
    """PostgreSQL's quote_identifier: the server's keywords and quote_all_identifiers."""

    reserved: frozenset[str]  # keywords that are not UNRESERVED: these need quotes
    quote_all: bool

    # What ``of`` reads; ``from_row`` makes the Quoting of its one row.
    SQL = (
        "SELECT pg_catalog.array_agg(word) FILTER (WHERE catcode <> 'U'), "
        "pg_catalog.current_setting('quote_all_identifiers') = 'on' "
        "FROM pg_catalog.pg_get_keywords()"
    )

    @classmethod
    def of(cls, conn: psycopg.Connection[TupleRow]) -> Quoting:
        row = conn.execute(cls.SQL).fetchone()
        assert row is not None
        return cls.from_row(row)

    @classmethod
    def from_row(cls, row: tuple[Any, ...]) -> Quoting:
        return cls(frozenset(row[0] or ()), bool(row[1]))

    def ident(self, name: str) -> str:
        return ident_as_server(name, self.reserved, self.quote_all)


# What a plain definition is written from, in plain_definition's order.
_PARTS = (
    "name",
    "schema",
    "table",
    "method",
    "is_unique",
    "key_columns",
    "options",
    "include_columns",
)


class PlainDefinitions:
    """Writes the definitions indexes.sql left NULL, from the other values of each row (in
    the order of the row's columns, ``names``), the way pg_get_indexdef prints them."""

    def __init__(self, names: list[str], quoting: Quoting) -> None:
        self._quoting = quoting
        self._quoted: dict[str, str] = {}  # schema, table and method names repeat a lot
        self._parts = itemgetter(*(names.index(name) for name in _PARTS))
        self.position = names.index("definition")

    def _ident(self, name: str) -> str:
        found = self._quoted.get(name)
        if found is None:
            found = self._quoted[name] = self._quoting.ident(name)
        return found

    def complete(self, values: tuple[Any, ...]) -> tuple[Any, ...]:
        """The row's values with its definition written, when indexes.sql left it out."""
        at = self.position
        if values[at] is not None:
            return values
        definition = plain_definition(*self._parts(values), ident=self._ident)
        return (*values[:at], definition, *values[at + 1 :])


def plain_definition(
    name: str,
    schema: str,
    table: str,
    method: str,
    is_unique: bool,
    key_columns: list[str],
    options: list[int],
    include_columns: list[str],
    *,
    ident: Callable[[str], str],
) -> str:
    # key_columns are quoted already (quote_ident in indexes.sql); only btree orders
    if method != "btree" or not any(options):
        keys = ", ".join(key_columns)
    else:
        keys = ", ".join(
            column + _ORDER[option & 3] for column, option in zip(key_columns, options, strict=True)
        )
    text = (
        f"CREATE {'UNIQUE ' if is_unique else ''}INDEX {ident(name)} "
        f"ON {ident(schema)}.{ident(table)} USING {ident(method)} ({keys})"
    )
    if include_columns:
        text += f" INCLUDE ({', '.join(include_columns)})"
    return text
