"""--dsn: read table sizes, column types and the server version, in a read-only session."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import psycopg
from pglast import ast

from pgsage.db.connect import SessionOptions, connect, translate
from pgsage.lint.engine import Catalog, TableSize
from pgsage.lint.syntax import relation_name

# Names are looked up as the identifiers the parse tree holds (schema and relation name,
# already case-folded or kept as quoted), never through text parsed again on the server
# (to_regclass of an unquoted "BigTable" would find bigtable, and "tab le" would not parse).
# An unqualified name is found along the session's search_path, as the migration would.
_RESOLVED = """
WITH q(key, schema_name, rel_name) AS (
  SELECT * FROM unnest(%(keys)s::text[], %(schemas)s::text[], %(names)s::text[])
)
SELECT q.key, r.oid
FROM q
LEFT JOIN LATERAL (
  SELECT c.oid FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
  WHERE c.relname = q.rel_name
    AND CASE WHEN q.schema_name IS NULL THEN n.nspname = ANY (pg_catalog.current_schemas(true))
             ELSE n.nspname = q.schema_name END
  ORDER BY pg_catalog.array_position(pg_catalog.current_schemas(true), n.nspname)
  LIMIT 1
) r ON true
"""
_SIZES = """
SELECT q.key, c.oid IS NOT NULL, coalesce(pg_catalog.pg_total_relation_size(c.oid), 0),
       coalesce(pg_catalog.pg_relation_size(c.oid), 0), coalesce(c.reltuples, 0)::bigint,
       c.relkind = 'p' AS partitioned,
       (SELECT coalesce(pg_catalog.sum(pg_catalog.pg_total_relation_size(i.inhrelid)), 0)
        FROM pg_catalog.pg_inherits i WHERE i.inhparent = c.oid) AS partitions_bytes
FROM unnest(%(keys)s::text[], %(oids)s::oid[]) AS q(key, oid)
LEFT JOIN pg_catalog.pg_class c ON c.oid = q.oid
"""
_COLUMNS = """
SELECT q.key, a.attname, t.typname, a.atttypmod
FROM unnest(%(keys)s::text[], %(oids)s::oid[]) AS q(key, oid)
JOIN pg_catalog.pg_attribute a ON a.attrelid = q.oid AND a.attnum > 0 AND NOT a.attisdropped
JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
ORDER BY 1, a.attnum
"""

# A relation as the parse tree names it: (schema or None, name).
Parts = tuple[str | None, str]


def relation_parts(statements: Iterable[Any]) -> dict[str, Parts]:
    """The tables the statements alter, lock or retype (what ``altered_tables`` names), keyed
    by the same ``schema.name`` strings the rules use, with the identifiers apart."""
    found: dict[str, Parts] = {}
    for stmt in statements:
        for rangevar in _rangevars(stmt.node):
            if rangevar is not None and rangevar.relname:
                schema = str(rangevar.schemaname) if rangevar.schemaname else None
                found[relation_name(rangevar)] = (schema, str(rangevar.relname))
    return found


def _rangevars(node: Any) -> list[Any]:
    if isinstance(node, ast.AlterTableStmt | ast.IndexStmt | ast.ClusterStmt | ast.ReindexStmt):
        return [node.relation]
    if isinstance(node, ast.LockStmt | ast.TruncateStmt):
        return list(node.relations or ())
    if isinstance(node, ast.VacuumStmt):
        return [r.relation for r in node.rels or ()]
    if isinstance(node, ast.RenameStmt):
        return [node.relation]
    return []


def _split(name: str) -> Parts:
    """A ``schema.name`` key without its parse tree (a caller passing names): the last dot."""
    schema, dot, relation = name.rpartition(".")
    return (schema if dot else None, relation)


def read_catalog(dsn: str, tables: Iterable[str] | Mapping[str, Parts]) -> Catalog:
    parts = dict(tables) if isinstance(tables, Mapping) else {t: _split(t) for t in tables}
    names = sorted(parts)
    with connect(dsn, SessionOptions()) as conn:
        try:
            version = int(str(conn.execute("SHOW server_version_num").fetchone()[0]))  # type: ignore[index]
            catalog = Catalog(server_version=version // 10000)
            if not names:
                return catalog
            keys = {
                "keys": names,
                "schemas": [parts[n][0] for n in names],
                "names": [parts[n][1] for n in names],
            }
            oids = {k: o for k, o in conn.execute(_RESOLVED, keys)}
            by_oid = {"keys": names, "oids": [oids.get(n) for n in names]}
            for name, exists, total, main, rows, partitioned, parts_bytes in conn.execute(
                _SIZES, by_oid
            ):
                if not exists:
                    continue
                if partitioned:
                    # A partitioned table holds no rows itself: its size is its partitions'.
                    catalog.partitioned.add(name)
                    catalog.sizes[name] = TableSize(bytes=int(parts_bytes), rows=0)
                else:
                    # An empty table has no pages in its main fork whatever its indexes hold.
                    catalog.sizes[name] = TableSize(
                        bytes=int(total) if main else 0, rows=max(int(rows), 0)
                    )
            for name, column, type_name, typmod in conn.execute(_COLUMNS, by_oid):
                catalog.column_types[(name, column)] = (str(type_name), int(typmod))
        except psycopg.Error as exc:
            raise translate(exc) from None
    return catalog
