"""Build a database with many realistic-looking tables for the snapshot benchmark.

Each table has an identity or bigserial primary key, 4-6 more columns of mixed types, one or
two secondary indexes, and (for some) a foreign key to an earlier table; a few tables hold rows,
and the whole database is analyzed. The layout is deterministic (seeded), so every run builds
the same database. A database that already holds a finished build of the same size is reused.

    python bench/make_many_tables.py --dsn postgresql://postgres@127.0.0.1:5432/postgres

The server needs ``max_locks_per_transaction`` of about 1024 (one batch creates a few thousand
relations in one transaction); ``fsync = off`` makes the build about twice as fast.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from dataclasses import dataclass, field

import psycopg
from psycopg import conninfo, sql

DEFAULT_DATABASE = "bench_10k"
DEFAULT_TABLES = 10_000
LAYOUT_VERSION = 1
BATCH = 500  # tables per transaction
SEED = 20_240_518
SCHEMAS = ("public", "app", "billing", "crm", "analytics")
ENTITIES = (
    "accounts",
    "orders",
    "order_items",
    "invoices",
    "payments",
    "customers",
    "addresses",
    "products",
    "shipments",
    "events",
    "sessions",
    "tickets",
    "comments",
    "audit_log",
    "subscriptions",
    "refunds",
    "coupons",
    "reviews",
    "warehouses",
    "suppliers",
)


@dataclass(frozen=True)
class ColumnKind:
    name: str
    ddl: str
    value: str  # SQL expression over the generate_series variable g for sample rows
    indexable: bool = True


COLUMN_KINDS = (
    ColumnKind("name", "text NOT NULL", "'name ' || g"),
    ColumnKind("email", "varchar(255)", "'user' || g || '@example.com'"),
    ColumnKind(
        "status", "text NOT NULL DEFAULT 'new'", "(ARRAY['new','paid','shipped'])[1 + g % 3]"
    ),
    ColumnKind("amount", "numeric(12,2)", "(g * 3.7)::numeric(12,2)"),
    ColumnKind("quantity", "integer", "g % 17"),
    ColumnKind("is_active", "boolean NOT NULL DEFAULT true", "g % 5 <> 0", indexable=False),
    ColumnKind("payload", "jsonb", "jsonb_build_object('n', g)", indexable=False),
    ColumnKind("external_id", "uuid", "md5(g::text)::uuid"),
    ColumnKind("created_at", "timestamptz NOT NULL DEFAULT now()", "now() - g * interval '1 hour'"),
    ColumnKind("updated_at", "timestamptz", "now() - g * interval '1 minute'"),
    ColumnKind("due_date", "date", "current_date - g"),
    ColumnKind("score", "double precision", "g / 7.0"),
)


@dataclass
class TableSpec:
    number: int
    schema: str
    name: str
    identity: bool
    columns: list[ColumnKind]
    parent: TableSpec | None
    indexes: list[tuple[str, list[str], str | None]] = field(default_factory=list)
    rows: int = 0

    @property
    def ident(self) -> sql.Identifier:
        return sql.Identifier(self.schema, self.name)

    @property
    def fk_column(self) -> str | None:
        return f"{self.parent.name}_id" if self.parent else None


def plan_tables(count: int, seed: int = SEED) -> list[TableSpec]:
    """The deterministic layout of ``count`` tables."""
    rng = random.Random(seed)
    specs: list[TableSpec] = []
    for number in range(count):
        schema = SCHEMAS[number % len(SCHEMAS)]
        name = f"{ENTITIES[rng.randrange(len(ENTITIES))]}_{number:05d}"
        parent = specs[rng.randrange(len(specs))] if specs and rng.random() < 0.35 else None
        extra = rng.randint(4, 6) - (1 if parent else 0)
        columns = rng.sample(COLUMN_KINDS, extra)
        spec = TableSpec(
            number, schema, name, identity=rng.random() < 0.5, columns=columns, parent=parent
        )
        wanted = rng.randint(1, 2)
        indexable = [c.name for c in columns if c.indexable]
        if spec.fk_column and rng.random() < 0.7:  # the rest are unindexed foreign keys
            spec.indexes.append((f"{name}_{spec.fk_column}_idx", [spec.fk_column], None))
        while len(spec.indexes) < wanted and indexable:
            column = indexable.pop(rng.randrange(len(indexable)))
            roll = rng.random()
            if roll < 0.1 and "created_at" in {c.name for c in columns} and column != "created_at":
                spec.indexes.append((f"{name}_{column}_created_idx", [column, "created_at"], None))
            elif roll < 0.15 and any(c.name == "is_active" for c in columns):
                spec.indexes.append((f"{name}_{column}_active_idx", [column], "is_active"))
            else:
                spec.indexes.append((f"{name}_{column}_idx", [column], None))
        if rng.random() < 0.01 and spec.indexes:  # an occasional redundant index
            first = spec.indexes[0]
            spec.indexes.append((f"{name}_dup_idx", first[1][:1], None))
        if rng.random() < 0.05:
            spec.rows = rng.randint(10, 200)
        specs.append(spec)
    return specs


def table_sql(spec: TableSpec) -> sql.Composed:
    key = (
        "bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY"
        if spec.identity
        else "bigserial PRIMARY KEY"
    )
    parts: list[sql.Composable] = [sql.SQL("id " + key)]
    if spec.parent:
        parts.append(
            sql.SQL("{} bigint REFERENCES {} (id)").format(
                sql.Identifier(spec.fk_column or ""), spec.parent.ident
            )
        )
    parts += [
        sql.SQL("{} " + column.ddl).format(sql.Identifier(column.name)) for column in spec.columns
    ]
    statements: list[sql.Composable] = [
        sql.SQL("CREATE TABLE {} ({})").format(spec.ident, sql.SQL(", ").join(parts))
    ]
    for name, columns, predicate in spec.indexes:
        where = sql.SQL(" WHERE {}").format(sql.Identifier(predicate)) if predicate else sql.SQL("")
        statements.append(
            sql.SQL("CREATE INDEX {} ON {} ({}){}").format(
                sql.Identifier(name),
                spec.ident,
                sql.SQL(", ").join(sql.Identifier(c) for c in columns),
                where,
            )
        )
    if spec.rows:
        targets = [sql.Identifier(c.name) for c in spec.columns]
        values = [sql.SQL(c.value) for c in spec.columns]
        if spec.parent:
            targets.append(sql.Identifier(spec.fk_column or ""))
            values.append(
                sql.SQL(f"1 + g % {spec.parent.rows}") if spec.parent.rows else sql.SQL("NULL")
            )
        statements.append(
            sql.SQL("INSERT INTO {} ({}) SELECT {} FROM generate_series(1, {}) g").format(
                spec.ident,
                sql.SQL(", ").join(targets),
                sql.SQL(", ").join(values),
                sql.Literal(spec.rows),
            )
        )
    return sql.SQL(";\n").join(statements)


def marker(count: int) -> str:
    return f"pgsage bench: {count} tables, layout v{LAYOUT_VERSION}"


def database_dsn(dsn: str, database: str) -> str:
    return conninfo.make_conninfo(dsn, dbname=database)


def is_built(dsn: str, database: str, count: int) -> bool:
    """Whether ``database`` exists and holds a finished build of ``count`` tables."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        row = conn.execute(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s",
            [database],
        ).fetchone()
    if row is None or row[0] != marker(count):
        return False
    with psycopg.connect(database_dsn(dsn, database), autocommit=True) as conn:
        found = conn.execute(
            "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE c.relkind = 'r' AND n.nspname = ANY(%s)",
            [list(SCHEMAS)],
        ).fetchone()
    return found is not None and found[0] == count


def build(
    dsn: str,
    database: str = DEFAULT_DATABASE,
    count: int = DEFAULT_TABLES,
    force: bool = False,
    log: bool = True,
) -> float:
    """Create ``database`` with ``count`` tables unless it is already built; return seconds."""
    started = time.perf_counter()

    def say(message: str) -> None:
        if log:
            print(f"  [{time.perf_counter() - started:6.1f}s] {message}", flush=True)

    if not force and is_built(dsn, database, count):
        say(f"database {database} already holds {count} tables; reusing it")
        return time.perf_counter() - started
    db = sql.Identifier(database)
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(db))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(db))
    specs = plan_tables(count)
    with psycopg.connect(database_dsn(dsn, database)) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
        for schema in SCHEMAS[1:]:
            conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
        conn.commit()
        for first in range(0, count, BATCH):
            batch = specs[first : first + BATCH]
            script = sql.SQL(";\n").join(table_sql(spec) for spec in batch).as_bytes(conn)
            conn.execute(script)
            conn.commit()
            if (first + BATCH) % 2000 == 0 or first + BATCH >= count:
                say(f"created {min(first + BATCH, count)} / {count} tables")
        conn.autocommit = True
        conn.execute("ANALYZE")
        say("analyzed")
        conn.execute(sql.SQL("COMMENT ON DATABASE {} IS {}").format(db, sql.Literal(marker(count))))
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dsn", required=True, help="DSN of a maintenance database (postgres)")
    parser.add_argument("--database", default=DEFAULT_DATABASE)
    parser.add_argument("--tables", type=int, default=DEFAULT_TABLES)
    parser.add_argument("--force", action="store_true", help="rebuild even if already built")
    args = parser.parse_args(argv)
    seconds = build(args.dsn, args.database, args.tables, force=args.force)
    print(f"{args.database}: {args.tables} tables ready in {seconds:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
