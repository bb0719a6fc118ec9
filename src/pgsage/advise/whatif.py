"""What-if costing: how the planner would run each statement with a set of extra indexes.

One session, one transaction, rolled back at the end. Two ways to make an index exist for the
planner only:

* **HypoPG** (``hypopg_create_index``): hypothetical btree indexes, nothing written. Created
  for one evaluation inside a savepoint and reset right after.
* **Real indexes in the transaction**, allowed on the embedded server or with
  ``--allow-real-indexes``: each candidate HypoPG cannot simulate (GIN, HNSW — or every
  candidate when HypoPG is missing) is built once with a plain CREATE INDEX; an evaluation
  drops the ones it must not see inside a savepoint and rolls the drop back. The builds hold a
  SHARE lock (writes wait) until the final ROLLBACK, which is why it must be asked for.

Statements with ``$n`` placeholders are planned with ``EXPLAIN (GENERIC_PLAN)`` on PostgreSQL
16+; otherwise (and whenever the source gave sample values) they are PREPAREd and planned with
``EXPLAIN EXECUTE`` on values drawn from pg_stats for the column each placeholder is compared
with, passed as quoted literals the server casts to the parameter types it inferred.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import psycopg
from psycopg import sql
from psycopg.rows import TupleRow

from pgsage.advise.catalog import Catalog, ColumnInfo
from pgsage.advise.ddl import build_in_transaction
from pgsage.advise.model import (
    Candidate,
    Costing,
    PlanCost,
    QueryShape,
    RelName,
    WorkloadQuery,
)
from pgsage.advise.sizing import GinSample
from pgsage.advise.workload import typed_placeholders
from pgsage.db.connect import one_line

HYPOPG_METHODS = frozenset({"btree"})
PREFETCH_BATCH = 40  # evaluations sent in one message by WhatIf.prefetch
# HypoPG names an index "<oid>" + its method and relation and column names, which may hold any
# character (spaces, quotes, non-ASCII): the plan's "Index Name" field is that name whole.
_HYPO_NAME = re.compile(r"<(\d+)>.*", re.DOTALL)


def skip_reason(exc: psycopg.Error, shape: QueryShape) -> str:
    """Why a statement was left out; a lock timeout names the tables it reads (one of them is
    locked by another session), as the audit names the relations it could not examine."""
    message = one_line(str(exc))
    if isinstance(exc, psycopg.errors.LockNotAvailable) or "lock timeout" in message:
        tables = ", ".join(sorted(str(t) for t in shape.tables)) or "a table it reads"
        return f"locked by another session: {tables} (skipped; {message})"
    return message


@dataclass
class PlannedQuery:
    """How one workload statement is explained."""

    index: int
    query: WorkloadQuery
    shape: QueryShape
    explain: sql.Composed | None = None
    skipped: str | None = None

    @property
    def search_path(self) -> str | None:
        """The search_path the statement is planned under (None: the session's own)."""
        resolution = self.query.resolution
        return resolution.planned_path if resolution is not None else None


@dataclass(frozen=True)
class SampledIndex:
    """A candidate costed on a sampled copy (``pgsage.advise.sampled``): per statement
    (``PlannedQuery.index``) the ratio of the sample's plan cost with the index to without it
    (the statement's cost when it reads one table, else its scans of the index's table), and
    the sample plan's scan nodes on that table with the index."""

    costing: Costing
    size_bytes: int
    ratios: dict[int, float] = field(default_factory=dict)
    nodes: dict[int, tuple[str, ...]] = field(default_factory=dict)


@dataclass
class Backend:
    """How each candidate is made visible: ``hypo``, ``real`` or ``sampled`` (costed on a
    sampled copy, never visible here); failures carry a reason."""

    hypo: dict[Candidate, str] = field(default_factory=dict)  # candidate -> index name
    real: dict[Candidate, str] = field(default_factory=dict)
    failed: dict[Candidate, str] = field(default_factory=dict)
    sampled: dict[Candidate, SampledIndex] = field(default_factory=dict)


class WhatIf:
    def __init__(
        self,
        conn: psycopg.Connection[TupleRow],
        catalog: Catalog,
        *,
        major: int,
        hypopg: bool,
        real_allowed: bool,
    ) -> None:
        self.conn = conn
        self.catalog = catalog
        self.major = major
        self.hypopg = hypopg
        self.real_allowed = real_allowed
        self.backend = Backend()
        self._cache: dict[tuple[int, frozenset[Candidate]], PlanCost | None] = {}
        self._savepoints = 0
        self._ddl_cache: dict[tuple[Candidate, str], str] = {}
        self._based = False  # the savepoint failed evaluations roll back to exists
        self.explains = 0
        self.last_document: Any = None  # the last EXPLAIN's JSON (see ``document``)
        schema = _extension_schema(conn, "hypopg") if hypopg else None
        # HypoPG's functions in its own schema: a session whose search_path leaves it out
        # (options=-csearch_path=app) still finds them.
        self._reset = sql.SQL("/* pgsage */ SELECT {}()").format(
            sql.Identifier(schema or "", "hypopg_reset")
        )
        self._create = sql.Identifier(schema or "", "hypopg_create_index")
        self._own_path: str | None = None  # the session's search_path, read when first needed
        # EXPLAIN EXECUTE must plan with the values every time: a cached generic plan would
        # ignore the indexes created since and make costs depend on the evaluation order.
        conn.execute("SET LOCAL plan_cache_mode = force_custom_plan")

    # -- statements ------------------------------------------------------------------------
    def plan_queries(
        self, queries: Sequence[tuple[WorkloadQuery, QueryShape]], *, analyze: bool = False
    ) -> list[PlannedQuery]:
        """The EXPLAIN to run for each statement; ``analyze`` executes it (EXPLAIN ANALYZE,
        always with values for the placeholders)."""
        planned = []
        for number, (query, shape) in enumerate(queries):
            item = PlannedQuery(number, query, shape)
            try:
                item.explain = self._explain_statement(number, query, shape, analyze)
            except psycopg.Error as exc:
                item.skipped = skip_reason(exc, shape)
            planned.append(item)
        return planned

    # -- search_path (advise.searchpath) -------------------------------------------------------
    # A statement with a resolution of its names is planned under its own search_path, set
    # just around its EXPLAIN (or PREPARE) and set back right after: the advisor's own SQL
    # (HypoPG's calls, the catalog reads) always runs under the session's path.
    @staticmethod
    def _path_of(query: WorkloadQuery) -> str | None:
        return query.resolution.planned_path if query.resolution is not None else None

    def _session_path(self) -> str:
        if self._own_path is None:
            row = self.conn.execute(
                "/* pgsage */ SELECT pg_catalog.current_setting('search_path')"
            ).fetchone()
            self._own_path = str(row[0]) if row else "public"
        return self._own_path

    def _set_path(self, path: str) -> None:
        self.conn.execute(
            "/* pgsage */ SELECT pg_catalog.set_config('search_path', %s, true)", (path,)
        )

    def use_path(self, query: PlannedQuery) -> None:
        """Set ``query``'s search_path for the rest of the caller's (sub)transaction, which
        the caller rolls back (``--verify``'s measurements)."""
        if query.search_path is not None:
            self._session_path()
            self._set_path(query.search_path)

    def _explain_statement(
        self, number: int, query: WorkloadQuery, shape: QueryShape, analyze: bool
    ) -> sql.Composed:
        text = typed_placeholders(query.text.strip().rstrip(";"))
        explain = sql.SQL(
            "/* pgsage */ EXPLAIN (ANALYZE, FORMAT JSON)"
            if analyze
            else "/* pgsage */ EXPLAIN (FORMAT JSON)"
        )
        if not shape.params:
            return sql.SQL("{} {}").format(explain, sql.SQL(text))
        if self.major >= 16 and not any(query.params) and not analyze:
            return sql.SQL("/* pgsage */ EXPLAIN (GENERIC_PLAN, FORMAT JSON) {}").format(
                sql.SQL(text)
            )
        name = sql.Identifier(f"pgsage_advise_{number}")
        path = self._path_of(query)
        session = self._session_path() if path is not None else None
        with self._savepoint():  # a PREPARE that fails takes its SET back with it
            if path is not None:
                self._set_path(path)
            self.conn.execute(sql.SQL("/* pgsage */ PREPARE {} AS {}").format(name, sql.SQL(text)))
            if session is not None:
                self._set_path(session)
        row = self.conn.execute(
            "/* pgsage */ SELECT parameter_types::pg_catalog.text[] FROM pg_catalog.pg_prepared_statements "
            "WHERE name = %s",
            (f"pgsage_advise_{number}",),
        ).fetchone()
        types = list(row[0]) if row and row[0] else []
        values = [self._value(query, shape, n, typ) for n, typ in enumerate(types, start=1)]
        return sql.SQL("{} EXECUTE {}({})").format(
            explain, name, sql.SQL(", ").join(sql.Literal(v) for v in values)
        )

    def _value(self, query: WorkloadQuery, shape: QueryShape, n: int, typ: str) -> str:
        """A value for ``$n``: the source's sample, else a typical value of the column it is
        compared with (pg_stats), else a neutral value of its type."""
        if n <= len(query.params) and query.params[n - 1] is not None:
            return str(query.params[n - 1])
        for number, table, column, operator in shape.param_columns:
            if number != n:
                continue
            rel = self.catalog.get(table)
            info = rel.columns.get(column) if rel is not None else None
            if info is None or not _fits(typ, info):
                continue
            value = _typical(info, operator, typ, rel.rows if rel is not None else 0.0)
            if value is not None:
                return value
        return neutral_value(typ)

    # -- candidates ------------------------------------------------------------------------
    def prepare(self, candidates: Sequence[Candidate], names: dict[Candidate, str]) -> None:
        """Decide and check how each candidate is simulated; build the real ones."""
        hypo_ok = self._try_hypos(
            [c for c in candidates if self.hypopg and c.method in HYPOPG_METHODS], names
        )
        for candidate in candidates:
            name = names[candidate]
            if self.hypopg and candidate.method in HYPOPG_METHODS:
                error = None if hypo_ok else self._try_hypo(candidate, name)
                if error is None:
                    self.backend.hypo[candidate] = name
                    continue
                if not self.real_allowed:
                    self.backend.failed[candidate] = error
                    continue
            if not self.real_allowed:
                self.backend.failed[candidate] = (
                    f"HypoPG cannot simulate {candidate.method} indexes; rerun with "
                    "--allow-real-indexes (builds it inside a rolled-back transaction)"
                    if self.hypopg
                    else "HypoPG is not installed"
                )
                continue
            error = self._build_real(candidate, name)
            if error is None:
                self.backend.real[candidate] = name
            else:
                self.backend.failed[candidate] = error

    def _try_hypos(self, candidates: list[Candidate], names: dict[Candidate, str]) -> bool:
        """Whether HypoPG makes every one of ``candidates``, tried in one statement (each is
        made on its own: one that fails fails the lot, and then each is tried alone)."""
        if not candidates:
            return True
        ddl = [self._ddl(c, names[c]) for c in candidates]
        try:
            with self._savepoint():
                self.conn.execute(
                    sql.SQL(
                        "/* pgsage */ SELECT h.indexrelid FROM pg_catalog.unnest(%s::pg_catalog.text[]) "
                        "AS d(ddl), LATERAL {}(d.ddl) AS h"
                    ).format(self._create),
                    (ddl,),
                )
        except psycopg.Error:
            return False
        finally:
            self.conn.execute(self._reset)
        return True

    def _try_hypo(self, candidate: Candidate, name: str) -> str | None:
        try:
            with self._savepoint():
                self.conn.execute(
                    sql.SQL("/* pgsage */ SELECT * FROM {}(%s)").format(self._create),
                    (self._ddl(candidate, name),),
                )
        except psycopg.Error as exc:
            return one_line(str(exc))
        finally:
            self.conn.execute(self._reset)
        return None

    def _build_real(self, candidate: Candidate, name: str) -> str | None:
        try:
            with self._savepoint():
                self.conn.execute(build_in_transaction(candidate, name).encode())
        except psycopg.Error as exc:
            return one_line(str(exc))
        return None

    def _ddl(self, candidate: Candidate, name: str) -> str:
        key = (candidate, name)
        if key not in self._ddl_cache:
            self._ddl_cache[key] = build_in_transaction(candidate, name)
        return self._ddl_cache[key]

    # -- costing ---------------------------------------------------------------------------
    def cost(self, query: PlannedQuery, config: frozenset[Candidate]) -> PlanCost | None:
        relevant = frozenset(c for c in config if c.table in query.shape.tables)
        key = (query.index, relevant)
        if key not in self._cache:
            self._cache[key] = self._evaluate(query, relevant)
        return self._cache[key]

    def document(self, query: PlannedQuery, config: frozenset[Candidate]) -> Any:
        """The EXPLAIN document of ``query`` with ``config`` (not cached; None on failure)."""
        self.last_document = None
        relevant = frozenset(c for c in config if c.table in query.shape.tables)
        if self._evaluate(query, relevant) is None:
            return None
        return self.last_document

    def adopt_sampled(self, sampled: dict[Candidate, SampledIndex]) -> None:
        """Candidates costed on a sampled copy stop being failures here."""
        for candidate, found in sampled.items():
            self.backend.failed.pop(candidate, None)
            self.backend.sampled[candidate] = found

    def _evaluate(self, query: PlannedQuery, config: frozenset[Candidate]) -> PlanCost | None:
        if query.explain is None:
            return None
        sampled = frozenset(c for c in config if c in self.backend.sampled)
        if sampled:
            return self._evaluate_sampled(query, config - sampled, sampled)
        hypos = sorted((c for c in config if c in self.backend.hypo), key=lambda c: c.sort_key)
        hidden = sorted(
            (c for c in self.backend.real if c not in config and c.table in query.shape.tables),
            key=lambda c: c.sort_key,
        )
        if hidden:
            return self._evaluate_hiding(query, config, hypos, hidden)
        if not self._based:
            self.start()
        # HypoPG only: nothing to undo but the hypothetical indexes, so no savepoint.
        try:
            names, row = self._explain_with(hypos, query.explain, query.search_path)
            self.last_document = row[0] if row else None
        except psycopg.Error as exc:
            self._recover()
            if hypos:
                self.conn.execute(self._reset)
            if not config:
                query.skipped = skip_reason(exc, query.shape)
            return None
        return _plan_cost(row[0] if row else None, names)

    def _explain_with(
        self, hypos: list[Candidate], explain: sql.Composed, path: str | None = None
    ) -> tuple[dict[str, str], Any]:
        """EXPLAIN with ``hypos`` made (and reset after): the statements in one message, one
        round trip instead of three (the search's most repeated step). With a ``path``, the
        EXPLAIN alone runs under it (set and set back in the same message)."""
        if not hypos and path is None:
            self.explains += 1
            return {}, self.conn.execute(explain).fetchone()
        return self._explain_many([(explain, hypos, path)])[0]

    def prefetch(self, pairs: Iterable[tuple[PlannedQuery, frozenset[Candidate]]]) -> None:
        """Cost ``pairs`` ahead, up to PREFETCH_BATCH evaluations in one round trip: what
        ``cost`` would find one by one (the search asks for every statement alone and with
        each candidate before it chooses). HypoPG evaluations only; a batch that fails leaves
        its pairs to ``cost``, which says which statement failed and why."""
        if self.backend.real:
            return
        todo: dict[tuple[int, frozenset[Candidate]], PlannedQuery] = {}
        for query, config in pairs:
            relevant = frozenset(c for c in config if c.table in query.shape.tables)
            key = (query.index, relevant)
            if (
                query.explain is None
                or key in self._cache
                or any(c not in self.backend.hypo for c in relevant)
            ):
                continue
            todo.setdefault(key, query)
        if not todo:
            return
        if not self._based:
            self.start()
        keys = list(todo)
        for first in range(0, len(keys), PREFETCH_BATCH):
            chunk = keys[first : first + PREFETCH_BATCH]
            items = []
            for index, config in chunk:
                explain = todo[(index, config)].explain
                assert explain is not None
                items.append(
                    (
                        explain,
                        sorted(config, key=lambda c: c.sort_key),
                        todo[(index, config)].search_path,
                    )
                )
            try:
                answers = self._explain_many(items)
            except psycopg.Error:
                self._recover()
                self.conn.execute(self._reset)
                continue
            for key, (names, row) in zip(chunk, answers, strict=True):
                self._cache[key] = _plan_cost(row[0] if row else None, names)

    def _explain_many(
        self, items: list[tuple[sql.Composed, list[Candidate], str | None]]
    ) -> list[tuple[dict[str, str], Any]]:
        """Each EXPLAIN with its hypothetical indexes made before and reset after, and under
        its search_path when it has one (the session's set back after it), all in one message
        (the simple query protocol runs them in order and stops at an error, which is raised);
        per item, the indexes' oid -> our name and the EXPLAIN's row."""
        parts: list[sql.Composable] = []
        for explain, hypos, path in items:
            if hypos:
                parts.append(self._create_sql(hypos))
            if path is not None:
                parts.append(_set_path_sql(path))
            parts.append(explain)
            if path is not None:
                parts.append(_set_path_sql(self._session_path()))
            if hypos:
                parts.append(self._reset)
        self.explains += len(items)
        with self.conn.cursor() as cur:
            cur.execute(sql.SQL("; ").join(parts))
            answers = []
            for _explain, hypos, path in items:
                names: dict[str, str] = {}
                if hypos:
                    created = cur.fetchall()
                    names = {
                        str(row[0]): self.backend.hypo[c]
                        for row, c in zip(created, hypos, strict=False)
                    }
                    cur.nextset()
                if path is not None:
                    cur.nextset()  # past the path set
                answers.append((names, cur.fetchone()))
                cur.nextset()
                if path is not None:
                    cur.nextset()  # past the session's path set back
                if hypos:
                    cur.nextset()  # past the reset
        return answers

    def _create_sql(self, hypos: list[Candidate]) -> sql.Composed:
        """Make ``hypos`` in one statement, their oids in order (the DDL as literals)."""
        ddl = sql.SQL(", ").join(sql.Literal(self._ddl(c, self.backend.hypo[c])) for c in hypos)
        return sql.SQL(
            "/* pgsage */ SELECT h.indexrelid FROM pg_catalog.unnest(ARRAY[{}]::pg_catalog.text[]) "
            "WITH ORDINALITY AS d(ddl, n), LATERAL {}(d.ddl) AS h ORDER BY d.n"
        ).format(ddl, self._create)

    def _evaluate_sampled(
        self, query: PlannedQuery, rest: frozenset[Candidate], sampled: frozenset[Candidate]
    ) -> PlanCost | None:
        """The statement's cost with indexes measured on a sampled copy: its plan here without
        them, scaled by the sample's cost ratio (each table's best sampled index, weighed by
        that table's share of the plan here); the cheaper of that and the rest of the set,
        since the planner would pick one of them per table."""
        base = self.cost(query, frozenset())
        others = self.cost(query, rest)
        if base is None or others is None:
            return others
        tables = sorted({c.table for c in sampled})
        single = len(query.shape.tables) == 1
        shares = dict(base.table_costs)
        saved = 0.0
        nodes = [n for n in base.nodes]
        for table in tables:
            best: tuple[float, tuple[str, ...]] | None = None
            for candidate in sorted(
                (c for c in sampled if c.table == table), key=lambda c: c.sort_key
            ):
                found = self.backend.sampled[candidate]
                ratio = found.ratios.get(query.index)
                if ratio is not None and (best is None or ratio < best[0]):
                    best = (ratio, found.nodes.get(query.index, ()))
            if best is None or best[0] >= 1.0:
                continue
            share = 1.0 if single or base.cost <= 0 else shares.get(table.name, 0.0) / base.cost
            saved += min(share, 1.0) * (1.0 - best[0])
            suffix = f" on {table.name}"
            nodes = [n for n in nodes if not n.endswith(suffix)] + list(best[1])
            if single:  # the sample's plan of the statement whole (its sorts too)
                nodes = list(best[1])
        estimate = base.cost * max(1.0 - saved, 0.0)
        if saved <= 0.0 or estimate >= others.cost:
            return others
        return PlanCost(estimate, tuple(nodes), base.table_costs)

    def _evaluate_hiding(
        self,
        query: PlannedQuery,
        config: frozenset[Candidate],
        hypos: list[Candidate],
        hidden: list[Candidate],
    ) -> PlanCost | None:
        """With real indexes built: drop the ones this evaluation must not see inside a
        savepoint, and roll the drop back."""
        assert query.explain is not None
        names: dict[str, str] = {}
        try:
            with self._savepoint():
                for candidate in hidden:
                    self.conn.execute(
                        sql.SQL("DROP INDEX {}").format(
                            sql.Identifier(candidate.table.schema, self.backend.real[candidate])
                        )
                    )
                names = self._create_hypos(hypos)
                self.explains += 1
                self.use_path(query)  # undone with the savepoint
                row = self.conn.execute(query.explain).fetchone()
                raise _Rollback(row[0] if row else None)
        except _Rollback as done:
            plan = self.last_document = done.plan
        except psycopg.Error as exc:
            if not config:
                query.skipped = skip_reason(exc, query.shape)
            return None
        finally:
            if hypos:
                self.conn.execute(self._reset)
        return _plan_cost(plan, names)

    def _create_hypos(self, hypos: list[Candidate]) -> dict[str, str]:
        """Create the hypothetical indexes in one round trip; their oid → our name."""
        if not hypos:
            return {}
        return self._created_names(self._send_create(hypos), hypos)

    def _send_create(self, hypos: list[Candidate]) -> psycopg.Cursor[TupleRow]:
        ddl = [self._ddl(c, self.backend.hypo[c]) for c in hypos]
        return self.conn.execute(
            sql.SQL(
                "/* pgsage */ SELECT h.indexrelid FROM pg_catalog.unnest(%s::pg_catalog.text[]) "
                "WITH ORDINALITY AS d(ddl, n), LATERAL {}(d.ddl) AS h ORDER BY d.n"
            ).format(self._create),
            (ddl,),
        )

    def _created_names(
        self, created: psycopg.Cursor[TupleRow], hypos: list[Candidate]
    ) -> dict[str, str]:
        rows = created.fetchall()
        return {str(row[0]): self.backend.hypo[c] for row, c in zip(rows, hypos, strict=False)}

    def _recover(self) -> None:
        """After a failed statement outside a savepoint: back to the session's base point."""
        self.conn.execute("/* pgsage */ ROLLBACK TO SAVEPOINT pgsage_base")

    def start(self) -> None:
        """Mark the point failed evaluations return to (after the statements are prepared)."""
        self.conn.execute("/* pgsage */ SAVEPOINT pgsage_base")
        self._based = True

    def close(self) -> None:
        """Forget the prepared statements and hypothetical indexes; the caller rolls back."""
        self.conn.execute("/* pgsage */ DEALLOCATE ALL")
        if self.hypopg:
            self.conn.execute(self._reset)

    def estimate_rows(self, table: RelName, where: str | None) -> float | None:
        """The planner's row estimate for ``SELECT FROM table [WHERE where]``."""
        query = sql.SQL("/* pgsage */ EXPLAIN (FORMAT JSON) SELECT 1 FROM {}{}").format(
            sql.Identifier(table.schema, table.name),
            sql.SQL(" WHERE {}").format(sql.SQL(where)) if where else sql.SQL(""),
        )
        try:
            with self._savepoint():
                row = self.conn.execute(query).fetchone()
        except psycopg.Error:
            return None
        if row is None:
            return None
        document = row[0] if isinstance(row[0], list) else json.loads(row[0])
        return float(document[0]["Plan"]["Plan Rows"])

    def gin_sample(self, candidate: Candidate, rows: float) -> GinSample | None:
        """Keys per row and distinct keys of a GIN candidate's column, from up to
        GIN_SAMPLE_ROWS rows (TABLESAMPLE, so a big table is not read whole); None when the
        column or operator class is not one this knows, or the sample fails."""
        column = candidate.keys[0].column if candidate.keys else None
        keys = _GIN_KEYS.get(candidate.opclass or "jsonb_ops") if column else None
        if (
            keys is None
            or column is None
            or ("show_trgm(" in keys and _extension_schema(self.conn, "pg_trgm") is None)
        ):
            return None
        percent = min(100.0, max(0.01, 100.0 * 3 * GIN_SAMPLE_ROWS / max(rows, 1.0)))
        query = sql.SQL(
            "/* pgsage */ WITH s AS (SELECT {col} AS v FROM {table} TABLESAMPLE SYSTEM ({percent}) "
            "WHERE {col} IS NOT NULL LIMIT {limit}), "
            "k AS (SELECT key, pg_catalog.count(*) AS n FROM s, LATERAL ({keys}) AS keys(key) "
            "GROUP BY key), total AS (SELECT greatest(pg_catalog.count(*), 1)::float8 AS rows FROM s) "
            # bytes per entry by the key's share of rows f: 1.3 + 0.45 log2(1/f), 1.5 to 6
            "SELECT pg_catalog.sum(n) / rows, pg_catalog.count(*)::float8, pg_catalog.sum(n * least(6, greatest(1.5, "
            "1.3 + 0.45 * pg_catalog.log(2, (rows / n)::numeric)))) / rows FROM k, total "
            "GROUP BY rows"
        ).format(
            col=sql.Identifier(column),
            table=sql.Identifier(candidate.table.schema, candidate.table.name),
            percent=sql.Literal(percent),
            limit=sql.Literal(GIN_SAMPLE_ROWS),
            keys=self._gin_keys(keys),
        )  # our own constant text, per operator class
        try:
            with self._savepoint():
                row = self.conn.execute(query).fetchone()
        except psycopg.Error:
            return None
        if row is None or row[0] is None or not row[0]:
            return None
        return GinSample(
            keys_per_row=float(row[0]),
            distinct_keys=float(row[1] or 1.0),
            bytes_per_row=float(row[2]),
        )

    def _gin_keys(self, keys: str) -> sql.Composed:
        """The keys subquery, pg_trgm's show_trgm called in pg_trgm's own schema."""
        schema = _extension_schema(self.conn, "pg_trgm") or ""
        return sql.SQL(keys.replace("show_trgm(", "{trgm}(")).format(
            trgm=sql.Identifier(schema, "show_trgm")
        )

    def _savepoint(self) -> _Savepoint:
        self._savepoints += 1
        return _Savepoint(self.conn, f"pgsage_sp_{self._savepoints}")


GIN_SAMPLE_ROWS = 2000
# Per operator class, the keys GIN makes of one value ``s.v``, as a set-returning subquery.
_GIN_KEYS = {
    "gin_trgm_ops": "SELECT pg_catalog.unnest(show_trgm(s.v::text))",
    # jsonb_path_ops: one key per scalar (a hash of its path and value)
    "jsonb_path_ops": "SELECT x::text FROM pg_catalog.jsonb_path_query(s.v, 'strict $.**') x "
    "WHERE pg_catalog.jsonb_typeof(x) NOT IN ('object', 'array')",
    # jsonb_ops: every scalar value and every object key
    "jsonb_ops": "SELECT CASE WHEN pg_catalog.jsonb_typeof(x) IN ('object', 'array') THEN 'k:' || o "
    "ELSE x::text END FROM pg_catalog.jsonb_path_query(s.v, 'strict $.**') x "
    "LEFT JOIN LATERAL pg_catalog.jsonb_object_keys(CASE WHEN pg_catalog.jsonb_typeof(x) = 'object' "
    "THEN x END) o ON true "
    "WHERE pg_catalog.jsonb_typeof(x) NOT IN ('object', 'array') OR o IS NOT NULL",
    "array_ops": "SELECT DISTINCT pg_catalog.unnest(s.v)::text",
}


class _Rollback(Exception):
    def __init__(self, plan: Any) -> None:
        super().__init__("rollback")
        self.plan = plan


class _Savepoint:
    """SAVEPOINT … ROLLBACK TO on any exception (including the _Rollback signal), RELEASE
    otherwise. psycopg's nested transaction() would do the same, but its exceptions for an
    intentional rollback are heavier than this."""

    def __init__(self, conn: psycopg.Connection[TupleRow], name: str) -> None:
        self.conn = conn
        self.name = sql.Identifier(name)

    def __enter__(self) -> None:
        self.conn.execute(sql.SQL("/* pgsage */ SAVEPOINT {}").format(self.name))

    def __exit__(self, kind: object, value: object, traceback: object) -> None:
        if kind is None:
            self.conn.execute(sql.SQL("/* pgsage */ RELEASE SAVEPOINT {}").format(self.name))
        else:
            self.conn.execute(sql.SQL("/* pgsage */ ROLLBACK TO SAVEPOINT {}").format(self.name))
            self.conn.execute(sql.SQL("/* pgsage */ RELEASE SAVEPOINT {}").format(self.name))


def _set_path_sql(path: str) -> sql.Composed:
    """``SET LOCAL search_path`` as a statement of a multi-statement message (no parameters
    there: the value goes as a quoted literal)."""
    return sql.SQL("/* pgsage */ SELECT pg_catalog.set_config('search_path', {}, true)").format(
        sql.Literal(path)
    )


def _plan_cost(plan: Any, names: dict[str, str]) -> PlanCost | None:
    if plan is None:
        return None
    document = plan if isinstance(plan, list) else json.loads(plan)
    top = document[0]["Plan"]
    costs: dict[str, float] = {}
    _table_costs(top, costs)
    return PlanCost(
        float(top["Total Cost"]), tuple(_scan_nodes(top, names)), tuple(sorted(costs.items()))
    )


def _table_costs(plan: dict[str, Any], costs: dict[str, float]) -> None:
    """Per relation, the summed total cost of its outermost scan nodes (a Bitmap Heap Scan
    includes its index scans)."""
    relation = plan.get("Relation Name")
    if relation is not None and plan.get("Node Type") != "ModifyTable":
        costs[str(relation)] = costs.get(str(relation), 0.0) + float(plan.get("Total Cost", 0.0))
        return
    for child in plan.get("Plans", ()) or ():
        _table_costs(child, costs)


def _scan_nodes(plan: dict[str, Any], names: dict[str, str]) -> list[str]:
    found: list[str] = []
    node = str(plan.get("Node Type", ""))
    relation = plan.get("Relation Name")
    index = plan.get("Index Name")
    if index is not None:
        hypothetical = _HYPO_NAME.fullmatch(str(index))
        if hypothetical is not None:
            index = names.get(hypothetical.group(1), str(index))
        where = f" on {relation}" if relation else ""
        found.append(f"{node} using {index}{where}")
    elif relation is not None and node != "Bitmap Heap Scan":
        found.append(f"{node} on {relation}")
    elif node in ("Sort", "Incremental Sort"):
        found.append(node)
    for child in plan.get("Plans", ()) or ():
        found += _scan_nodes(child, names)
    return found


_NEUTRAL = {
    "integer": "1",
    "bigint": "1",
    "smallint": "1",
    "numeric": "1",
    "real": "1",
    "double precision": "1",
    "boolean": "true",
    "date": "today",
    "jsonb": "{}",
    "json": "{}",
    "timestamp with time zone": "now",
    "timestamp without time zone": "now",
    "interval": "1 day",
    "regconfig": "simple",
    "uuid": "00000000-0000-0000-0000-000000000000",
    "inet": "127.0.0.1",
}


def _extension_schema(conn: psycopg.Connection[TupleRow], name: str) -> str | None:
    row = conn.execute(
        "/* pgsage */ SELECT n.nspname FROM pg_catalog.pg_extension e JOIN pg_catalog.pg_namespace n "
        "ON n.oid = e.extnamespace WHERE e.extname = %s",
        (name,),
    ).fetchone()
    return str(row[0]) if row else None


_OWN_TYPES = frozenset({"interval", "regconfig", "regclass", "regtype", "regproc"})


def _fits(typ: str, info: ColumnInfo) -> bool:
    """Whether a value of the column can stand for a ``$n`` of type ``typ``: not when the
    parameter has a type of its own (``ts > $1 - $2::interval``: $2 is no timestamp)."""
    return typ not in _OWN_TYPES or typ == info.type


def neutral_value(typ: str) -> str:
    if typ.endswith("[]"):
        return "{}"
    return _NEUTRAL.get(typ, "a" if "char" in typ or typ == "text" else "1")


def _generic_value(info: ColumnInfo, rows: float) -> str | None:
    """The value whose frequency is nearest what a generic plan assumes for ``= $n``:
    (1 - null_frac) / n_distinct, at most the most common value's frequency (PostgreSQL's
    var_eq_non_const). PostgreSQL 16+ plans ``$n`` statements with EXPLAIN (GENERIC_PLAN);
    choosing so on older servers advises them alike, where the most common value of a skewed
    column would make every index look useless."""
    null_frac = info.null_frac or 0.0
    distinct = info.distinct_count(rows)
    target = (1.0 - null_frac) / max(distinct, 1.0)
    if info.common_freqs:
        target = min(target, info.common_freqs[0])
    candidates = list(zip(info.common_values, info.common_freqs, strict=False))
    if info.histogram:  # a value outside the MCV list: the rest of the rows, spread evenly
        rest = max(1.0 - null_frac - sum(info.common_freqs), 0.0)
        others = max(distinct - len(info.common_values), 1.0)
        candidates.append((info.histogram[len(info.histogram) // 2], rest / others))
    if not candidates:
        return None
    floor = 1e-12

    def distance(candidate: tuple[str, float]) -> float:
        return abs(math.log(max(candidate[1], floor) / max(target, floor)))

    return min(candidates, key=distance)[0]


def _typical(info: ColumnInfo, operator: str, typ: str, rows: float) -> str | None:
    """A realistic value of the column for ``column <operator> $n``, as SQL text."""
    if info.type_name == "vector":
        match = re.search(r"\((\d+)\)", info.type)
        dims = int(match.group(1)) if match else 3
        return "[" + ",".join(["0.1"] * dims) + "]"
    value: str | None = None
    if operator in (">", ">=") and info.histogram:
        # "recent rows": the top tenth; paired with "< $2" (the last bound) it stays a tenth.
        value = info.histogram[int(0.9 * (len(info.histogram) - 1))]
    elif operator in ("<", "<=") and info.histogram:
        value = info.histogram[-1]
    else:
        value = _generic_value(info, rows)
    if value is None:
        return None
    if operator in ("~~", "~~*") and not typ.endswith("[]"):
        return f"%{value[:4]}%"
    if operator in ("= any",) and typ.endswith("[]") and not info.is_array:
        return "{" + json.dumps(value) + "}"
    return value
