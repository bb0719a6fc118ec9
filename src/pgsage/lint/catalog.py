"""--dsn: read table sizes, column types and the server version, in a read-only session."""

from __future__ import annotations

from collections.abc import Iterable

import psycopg

from pgsage.db.connect import SessionOptions, connect, translate
from pgsage.lint.engine import Catalog, TableSize

# to_regclass resolves each name with the session's search_path, as the migration would.
_SIZES = """
SELECT q.name, c.oid IS NOT NULL, coalesce(pg_total_relation_size(c.oid), 0),
       coalesce(pg_relation_size(c.oid), 0), coalesce(c.reltuples, 0)::bigint,
       c.relkind = 'p' AS partitioned,
       (SELECT coalesce(sum(pg_total_relation_size(i.inhrelid)), 0)
        FROM pg_inherits i WHERE i.inhparent = c.oid) AS partitions_bytes
FROM unnest(%(names)s::text[]) AS q(name)
LEFT JOIN pg_class c ON c.oid = to_regclass(q.name)
"""
_COLUMNS = """
SELECT q.name, a.attname, t.typname, a.atttypmod
FROM unnest(%(names)s::text[]) AS q(name)
JOIN pg_attribute a ON a.attrelid = to_regclass(q.name) AND a.attnum > 0 AND NOT a.attisdropped
JOIN pg_type t ON t.oid = a.atttypid
ORDER BY 1, a.attnum
"""


def read_catalog(dsn: str, tables: Iterable[str]) -> Catalog:
    names = sorted(set(tables))
    with connect(dsn, SessionOptions()) as conn:
        try:
            version = int(str(conn.execute("SHOW server_version_num").fetchone()[0]))  # type: ignore[index]
            catalog = Catalog(server_version=version // 10000)
            if not names:
                return catalog
            for name, exists, total, main, rows, partitioned, parts in conn.execute(
                _SIZES, {"names": names}
            ):
                if not exists:
                    continue
                if partitioned:
                    # A partitioned table holds no rows itself: its size is its partitions'.
                    catalog.partitioned.add(name)
                    catalog.sizes[name] = TableSize(bytes=int(parts), rows=0)
                else:
                    # An empty table has no pages in its main fork whatever its indexes hold.
                    catalog.sizes[name] = TableSize(
                        bytes=int(total) if main else 0, rows=max(int(rows), 0)
                    )
            for name, column, type_name, typmod in conn.execute(_COLUMNS, {"names": names}):
                catalog.column_types[(name, column)] = (str(type_name), int(typmod))
        except psycopg.Error as exc:
            raise translate(exc) from None
    return catalog
