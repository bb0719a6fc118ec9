"""Costing the index kinds HypoPG cannot simulate (GIN, GiST, BRIN, HNSW, IVFFlat) without
writing to the audited database: on a sampled copy.

The tables the statements that could use such a candidate read are copied to a scratch
database (the embedded server by default, ``--scratch-dsn`` otherwise): the same columns and
types, at most ``sample_rows`` rows each drawn with ``TABLESAMPLE BERNOULLI`` (``SYSTEM`` above
1 GB, which reads pages instead of the whole table), read in the audited session's own read-only
transaction and streamed by COPY, then ANALYZEd (``PGSAGE_SCRATCH_DSN`` names the scratch
server as ``--scratch-dsn`` does). There each candidate is built for real and
every statement is planned without and with it: the ratio of the two plan costs (the
statement's when it reads one table, else the cost of its scans of the candidate's table) is
what the search applies to the statement's plan cost on the audited database
(``WhatIf._evaluate_sampled``).

Why the ratio carries over: at a given selectivity a sequential scan and a bitmap scan both
cost in proportion to the table's pages and rows (the share of heap pages a bitmap visits
depends on rows per page, which a row sample keeps, all columns copied so that rows are as wide
as the table's), so a 10,000-row sample's ratio is the table's up to the fixed cost of an index
descent and the sampling error of the selectivity. That error is measured: each SELECT runs once
under EXPLAIN ANALYZE on the sample with the index; the rows its index scans returned over the
rows sampled is the measured selectivity, and its 95 % binomial interval is the error stated
with the recommendation. The index's size is its size on the sample scaled to the table's rows.

The sample is drawn with ``REPEATABLE`` (a fixed seed): the same table gives the same rows, so
the same database gives the same advice. A long-lived process (``pgsage mcp``) passes a
``SampleStore`` (``pgsage.advise.samplestore``, the speed box): it keeps the scratch database
and its copies between calls and reuses an outcome while the tables are unchanged; this module's
``cost_on_sample`` without one is the plain reference path (a database made and dropped per
call), and the tests compare both.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import psycopg
from psycopg import sql
from psycopg.rows import TupleRow

from pgsage.advise.catalog import Catalog
from pgsage.advise.model import Candidate, Costing, RelName
from pgsage.advise.whatif import PlannedQuery, SampledIndex, WhatIf
from pgsage.db.connect import one_line
from pgsage.errors import PgsageError

if TYPE_CHECKING:
    from pgsage.advise.samplestore import SampleStore

DEFAULT_SAMPLE_ROWS = 10_000
SCRATCH_ENV = "PGSAGE_SCRATCH_DSN"  # the server for the copy when none is given (--scratch-dsn)
METHOD = "sampled copy"
BERNOULLI_MAX_PAGES = 131_072  # 1 GB: above it SYSTEM reads sampled pages, not every page
SCRATCH_TIMEOUT = "20s"  # one statement on the sample: a runaway join of samples stops here
# Extensions the candidates' operator classes and the copied columns may need, made in the
# scratch database when its server has them (the source's own extensions are made too).
WANTED_EXTENSIONS = ("pg_trgm", "btree_gin", "btree_gist", "vector")
Z95 = 1.96
SAMPLE_SEED = 42  # TABLESAMPLE ... REPEATABLE: the same table, the same sample

# A column as the scratch table declares it: domains as their base type, enums, composites and
# ranges as text (their literals copy as text; the candidates' operators are on other types).
COLUMN_TYPE = """CASE WHEN t.typtype = 'd' THEN pg_catalog.format_type(t.typbasetype, t.typtypmod)
       WHEN t.typtype IN ('e', 'c', 'r', 'm') THEN 'text'
       ELSE pg_catalog.format_type(a.atttypid, a.atttypmod) END"""
COLUMNS = sql.SQL("""
/* pgsage */ SELECT a.attname, {column_type}
FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
WHERE a.attrelid = %s::pg_catalog.regclass AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY a.attnum
""").format(column_type=sql.SQL(COLUMN_TYPE))
EXTENSIONS = """
/* pgsage */ SELECT e.extname, n.nspname FROM pg_catalog.pg_extension e
JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace
WHERE e.extname <> 'plpgsql' ORDER BY e.extname
"""


@dataclass
class SampleOutcome:
    costed: dict[Candidate, SampledIndex]
    failed: dict[Candidate, str]  # candidate -> why the sampled copy could not cost it


@dataclass
class SampleContext:
    """What one sampled costing works with: the audited session (only read), its catalog,
    the candidates' index names."""

    source: psycopg.Connection[TupleRow]
    catalog: Catalog
    names: dict[Candidate, str]
    rows: int = DEFAULT_SAMPLE_ROWS
    # a long-lived process's copies kept between calls (advise.samplestore); None: the plain
    # path, a scratch database made and dropped by this call
    store: SampleStore | None = None


def cost_on_sample(
    context: SampleContext,
    planned: list[PlannedQuery],
    pending: list[Candidate],
    scratch_dsn: str | None,
    progress: Callable[[str], None],
) -> SampleOutcome:
    """Cost ``pending`` on a sampled copy; what cannot be costed comes back with the reason.
    With ``context.store``, on the copies kept between calls (``advise.samplestore``)."""
    tables_of = {c.table for c in pending}
    relevant = [q for q in planned if q.explain is not None and q.shape.tables & tables_of]
    if not relevant:
        return SampleOutcome({}, {})
    scratch_dsn = scratch_dsn or os.environ.get(SCRATCH_ENV) or None
    try:
        if context.store is not None:
            return context.store.cost(context, relevant, pending, scratch_dsn, progress)
        from pgsage.migrations.scratch import ScratchServer  # starts a server: only when needed

        server = ScratchServer.choose(scratch_dsn)
        progress(
            f"costing {len(pending)} candidate(s) HypoPG cannot simulate on a sampled copy "
            f"(at most {context.rows:,} rows a table)"
        )
        with server.database("cost") as dsn:
            return _cost(context, dsn, relevant, pending)
    except (PgsageError, psycopg.Error, OSError) as exc:
        why = f"the sampled copy failed ({one_line(str(exc))})"
        return SampleOutcome({}, {c: why for c in pending})


def _cost(
    context: SampleContext, dsn: str, relevant: list[PlannedQuery], pending: list[Candidate]
) -> SampleOutcome:
    source = context.source
    tables = sorted({t for q in relevant for t in q.shape.tables})
    with open_scratch(dsn) as scratch:
        make_extensions(scratch, source_extensions(source))
        start_session(scratch, search_path(source))
        copied: dict[RelName, int] = {}
        for table in tables:
            try:
                copied[table] = copy_table(context, scratch, table)
            except psycopg.Error:
                # (a view, a type the scratch server lacks): the statements that read it do not
                # plan on the copy, and the candidates they alone would use stay uncosted
                continue
        scratch.execute("ANALYZE")
        return measure(context, scratch, relevant, pending, copied)


def open_scratch(dsn: str) -> psycopg.Connection[TupleRow]:
    scratch = psycopg.connect(dsn, autocommit=True, connect_timeout=10)
    scratch.prepare_threshold = None
    return scratch


def search_path(source: psycopg.Connection[TupleRow]) -> str:
    row = source.execute("SHOW search_path").fetchone()
    return str(row[0]) if row else "public"


def start_session(scratch: psycopg.Connection[TupleRow], path: str) -> None:
    """The source's search_path (statements name tables as they do there) and a timeout."""
    scratch.execute(
        sql.SQL("SELECT pg_catalog.set_config('search_path', {}, false)").format(sql.Literal(path))
    )
    scratch.execute(sql.SQL("SET statement_timeout = {}").format(sql.Literal(SCRATCH_TIMEOUT)))


def measure(
    context: SampleContext,
    scratch: psycopg.Connection[TupleRow],
    relevant: list[PlannedQuery],
    pending: list[Candidate],
    copied: dict[RelName, int],
) -> SampleOutcome:
    """Build and plan in a transaction rolled back: the scratch database keeps only the
    copies (and the session's prepared statements, gone with it)."""
    scratch.autocommit = False
    try:
        return _measure(context, scratch, relevant, pending, copied)
    finally:
        scratch.rollback()
        scratch.autocommit = True


def source_extensions(source: psycopg.Connection[TupleRow]) -> list[tuple[str, str]]:
    """The source's extensions and the schema each is in."""
    return [(str(n), str(s)) for n, s in source.execute(EXTENSIONS).fetchall()]


def make_extensions(
    scratch: psycopg.Connection[TupleRow], extensions: Sequence[tuple[str, str]]
) -> None:
    """The source's ``extensions``, each in the schema it has there, and the ones candidates
    use."""
    wanted = list(extensions)
    have = {name for name, _ in wanted}
    wanted += [(name, "public") for name in WANTED_EXTENSIONS if name not in have]
    available = {
        str(r[0])
        for r in scratch.execute("SELECT name FROM pg_catalog.pg_available_extensions").fetchall()
    }
    for name, schema in wanted:
        if name not in available:
            continue
        try:
            scratch.execute(
                sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(schema))
            )
            scratch.execute(
                sql.SQL("CREATE EXTENSION IF NOT EXISTS {} SCHEMA {} CASCADE").format(
                    sql.Identifier(name), sql.Identifier(schema)
                )
            )
        except psycopg.Error:
            continue  # a table that needs it fails to copy, and says why


def copy_table(
    context: SampleContext,
    scratch: psycopg.Connection[TupleRow],
    table: RelName,
    columns: Sequence[tuple[str, str]] | None = None,
) -> int:
    """Create ``table`` on the scratch database and fill it with a sample; the rows copied.
    ``columns``: (name, type as the copy declares it), read here when not given."""
    source, catalog, rows = context.source, context.catalog, context.rows
    ident = sql.Identifier(table.schema, table.name)
    if columns is None:
        columns = [(str(n), str(t)) for n, t in source.execute(COLUMNS, (ident.as_string(source),))]
    scratch.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(table.schema)))
    scratch.execute(
        sql.SQL("CREATE TABLE {} ({})").format(
            ident,
            sql.SQL(", ").join(
                sql.SQL("{} {}").format(sql.Identifier(str(name)), sql.SQL(str(typ)))
                for name, typ in columns
            ),
        )
    )
    rel = catalog.get(table)
    estimated = max(rel.rows, 1.0) if rel is not None else 1.0
    pages = rel.relpages if rel is not None else 0
    method = "BERNOULLI" if pages <= BERNOULLI_MAX_PAGES else "SYSTEM"
    # A little over the share wanted, then LIMIT: a sample a few rows short of ``rows`` would
    # otherwise be as likely as one a few rows over.
    percent = min(100.0, max(0.0001, 110.0 * rows / estimated))
    sample = sql.SQL(
        "/* pgsage */ COPY (SELECT * FROM {} TABLESAMPLE {} ({}) REPEATABLE ({}) LIMIT {}) "
        "TO STDOUT"
    ).format(
        ident,
        sql.SQL(method),
        sql.Literal(round(percent, 4)),
        sql.Literal(SAMPLE_SEED),
        sql.Literal(rows),
    )
    copied = 0
    with (
        source.transaction(),  # a failure must not end the audited session's transaction
        source.cursor() as out_cur,
        out_cur.copy(sample) as out,
        scratch.cursor() as in_cur,
        in_cur.copy(sql.SQL("COPY {} FROM STDIN").format(ident)) as into,
    ):
        for data in out:
            into.write(data)
            copied += bytes(data).count(b"\n")
    return copied


def _measure(
    context: SampleContext,
    scratch: psycopg.Connection[TupleRow],
    relevant: list[PlannedQuery],
    pending: list[Candidate],
    copied: dict[RelName, int],
) -> SampleOutcome:
    major = int(scratch.info.server_version) // 10000
    whatif = WhatIf(scratch, Catalog(scratch), major=major, hypopg=False, real_allowed=True)
    on_sample = whatif.plan_queries([(q.query, q.shape) for q in relevant])
    whatif.prepare(pending, context.names)
    failed = {
        c: f"cannot be built on the sampled copy: {why}" for c, why in whatif.backend.failed.items()
    }
    built = sorted(whatif.backend.real, key=lambda c: c.sort_key)
    ratios: dict[Candidate, dict[int, float]] = {c: {} for c in built}
    nodes: dict[Candidate, dict[int, tuple[str, ...]]] = {c: {} for c in built}
    for real_query, query in zip(relevant, on_sample, strict=True):
        for candidate in built:
            found = _ratio(whatif, query, candidate)
            if found is not None:
                ratios[candidate][real_query.index] = found[0]
                nodes[candidate][real_query.index] = found[1]
    sizes = _sizes(scratch, built, context.names)
    matched = _selectivity(whatif, relevant, context.names, ratios)
    costed: dict[Candidate, SampledIndex] = {}
    for candidate in built:
        unplanned = _unplanned(whatif, on_sample, candidate)
        if unplanned is not None:
            failed[candidate] = unplanned
            continue
        sample_rows = copied.get(candidate.table, 0)
        rel = context.catalog.get(candidate.table)
        table_rows = max(rel.rows if rel is not None else 0.0, float(sample_rows))
        scale = table_rows / sample_rows if sample_rows else 1.0
        costed[candidate] = SampledIndex(
            costing=_costing(
                sample_rows, table_rows, matched.get(candidate, []), ratios[candidate]
            ),
            size_bytes=int(sizes.get(candidate, 0) * scale),
            ratios=ratios[candidate],
            nodes=nodes[candidate],
        )
    return SampleOutcome(costed, failed)


def _unplanned(whatif: WhatIf, on_sample: list[PlannedQuery], candidate: Candidate) -> str | None:
    """Why no statement that reads the candidate's table could be planned on the copy; None
    when one could (a candidate may then still help none)."""
    reasons = []
    for query in on_sample:
        if candidate.table not in query.shape.tables:
            continue
        if query.explain is not None and whatif.cost(query, frozenset()) is not None:
            return None
        reasons.append(query.skipped or "could not be planned")
    first = reasons[0] if reasons else "no statement reads its table"
    return f"no statement that would use it could be planned on the sampled copy ({first})"


def _ratio(
    whatif: WhatIf, query: PlannedQuery, candidate: Candidate
) -> tuple[float, tuple[str, ...]] | None:
    """With / without the candidate on the sample, and the scan nodes on its table with it:
    the statement's cost when it reads one table, else its scans of the candidate's table
    (the samples of the other tables do not join as the tables do). None: it does not help."""
    if candidate.table not in query.shape.tables:
        return None
    base = whatif.cost(query, frozenset())
    with_index = whatif.cost(query, frozenset([candidate]))
    if base is None or with_index is None or base.cost <= 0:
        return None
    if len(query.shape.tables) == 1:
        ratio = with_index.cost / base.cost
    else:
        before = dict(base.table_costs).get(candidate.table.name)
        after = dict(with_index.table_costs).get(candidate.table.name)
        if not before or after is None:
            return None
        ratio = after / before
    if ratio >= 1.0:
        return None
    suffix = f" on {candidate.table.name}"
    name = f" using {whatif.backend.real[candidate]}"
    return ratio, tuple(n for n in with_index.nodes if n.endswith(suffix) or name in n)


def _sizes(
    scratch: psycopg.Connection[TupleRow], built: list[Candidate], names: dict[Candidate, str]
) -> dict[Candidate, int]:
    found = {}
    for candidate in built:
        row = scratch.execute(
            "/* pgsage */ SELECT pg_catalog.pg_relation_size(%s::pg_catalog.regclass)",
            (sql.Identifier(candidate.table.schema, names[candidate]).as_string(scratch),),
        ).fetchone()
        found[candidate] = int(row[0]) if row else 0
    return found


def _selectivity(
    costing: WhatIf,
    relevant: list[PlannedQuery],
    names: dict[Candidate, str],
    ratios: dict[Candidate, dict[int, float]],
) -> dict[Candidate, list[tuple[int, int]]]:
    """Per candidate, the rows its index scans returned in each SELECT it helps, run on the
    sample under EXPLAIN ANALYZE with that index alone (a failure leaves it unmeasured)."""
    scratch = costing.conn
    try:
        scratch.execute("/* pgsage */ DEALLOCATE ALL")
        runner = WhatIf(
            scratch, costing.catalog, major=costing.major, hypopg=False, real_allowed=True
        )
    except psycopg.Error:
        return {}
    runner.backend = costing.backend
    selects = [q for q in relevant if q.shape.kind == "select"]
    position = {q.index: n for n, q in enumerate(selects)}
    executed = runner.plan_queries([(q.query, q.shape) for q in selects], analyze=True)
    found: dict[Candidate, list[tuple[int, int]]] = {}
    for candidate, helped in sorted(ratios.items(), key=lambda i: i[0].sort_key):
        for index in sorted(i for i in helped if i in position):
            document = runner.document(executed[position[index]], frozenset([candidate]))
            rows = _index_rows(document, names[candidate])
            if rows is not None:
                found.setdefault(candidate, []).append((index, rows))
    return found


def _index_rows(document: Any, name: str) -> int | None:
    """Rows returned by the scans of index ``name`` (times their loops) in an EXPLAIN ANALYZE."""
    if not document:
        return None
    plan = document[0]["Plan"] if isinstance(document, list) else None
    if plan is None:
        return None
    total: int | None = None
    stack = [plan]
    while stack:
        node = stack.pop()
        if node.get("Index Name") == name:
            rows = float(node.get("Actual Rows", 0)) * float(node.get("Actual Loops", 1))
            total = (total or 0) + round(rows)
        stack += list(node.get("Plans", ()) or ())
    return total


def _costing(
    sample_rows: int, table_rows: float, matched: list[tuple[int, int]], ratios: dict[int, float]
) -> Costing:
    """The error stated is that of the cost saving, from the 95 % binomial interval of the
    selectivity measured: the plan's cost with the index, at most all of it proportional to the
    rows the index returns, moves by the selectivity's relative error; the saving (1 - ratio)
    by that much of the ratio. No row matched counts as one (the interval of a rare value).
    The widest over the statements it helps."""
    if not matched or not sample_rows:
        return Costing(METHOD, sample_rows, table_rows, None, "selectivity not measured")
    errors = []
    for index, rows in matched:
        ratio = ratios.get(index, 1.0)
        share = min(rows / sample_rows, 1.0)
        relative = Z95 * math.sqrt((1.0 - share) / max(rows, 1))
        errors.append(min(ratio * relative / max(1.0 - ratio, 1e-9), 10.0))
    counts = sorted(rows for _, rows in matched)
    span = f"{counts[0]:,}" if counts[0] == counts[-1] else f"{counts[0]:,} to {counts[-1]:,}"
    detail = (
        f"its index matched {span} of {sample_rows:,} sampled rows in {len(counts)} statement(s)"
    )
    return Costing(METHOD, sample_rows, table_rows, round(max(errors), 3), detail)
