"""A schema dump of our own from the catalogs, and the difference of two dumps.

Every object becomes a key (``"index public.ix_users_email"``) with a few named attributes
rendered by the server itself (``format_type``, ``pg_get_expr``, ``pg_get_constraintdef``,
``pg_get_indexdef``...), so two dumps compare as plain dictionaries: column types, NOT NULL,
defaults, identity and generated columns, constraints with their full definitions (CHECK
expressions, foreign-key actions), indexes with their predicates, enum labels in order,
sequences, domains, views, functions, triggers, extensions and schemas. Objects that belong to
an extension and the ``alembic_version`` table are left out: they are not the project's schema.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, LiteralString

import psycopg

from pgsage.db.connect import SessionOptions, connect

# Only user schemas, never objects that belong to an extension (pg_depend deptype 'e').
# Each query returns (key, table-or-NULL, attribute columns...); the names follow in QUERIES.
RELATIONS = """
SELECT 'table ' || pg_catalog.quote_ident(n.nspname)
         || '.' || pg_catalog.quote_ident(c.relname), c.relname,
       CASE c.relkind WHEN 'r' THEN 'table' WHEN 'p' THEN 'partitioned table' WHEN 'v' THEN 'view'
            WHEN 'm' THEN 'materialized view' WHEN 'f' THEN 'foreign table' END,
       CASE c.relpersistence WHEN 'u' THEN 'unlogged' ELSE 'logged' END,
       CASE WHEN c.relkind = 'p' THEN pg_catalog.pg_get_partkeydef(c.oid) END,
       CASE WHEN c.relispartition THEN pg_catalog.pg_get_expr(c.relpartbound, c.oid) END,
       CASE WHEN c.relkind IN ('v', 'm') THEN pg_catalog.pg_get_viewdef(c.oid, true) END
FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f')
  AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp\\_%'
  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
                  WHERE d.classid = 'pg_catalog.pg_class'::regclass
                  AND d.objid = c.oid AND d.deptype = 'e')
"""

COLUMNS = """
SELECT 'column ' || pg_catalog.quote_ident(n.nspname)
         || '.' || pg_catalog.quote_ident(c.relname) || '.'
         || pg_catalog.quote_ident(a.attname), c.relname,
       pg_catalog.format_type(a.atttypid, a.atttypmod),
       CASE WHEN a.attnotnull THEN 'not null' ELSE 'null' END,
       CASE WHEN a.attgenerated = '' THEN pg_catalog.pg_get_expr(ad.adbin, ad.adrelid) END,
       CASE a.attidentity WHEN 'a' THEN 'always' WHEN 'd' THEN 'by default' END,
       CASE WHEN a.attgenerated <> '' THEN pg_catalog.pg_get_expr(ad.adbin, ad.adrelid) END,
       CASE WHEN a.attcollation <> t.typcollation THEN co.collname END
FROM pg_catalog.pg_attribute a
JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
LEFT JOIN pg_catalog.pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
LEFT JOIN pg_catalog.pg_collation co ON co.oid = a.attcollation
WHERE a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
  AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp\\_%'
  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
                  WHERE d.classid = 'pg_catalog.pg_class'::regclass
                  AND d.objid = c.oid AND d.deptype = 'e')
"""

CONSTRAINTS = """
SELECT 'constraint ' || pg_catalog.quote_ident(n.nspname)
         || '.' || pg_catalog.quote_ident(c.relname) || '.'
         || pg_catalog.quote_ident(con.conname), c.relname,
       CASE con.contype WHEN 'p' THEN 'primary key' WHEN 'u' THEN 'unique' WHEN 'f' THEN
            'foreign key' WHEN 'c' THEN 'check' WHEN 'x' THEN 'exclusion' END,
       pg_catalog.pg_get_constraintdef(con.oid, true),
       CASE WHEN con.convalidated THEN NULL ELSE 'not valid' END
FROM pg_catalog.pg_constraint con
JOIN pg_catalog.pg_class c ON c.oid = con.conrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE con.contype IN ('p', 'u', 'f', 'c', 'x')
  AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp\\_%'
  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
                  WHERE d.classid = 'pg_catalog.pg_class'::regclass
                  AND d.objid = c.oid AND d.deptype = 'e')
"""

INDEXES = """
SELECT 'index ' || pg_catalog.quote_ident(n.nspname)
         || '.' || pg_catalog.quote_ident(ci.relname), c.relname,
       pg_catalog.pg_get_indexdef(i.indexrelid),
       CASE WHEN i.indisvalid THEN NULL ELSE 'invalid' END
FROM pg_catalog.pg_index i
JOIN pg_catalog.pg_class ci ON ci.oid = i.indexrelid
JOIN pg_catalog.pg_class c ON c.oid = i.indrelid
JOIN pg_catalog.pg_namespace n ON n.oid = ci.relnamespace
WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp\\_%'
  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
                  WHERE d.classid = 'pg_catalog.pg_class'::regclass
                  AND d.objid = c.oid AND d.deptype = 'e')
"""

ENUMS = """
SELECT 'enum ' || pg_catalog.quote_ident(n.nspname)
         || '.' || pg_catalog.quote_ident(t.typname), NULL,
       pg_catalog.array_to_string(
         pg_catalog.array_agg(pg_catalog.quote_literal(e.enumlabel) ORDER BY e.enumsortorder), ', ')
FROM pg_catalog.pg_type t JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
JOIN pg_catalog.pg_enum e ON e.enumtypid = t.oid
WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp\\_%'
  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
                  WHERE d.classid = 'pg_catalog.pg_type'::regclass
                  AND d.objid = t.oid AND d.deptype = 'e')
GROUP BY n.nspname, t.typname
"""

DOMAINS = """
SELECT 'domain ' || pg_catalog.quote_ident(n.nspname)
         || '.' || pg_catalog.quote_ident(t.typname), NULL,
       pg_catalog.format_type(t.typbasetype, t.typtypmod),
       CASE WHEN t.typnotnull THEN 'not null' ELSE 'null' END, t.typdefault,
       (SELECT pg_catalog.string_agg(pg_catalog.pg_get_constraintdef(con.oid, true), ' '
                                     ORDER BY con.conname)
        FROM pg_catalog.pg_constraint con WHERE con.contypid = t.oid AND con.contype = 'c')
FROM pg_catalog.pg_type t JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
WHERE t.typtype = 'd'
  AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp\\_%'
  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
                  WHERE d.classid = 'pg_catalog.pg_type'::regclass
                  AND d.objid = t.oid AND d.deptype = 'e')
"""

SEQUENCES = """
SELECT 'sequence ' || pg_catalog.quote_ident(n.nspname)
         || '.' || pg_catalog.quote_ident(c.relname), NULL,
       pg_catalog.format_type(s.seqtypid, NULL), s.seqstart::text, s.seqincrement::text,
       s.seqmin::text,
       s.seqmax::text, s.seqcache::text, CASE WHEN s.seqcycle THEN 'cycle' END,
       (SELECT pg_catalog.quote_ident(tn.nspname) || '.' || pg_catalog.quote_ident(tc.relname)
               || '.'
               || pg_catalog.quote_ident(ta.attname)
        FROM pg_catalog.pg_depend d JOIN pg_catalog.pg_class tc ON tc.oid = d.refobjid
        JOIN pg_catalog.pg_namespace tn ON tn.oid = tc.relnamespace
        JOIN pg_catalog.pg_attribute ta ON ta.attrelid = d.refobjid AND ta.attnum = d.refobjsubid
        WHERE d.classid = 'pg_catalog.pg_class'::regclass AND d.objid = c.oid
          AND d.refclassid = 'pg_catalog.pg_class'::regclass AND d.deptype IN ('a', 'i') LIMIT 1)
FROM pg_catalog.pg_sequence s JOIN pg_catalog.pg_class c ON c.oid = s.seqrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp\\_%'
  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
                  WHERE d.classid = 'pg_catalog.pg_class'::regclass
                  AND d.objid = c.oid AND d.deptype = 'e')
"""

FUNCTIONS = """
SELECT 'function ' || pg_catalog.quote_ident(n.nspname)
         || '.' || pg_catalog.quote_ident(p.proname) || '('
         || pg_catalog.pg_get_function_identity_arguments(p.oid) || ')', NULL,
       pg_catalog.pg_get_functiondef(p.oid)
FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
WHERE p.prokind IN ('f', 'p')
  AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp\\_%'
  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
                  WHERE d.classid = 'pg_catalog.pg_proc'::regclass
                  AND d.objid = p.oid AND d.deptype = 'e')
"""

TRIGGERS = """
SELECT 'trigger ' || pg_catalog.quote_ident(n.nspname)
         || '.' || pg_catalog.quote_ident(c.relname) || '.'
         || pg_catalog.quote_ident(t.tgname), c.relname, pg_catalog.pg_get_triggerdef(t.oid, true)
FROM pg_catalog.pg_trigger t JOIN pg_catalog.pg_class c ON c.oid = t.tgrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE NOT t.tgisinternal
  AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp\\_%'
  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
                  WHERE d.classid = 'pg_catalog.pg_class'::regclass
                  AND d.objid = c.oid AND d.deptype = 'e')
"""

EXTENSIONS = """
SELECT 'extension ' || pg_catalog.quote_ident(e.extname), NULL, n.nspname
FROM pg_catalog.pg_extension e JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace
WHERE e.extname <> 'plpgsql'
"""

SCHEMAS = """
SELECT 'schema ' || pg_catalog.quote_ident(n.nspname), NULL, 'schema'
FROM pg_catalog.pg_namespace n
WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp\\_%'
  AND n.nspname <> 'public'
  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
                  WHERE d.classid = 'pg_catalog.pg_namespace'::regclass
                  AND d.objid = n.oid AND d.deptype = 'e')
"""

QUERIES: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("table", RELATIONS, ("kind", "persistence", "partition key", "partition of", "definition")),
    ("column", COLUMNS, ("type", "nullable", "default", "identity", "generated", "collation")),
    ("constraint", CONSTRAINTS, ("type", "definition", "validated")),
    ("index", INDEXES, ("definition", "valid")),
    ("enum", ENUMS, ("labels",)),
    ("domain", DOMAINS, ("type", "nullable", "default", "checks")),
    (
        "sequence",
        SEQUENCES,
        ("type", "start", "increment", "min", "max", "cache", "cycle", "owned by"),
    ),
    ("function", FUNCTIONS, ("definition",)),
    ("trigger", TRIGGERS, ("definition",)),
    ("extension", EXTENSIONS, ("schema",)),
    ("schema", SCHEMAS, ("kind",)),
)

DEFAULT_EXCLUDED_TABLES = frozenset({"alembic_version"})


@dataclass(frozen=True)
class SchemaObject:
    key: str
    kind: str
    table: str | None
    attributes: tuple[tuple[str, str], ...]

    @property
    def attrs(self) -> dict[str, str]:
        return dict(self.attributes)


@dataclass
class SchemaDump:
    objects: dict[str, SchemaObject] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.objects)

    def tables(self) -> list[str]:
        return sorted(k for k, o in self.objects.items() if o.kind == "table")

    def without(self, keep: Any) -> SchemaDump:
        return SchemaDump({k: o for k, o in self.objects.items() if keep(o)})


def dump_schema(dsn: str, excluded_tables: frozenset[str] = DEFAULT_EXCLUDED_TABLES) -> SchemaDump:
    with connect(dsn, SessionOptions(application_name="pgsage-migrations")) as conn:
        return dump_with(conn, excluded_tables)


@contextmanager
def schema_reader(dsn: str) -> Iterator[Callable[[], SchemaDump]]:
    """One read-only session for many dumps of the same database (round-trips dump often)."""
    with connect(dsn, SessionOptions(application_name="pgsage-migrations")) as conn:
        yield lambda: dump_with(conn)


def dump_with(
    conn: psycopg.Connection[Any], excluded_tables: frozenset[str] = DEFAULT_EXCLUDED_TABLES
) -> SchemaDump:
    dump = SchemaDump()
    for kind, query, names in QUERIES:
        rows = conn.execute(_literal(query)).fetchall()
        for row in rows:
            key, table = str(row[0]), row[1]
            if table in excluded_tables or (kind == "table" and table is None):
                continue
            attributes = tuple(
                (name, str(value))
                for name, value in zip(names, row[2:], strict=True)
                if value is not None
            )
            dump.objects[key] = SchemaObject(key, kind, str(table) if table else None, attributes)
    return dump


def _literal(query: str) -> LiteralString:
    # The catalog queries above are module constants with no user input in them.
    return query


@dataclass(frozen=True)
class Difference:
    """``key`` exists only on one side (``attribute`` None) or differs in one attribute."""

    key: str
    kind: str
    table: str | None
    attribute: str | None
    left: str | None
    right: str | None

    def describe(self, left_name: str, right_name: str) -> str:
        if self.attribute is None:
            side = left_name if self.left is not None else right_name
            return f"{self.key} only {side}"
        return (
            f"{self.key}: {self.attribute} {_show(self.left)} {left_name}, "
            f"{_show(self.right)} {right_name}"
        )


def _show(value: str | None) -> str:
    if value is None:
        return "(none)"
    flat = " ".join(value.split())
    return repr(flat if len(flat) <= 200 else flat[:197] + "...")


def diff(left: SchemaDump, right: SchemaDump) -> list[Difference]:
    """Every difference between two dumps, sorted by key then attribute."""
    found: list[Difference] = []
    for key in sorted(set(left.objects) | set(right.objects)):
        a, b = left.objects.get(key), right.objects.get(key)
        if a is None or b is None:
            present = a or b
            assert present is not None
            found.append(
                Difference(
                    key,
                    present.kind,
                    present.table,
                    None,
                    "present" if a else None,
                    "present" if b else None,
                )
            )
            continue
        attrs_a, attrs_b = a.attrs, b.attrs
        for name in sorted(set(attrs_a) | set(attrs_b)):
            if attrs_a.get(name) != attrs_b.get(name):
                found.append(
                    Difference(key, a.kind, a.table, name, attrs_a.get(name), attrs_b.get(name))
                )
    return found
