"""The facts a restore must reproduce, read over one connection (in the caller's transaction),
and their comparison: row counts per table, the schema, sequences, extensions, Alembic head."""

from __future__ import annotations

import hashlib
from typing import Any

import psycopg
from psycopg import sql

from pgsage.backup.manifest import Facts

# Objects that belong to an extension are created by CREATE EXTENSION, not by the dump.
_NOT_SYSTEM = """
    n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'
    AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
                  WHERE d.classid = 'pg_catalog.pg_class'::regclass
                    AND d.objid = c.oid AND d.deptype = 'e')
"""

TABLES = """
SELECT n.nspname, c.relname
FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind = 'r' AND c.relpersistence <> 't' AND @NOT_SYSTEM@
ORDER BY 1, 2
""".replace("@NOT_SYSTEM@", _NOT_SYSTEM)

# One line per object (pg_dump leaves INVALID indexes out, so do we); what differs between server versions (view text, NOT NULL constraints
# in pg_constraint since 18) is left out, so a dump restored on a newer server still matches.
SCHEMA = """
SELECT line FROM (
  SELECT pg_catalog.format('column %I.%I %I %s%s%s', n.nspname, c.relname, a.attname,
                pg_catalog.format_type(a.atttypid, a.atttypmod),
                CASE WHEN a.attnotnull THEN ' not null' ELSE '' END,
                coalesce(' default ' || pg_catalog.pg_get_expr(ad.adbin, ad.adrelid), '')) AS line,
         n.nspname AS s, c.relname AS r, a.attnum AS k
  FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
  JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
  LEFT JOIN pg_catalog.pg_attrdef ad ON ad.adrelid = c.oid AND ad.adnum = a.attnum
  WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f') AND @NOT_SYSTEM@
  UNION ALL
  SELECT pg_catalog.format('relation %s %I.%I', c.relkind, n.nspname, c.relname),
         n.nspname, c.relname, 0
  FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
  WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S') AND c.relpersistence <> 't' AND @NOT_SYSTEM@
  UNION ALL
  SELECT pg_catalog.format('index %s', pg_catalog.pg_get_indexdef(c.oid)), n.nspname, c.relname, 0
  FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
  JOIN pg_catalog.pg_index i ON i.indexrelid = c.oid
  WHERE c.relkind IN ('i', 'I') AND i.indisvalid AND @NOT_SYSTEM@
  UNION ALL
  SELECT pg_catalog.format('constraint %I.%I %I %s', n.nspname, c.relname, k.conname,
                pg_catalog.pg_get_constraintdef(k.oid)), n.nspname, c.relname, 0
  FROM pg_catalog.pg_constraint k JOIN pg_catalog.pg_class c ON c.oid = k.conrelid
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
  WHERE k.contype IN ('p', 'u', 'f', 'c', 'x') AND @NOT_SYSTEM@
) lines
ORDER BY s, r, k, line
""".replace("@NOT_SYSTEM@", _NOT_SYSTEM)

SEQUENCES = """
SELECT pg_catalog.format('%I.%I', schemaname, sequencename), last_value FROM pg_catalog.pg_sequences
WHERE schemaname NOT IN ('pg_catalog', 'information_schema')
ORDER BY 1
"""

EXTENSIONS = (
    "SELECT extname, extversion FROM pg_catalog.pg_extension WHERE extname <> 'plpgsql' ORDER BY 1"
)

ALEMBIC = """
SELECT n.nspname FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE c.relname = 'alembic_version' AND c.relkind = 'r'
ORDER BY n.nspname = 'public' DESC, n.nspname LIMIT 1
"""


def qualified(schema: str, name: str) -> str:
    return sql.Identifier(schema, name).as_string(None)


def read_facts(conn: psycopg.Connection[Any]) -> Facts:
    """Everything in one transaction of ``conn`` (the caller's REPEATABLE READ one)."""
    tables = {}
    for schema, name in conn.execute(TABLES).fetchall():
        row = conn.execute(
            sql.SQL("SELECT pg_catalog.count(*) FROM {}").format(sql.Identifier(schema, name))
        ).fetchone()
        tables[qualified(schema, name)] = int(row[0]) if row else 0
    schema_lines = [str(r[0]) for r in conn.execute(SCHEMA).fetchall()]
    return Facts(
        tables=tables,
        schema=schema_lines,
        schema_fingerprint=fingerprint(schema_lines),
        sequences={
            str(r[0]): (int(r[1]) if r[1] is not None else None) for r in conn.execute(SEQUENCES)
        },
        extensions={str(r[0]): str(r[1]) for r in conn.execute(EXTENSIONS)},
        alembic_head=_alembic_head(conn),
    )


def fingerprint(lines: list[str]) -> str:
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()


def _alembic_head(conn: psycopg.Connection[Any]) -> str | None:
    found = conn.execute(ALEMBIC).fetchone()
    if found is None:
        return None
    rows = conn.execute(
        sql.SQL("SELECT version_num FROM {} ORDER BY 1").format(
            sql.Identifier(str(found[0]), "alembic_version")
        )
    ).fetchall()
    return ",".join(str(r[0]) for r in rows) or None


def compare(expected: Facts, restored: Facts) -> list[str]:
    """Every difference, one readable line each (empty: the restore reproduces the backup)."""
    return [
        *_tables(expected.tables, restored.tables),
        *_schema(expected, restored),
        *_sequences(expected.sequences, restored.sequences),
        *_extensions(expected.extensions, restored.extensions),
        *_alembic(expected.alembic_head, restored.alembic_head),
    ]


def _tables(expected: dict[str, int], restored: dict[str, int]) -> list[str]:
    lines = []
    for name, rows in sorted(expected.items()):
        got = restored.get(name)
        if got is None:
            lines.append(f"table {name}: missing after restore (backup had {rows} rows)")
        elif got != rows:
            lines.append(f"table {name}: {got} rows restored, the backup has {rows}")
    lines += [
        f"table {n}: not in the backup's manifest" for n in sorted(set(restored) - set(expected))
    ]
    return lines


def _schema(expected: Facts, restored: Facts) -> list[str]:
    if expected.schema_fingerprint == restored.schema_fingerprint:
        return []
    missing = sorted(set(expected.schema) - set(restored.schema))
    extra = sorted(set(restored.schema) - set(expected.schema))
    detail = [f"missing: {line}" for line in missing[:5]] + [f"extra: {line}" for line in extra[:5]]
    return [
        f"schema fingerprint differs ({len(missing)} object(s) missing, {len(extra)} extra"
        + (f"; {'; '.join(detail)}" if detail else "; order differs")
        + ")"
    ]


def _sequences(expected: dict[str, int | None], restored: dict[str, int | None]) -> list[str]:
    # Sequences are not transactional: pg_dump reads them a moment after the manifest did, so
    # the restored value may be ahead, never behind.
    lines = []
    for name, value in sorted(expected.items()):
        if name not in restored:
            lines.append(f"sequence {name}: missing after restore")
            continue
        got = restored[name]
        if value is not None and (got is None or got < value):
            lines.append(f"sequence {name}: restored at {got}, the backup had {value}")
    return lines


def _extensions(expected: dict[str, str], restored: dict[str, str]) -> list[str]:
    return [
        f"extension {name}: missing after restore" for name in sorted(set(expected) - set(restored))
    ]


def _alembic(expected: str | None, restored: str | None) -> list[str]:
    if expected == restored:
        return []
    return [f"alembic head: {restored or 'none'} restored, the backup has {expected or 'none'}"]
