"""The plain collector: the same snapshot read the obvious way, as the fast one's reference.

One session, rows built by psycopg (``class_row``, through each row class's ``__init__``),
sorted by the server, every index and constraint definition deparsed by the server
(``pg_get_indexdef``, ``pg_get_constraintdef``), and the tables' index sizes added with
``dataclasses.replace``. Several times slower on a big schema than fast.py; the tests run the
same assertions on both, and compare their snapshots.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import psycopg
from psycopg import sql
from psycopg.rows import TupleRow, class_row

from pgsage.db.rows import Index, Table
from pgsage.db.serverinfo import ServerInfo
from pgsage.db.snapshot.model import Snapshot
from pgsage.db.snapshot.sections import (
    BIG_SECTIONS,
    SECTIONS,
    SORTED_BY,
    Query,
    Row,
    SessionReader,
    assemble,
    begin,
    collected_at,
    end,
    read_key_maxima,
    read_statements,
    section_sql,
)

# What the server says instead of what the section's SQL writes itself (q is its result).
_DEPARSED = {
    "indexes": sql.SQL("pg_get_indexdef(q.oid::oid)"),
    "constraints": sql.SQL("pg_get_constraintdef(q.oid::oid, true)"),
}


def fetch_rows(conn: psycopg.Connection[TupleRow], query: Query, row_type: type[Row]) -> list[Row]:
    with conn.cursor(row_factory=class_row(row_type)) as cur:
        rows: list[Row] = cur.execute(query).fetchall()
        return rows


def section_query(name: str, info: ServerInfo, row_type: type[Any]) -> Query:
    """The section's SQL, wrapped: each field by name, the definition the server's, sorted."""
    query = sql.SQL(section_sql(name, info))
    if name not in _DEPARSED and name not in SORTED_BY:
        return query
    columns = [
        _DEPARSED[name] + sql.SQL(" AS definition")
        if field.name == "definition" and name in _DEPARSED
        else sql.SQL("q.") + sql.Identifier(field.name)
        for field in dataclasses.fields(row_type)
    ]
    order = [
        sql.SQL("q.") + sql.Identifier(key) + sql.SQL("" if key == "attnum" else ' COLLATE "C"')
        for key in SORTED_BY.get(name, ())
    ]
    return sql.SQL("SELECT {columns} FROM (\n{query}\n) AS q{order}").format(
        columns=sql.SQL(", ").join(columns),
        query=query,
        order=sql.SQL(" ORDER BY ") + sql.SQL(", ").join(order) if order else sql.SQL(""),
    )


def read_rows(reader: SessionReader, name: str, row_type: type[Row]) -> list[Row]:
    query = section_query(name, reader.info, row_type)
    return reader.section(name, lambda: fetch_rows(reader.conn, query, row_type), [])


def with_index_sizes(tables: list[Table], indexes: list[Index]) -> list[Table]:
    per_table: dict[int, int] = {}
    for index in indexes:
        per_table[index.table_oid] = per_table.get(index.table_oid, 0) + index.size_bytes
    return [
        dataclasses.replace(
            table,
            index_bytes=per_table[table.oid],
            total_bytes=table.total_bytes + per_table[table.oid],
        )
        if table.oid in per_table
        else table
        for table in tables
    ]


def collect_plain(conn: psycopg.Connection[TupleRow]) -> Snapshot:
    """Collect a snapshot the plain way (see the module's doc)."""
    begun = begin(conn)
    reader = SessionReader(conn, begun.info)
    try:
        with conn.transaction():
            at = collected_at(conn)
            rows: dict[str, list[Any]] = {"database": read_rows(reader, *SECTIONS[0])}
            statements = read_statements(reader, fetch_rows)
            for name, row_type in (*SECTIONS[1:], *BIG_SECTIONS):
                rows[name] = read_rows(reader, name, row_type)
            rows["key_maxima"] = read_key_maxima(reader)
    finally:
        end(conn)
    rows["tables"] = with_index_sizes(rows["tables"], rows["indexes"])
    return assemble(begun, at, rows, statements, reader.errors, set())
