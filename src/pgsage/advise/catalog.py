"""What the advisor needs to know about the relations a workload touches, loaded lazily.

Names are resolved by the server (``to_regclass`` honours search_path, quoted and mixed-case
names), so a statement is read exactly as the server would read it. Only the relations the
workload names are loaded, in the advisor's read-only session: all of them in four queries
when the pipeline names them ahead (``preload``), else four short queries per relation.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import psycopg
from psycopg.rows import TupleRow

from pgsage.advise.model import RelName
from pgsage.sql.analysis import TableRef


@dataclass(frozen=True)
class ColumnInfo:
    name: str
    type: str  # format_type, e.g. "character varying(255)"
    type_name: str  # pg_type.typname, e.g. "varchar", "_int4", "jsonb", "vector"
    typlen: int
    typalign: str
    is_array: bool
    not_null: bool
    avg_width: int | None
    n_distinct: float | None
    null_frac: float | None
    common_values: tuple[str, ...] = ()
    common_freqs: tuple[float, ...] = ()
    histogram: tuple[str, ...] = ()
    # The column's effective collation sorts bytes ("C"/"POSIX"): a plain btree then serves
    # LIKE 'abc%'; any other collation needs text_pattern_ops. None: not a collatable type.
    byte_order: bool | None = None

    def distinct_count(self, rows: float) -> float:
        """Distinct values, from pg_stats' n_distinct (negative: a fraction of the rows)."""
        if self.n_distinct is None:
            return max(1.0, rows / 10)
        if self.n_distinct < 0:
            return max(1.0, -self.n_distinct * rows)
        return max(1.0, self.n_distinct)


@dataclass(frozen=True)
class ExistingIndex:
    name: str
    schema: str
    definition: str
    method: str
    keys: tuple[str, ...]  # column names; an expression key is its text in parentheses
    include: tuple[str, ...]
    predicate: str | None
    unique: bool
    primary: bool
    constraint: bool
    valid: bool
    size_bytes: int


@dataclass(frozen=True)
class RelInfo:
    oid: int
    name: RelName
    kind: str  # r table, p partitioned table, v view, m materialized view, f foreign
    reltuples: float
    relpages: int
    fillfactor: int | None
    columns: dict[str, ColumnInfo] = field(default_factory=dict)
    view_sql: str | None = None
    indexes: tuple[ExistingIndex, ...] = ()
    writes: int = 0  # n_tup_ins + n_tup_upd + n_tup_del since the last stats reset
    partitions: tuple[tuple[str, str], ...] = ()  # a partitioned table's direct partitions

    @property
    def rows(self) -> float:
        return max(self.reltuples, 0.0)


_RESOLVE_QUALIFIED = (
    "/* pgsage */ SELECT c.oid FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
    "WHERE n.nspname = %s AND c.relname = %s"
)
_RESOLVE = "/* pgsage */ SELECT pg_catalog.to_regclass(pg_catalog.quote_ident(%s))::oid"
_RESOLVE_MANY = """/* pgsage */
SELECT r.n, CASE WHEN r.schema IS NULL
    THEN pg_catalog.to_regclass(pg_catalog.quote_ident(r.name))::oid
    ELSE (SELECT c.oid FROM pg_catalog.pg_class c
          JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
          WHERE n.nspname = r.schema AND c.relname = r.name) END
FROM ROWS FROM (pg_catalog.unnest(%s::pg_catalog.text[]), pg_catalog.unnest(%s::pg_catalog.text[]))
     WITH ORDINALITY AS r(schema, name, n)
"""
_RELATION = """/* pgsage */
SELECT c.oid::bigint, n.nspname, c.relname, c.relkind::text,
       CASE WHEN c.relkind = 'p' THEN coalesce((
           SELECT pg_catalog.sum(greatest(l.reltuples, 0)) FROM pg_catalog.pg_partition_tree(c.oid) t
           JOIN pg_catalog.pg_class l ON l.oid = t.relid WHERE t.isleaf), 0)
       ELSE c.reltuples END::float8,
       CASE WHEN c.relkind = 'p' THEN coalesce((
           SELECT pg_catalog.sum(l.relpages) FROM pg_catalog.pg_partition_tree(c.oid) t
           JOIN pg_catalog.pg_class l ON l.oid = t.relid WHERE t.isleaf), 0)
       ELSE c.relpages END::bigint,
       (SELECT pg_catalog.split_part(o, '=', 2)::int FROM pg_catalog.unnest(c.reloptions) o
         WHERE o LIKE 'fillfactor=%%'),
       CASE WHEN c.relkind IN ('v', 'm') THEN pg_catalog.pg_get_viewdef(c.oid) END,
       coalesce((SELECT s.n_tup_ins + s.n_tup_upd + s.n_tup_del FROM pg_catalog.pg_stat_all_tables s
                 WHERE s.relid = c.oid), 0)::bigint,
       array(SELECT pn.nspname || '.' || p.relname FROM pg_catalog.pg_inherits i
             JOIN pg_catalog.pg_class p ON p.oid = i.inhrelid JOIN pg_catalog.pg_namespace pn ON pn.oid = p.relnamespace
             WHERE i.inhparent = c.oid AND c.relkind = 'p' ORDER BY pn.nspname, p.relname)
FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE c.oid = ANY(%s::pg_catalog.oid[])
"""
_COLUMNS = """/* pgsage */
SELECT a.attrelid::bigint, a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod), t.typname::text, t.typlen::int,
       t.typalign::text, t.typcategory = 'A', a.attnotnull,
       s.avg_width, s.n_distinct::float8, s.null_frac::float8,
       s.most_common_vals::text::text[], s.most_common_freqs::float8[],
       s.histogram_bounds::text::text[],
       CASE WHEN a.attcollation = 0 THEN NULL
            WHEN co.collname = 'default' THEN NULL::bool
            ELSE coalesce(co.collprovider = 'c' AND co.collcollate IN ('C', 'POSIX'), false)
       END, a.attcollation <> 0
FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
LEFT JOIN pg_catalog.pg_collation co ON co.oid = a.attcollation
JOIN pg_catalog.pg_class c ON c.oid = a.attrelid JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN LATERAL (
    SELECT * FROM pg_catalog.pg_stats s WHERE s.schemaname = n.nspname AND s.tablename = c.relname
       AND s.attname = a.attname ORDER BY s.inherited DESC LIMIT 1) s ON true
WHERE a.attrelid = ANY(%s::pg_catalog.oid[]) AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY a.attrelid, a.attnum
"""
_INDEXES = """/* pgsage */
SELECT i.indrelid::bigint, ic.relname, n.nspname, pg_catalog.pg_get_indexdef(i.indexrelid), am.amname::text,
       array(SELECT pg_catalog.pg_get_indexdef(i.indexrelid, k, true)
             FROM pg_catalog.generate_series(1, i.indnkeyatts) k),
       array(SELECT pg_catalog.pg_get_indexdef(i.indexrelid, k, true)
             FROM pg_catalog.generate_series(i.indnkeyatts + 1, i.indnatts) k),
       pg_catalog.pg_get_expr(i.indpred, i.indrelid, true), i.indisunique, i.indisprimary,
       EXISTS (SELECT 1 FROM pg_catalog.pg_constraint x WHERE x.conindid = i.indexrelid),
       i.indisvalid, pg_catalog.pg_relation_size(i.indexrelid)
FROM pg_catalog.pg_index i JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid
JOIN pg_catalog.pg_namespace n ON n.oid = ic.relnamespace
JOIN pg_catalog.pg_am am ON am.oid = ic.relam
WHERE i.indrelid = ANY(%s::pg_catalog.oid[]) ORDER BY i.indrelid, ic.relname
"""


# Every relation of each name, in any schema: where a name resolves on a statement's own
# search_path (``advise.searchpath``), and whether a name is unique across schemas.
_PLACEMENTS = """/* pgsage */
SELECT c.relname, n.nspname, c.oid::bigint
FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE c.relname = ANY(%s::pg_catalog.text[]) AND n.nspname NOT LIKE 'pg\\_temp\\_%%'
  AND n.nspname NOT LIKE 'pg\\_toast\\_temp\\_%%'
ORDER BY c.relname, n.nspname
"""
# Schemas no application table lives in: never a "unique name" answer.
_SYSTEM_SCHEMAS = frozenset({"pg_catalog", "information_schema", "pg_toast"})


class Catalog:
    """Relations looked up on demand and cached for the run (one advisor session)."""

    def __init__(self, conn: psycopg.Connection[TupleRow]) -> None:
        self.conn = conn
        self._by_ref: dict[TableRef, RelInfo | None] = {}
        self._byte_order: bool | None = None
        self._by_oid: dict[int, RelInfo] = {}
        self._placements: dict[str, dict[str, int]] = {}  # name -> schema -> oid

    def lookup(self, ref: TableRef) -> RelInfo | None:
        if ref not in self._by_ref:
            self._by_ref[ref] = self._load_ref(ref)
        return self._by_ref[ref]

    def get(self, name: RelName) -> RelInfo | None:
        return self.lookup(TableRef(name.schema, name.name))

    def loaded(self) -> list[RelInfo]:
        return sorted(self._by_oid.values(), key=lambda r: r.name)

    def _load_ref(self, ref: TableRef) -> RelInfo | None:
        try:
            with self.conn.transaction():
                if ref.schema is not None:
                    row = self.conn.execute(_RESOLVE_QUALIFIED, (ref.schema, ref.name)).fetchone()
                else:
                    row = self.conn.execute(_RESOLVE, (ref.name,)).fetchone()
                if row is None or row[0] is None:
                    return None
                oid = int(row[0])
                if oid not in self._by_oid:
                    self._by_oid[oid] = self._load(oid)
                return self._by_oid[oid]
        except psycopg.errors.InvalidName:
            return None

    def default_byte_order(self) -> bool:
        """Whether the database's default collation sorts bytes (C or POSIX, libc)."""
        if self._byte_order is None:
            provider = (
                "d.datlocprovider = 'c'" if self.conn.info.server_version >= 150000 else "true"
            )
            query = (
                "/* pgsage */ SELECT d.datcollate IN ('C', 'POSIX') AND " + provider + " "
                "FROM pg_catalog.pg_database d WHERE d.datname = pg_catalog.current_database()"
            )
            row = self.conn.execute(query.encode()).fetchone()
            self._byte_order = bool(row and row[0])
        return self._byte_order

    def preload(self, refs: Iterable[TableRef]) -> None:
        """Resolve and load ``refs`` in four queries instead of four per relation (what
        :meth:`lookup` would find, found ahead). Any failure leaves them to :meth:`lookup`."""
        wanted = list(dict.fromkeys(r for r in refs if r not in self._by_ref))
        if not wanted:
            return
        try:
            with self.conn.transaction():
                found = self.conn.execute(
                    _RESOLVE_MANY, ([r.schema for r in wanted], [r.name for r in wanted])
                ).fetchall()
                oids = {int(n): (int(oid) if oid is not None else None) for n, oid in found}
                self._by_oid.update(
                    self._load_many(
                        sorted({o for o in oids.values() if o is not None} - set(self._by_oid))
                    )
                )
        except psycopg.Error:
            return  # e.g. a name the server rejects: lookup() resolves each on its own
        for number, ref in enumerate(wanted, start=1):
            oid = oids.get(number)
            self._by_ref[ref] = self._by_oid.get(oid) if oid is not None else None
        for rel in self._by_oid.values():  # as get() names them: schema-qualified
            self._by_ref.setdefault(TableRef(rel.name.schema, rel.name.name), rel)

    # -- names resolved on a statement's own search_path (advise.searchpath) ---------------
    def preload_placements(self, names: Iterable[str]) -> None:
        """Where each relation of these names lives, in one query."""
        wanted = sorted({n for n in names if n not in self._placements})
        if not wanted:
            return
        for name in wanted:
            self._placements[name] = {}
        with self.conn.transaction():
            for name, schema, oid in self.conn.execute(_PLACEMENTS, (wanted,)).fetchall():
                self._placements[str(name)][str(schema)] = int(oid)

    def on_path(self, schemas: Iterable[str], name: str) -> RelName | None:
        """The relation ``name`` means under a search_path searching ``schemas`` in order."""
        self.preload_placements([name])
        placed = self._placements[name]
        return next((RelName(s, name) for s in schemas if s in placed), None)

    def holders(self, name: str) -> list[str]:
        """The schemas (other than the system's) with a relation named ``name``."""
        self.preload_placements([name])
        return [s for s in self._placements[name] if s not in _SYSTEM_SCHEMAS]

    def _load(self, oid: int) -> RelInfo:
        return self._load_many([oid])[oid]

    def _load_many(self, oids: list[int]) -> dict[int, RelInfo]:
        if not oids:
            return {}
        columns: dict[int, dict[str, ColumnInfo]] = {oid: {} for oid in oids}
        for c in self.conn.execute(_COLUMNS, (oids,)).fetchall():
            columns[int(c[0])][c[1]] = ColumnInfo(
                name=c[1],
                type=c[2],
                type_name=c[3],
                typlen=c[4],
                typalign=c[5],
                is_array=bool(c[6]),
                not_null=bool(c[7]),
                avg_width=c[8],
                n_distinct=c[9],
                null_frac=c[10],
                common_values=tuple(c[11] or ()),
                common_freqs=tuple(c[12] or ()),
                histogram=tuple(c[13] or ()),
                byte_order=(c[14] if c[14] is not None else self.default_byte_order())
                if c[15]
                else None,
            )
        indexes: dict[int, list[ExistingIndex]] = {oid: [] for oid in oids}
        for r in self.conn.execute(_INDEXES, (oids,)).fetchall():
            indexes[int(r[0])].append(
                ExistingIndex(
                    name=r[1],
                    schema=r[2],
                    definition=r[3],
                    method=r[4],
                    keys=tuple(_key_text(k) for k in r[5]),
                    include=tuple(_key_text(k) for k in r[6]),
                    predicate=r[7],
                    unique=bool(r[8]),
                    primary=bool(r[9]),
                    constraint=bool(r[10]),
                    valid=bool(r[11]),
                    size_bytes=int(r[12]),
                )
            )
        loaded = {}
        for row in self.conn.execute(_RELATION, (oids,)).fetchall():
            oid, schema, name, kind, reltuples, relpages, fillfactor, view_sql, writes, parts = row
            loaded[int(oid)] = RelInfo(
                oid=int(oid),
                name=RelName(schema, name),
                kind=kind,
                reltuples=reltuples,
                relpages=relpages,
                fillfactor=fillfactor,
                columns=columns[int(oid)],
                view_sql=view_sql,
                indexes=tuple(indexes[int(oid)]),
                writes=int(writes),
                partitions=tuple(_split_name(p) for p in parts or ()),
            )
        return loaded


def _split_name(qualified: str) -> tuple[str, str]:
    schema, _, name = qualified.partition(".")
    return schema, name


def _key_text(key: str) -> str:
    """A key as pg_get_indexdef prints it: a bare (maybe quoted) column name, or an
    expression, which we keep in parentheses so it never looks like a column."""
    if key.startswith('"') and key.endswith('"') and key.count('"') == 2:
        return key[1:-1]
    if key.replace("_", "").isalnum() and key == key.lower():
        return key
    return key if key.startswith("(") else f"({key})"


class ScopedCatalog:
    """The catalog as one statement sees it: an unqualified name is the first relation of
    that name in ``schemas`` (its search order), looked up as the schema-qualified name, so
    two statements naming ``orders`` under different paths read different tables. A view's
    text (``pg_get_viewdef``, printed for the session's own path) is read by ``session``."""

    def __init__(self, session: Catalog, schemas: tuple[str, ...]) -> None:
        self.session = session
        self.schemas = schemas

    def lookup(self, ref: TableRef) -> RelInfo | None:
        if ref.schema is not None:
            return self.session.lookup(ref)
        found = self.session.on_path(self.schemas, ref.name)
        return self.session.get(found) if found is not None else None

    def qualified(self, refs: Iterable[TableRef]) -> list[TableRef]:
        """``refs`` as the schema-qualified names they resolve to (for ``Catalog.preload``)."""
        found = []
        for ref in refs:
            if ref.schema is not None:
                found.append(ref)
                continue
            name = self.session.on_path(self.schemas, ref.name)
            if name is not None:
                found.append(TableRef(name.schema, name.name))
        return found
