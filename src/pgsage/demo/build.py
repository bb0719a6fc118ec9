"""Building the demo database: schema, COPY load, indexes, planted problems, statistics, workload.

The demo replaces its own tables in schema ``public`` of the target database and leaves
everything else alone. The bulk is loaded with ``COPY ... FREEZE`` into tables created in the
same transaction (no WAL-heavy hint-bit rewrites or freezing vacuum afterwards); foreign keys
and indexes follow the load, then the problems are planted, the tables analysed and
pg_stat_statements reset, so that what the workload does is all it records.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources

import psycopg
from psycopg import sql
from psycopg.rows import TupleRow

from pgsage.db.connect import SessionOptions, connect, one_line
from pgsage.demo.data import CopyTable, DemoData
from pgsage.demo.workload import run_workload
from pgsage.errors import PgsageError, UsageError

Progress = Callable[[str], None]
Connection = psycopg.Connection[TupleRow]

# In load order; dropped in reverse.
DEMO_TABLES: tuple[str, ...] = (
    "users",
    "prompts",
    "applications",
    "ai_requests",
    "site_visits",
    "bot_logs",
    "daily_stats",
    "dialogs",
    "dialog_messages",
    "documents",
    "knowledge_embeddings",
    "news",
    "portfolio",
    "services",
    "secure_settings",
)

# (problem kind, object name) for every problem the demo plants on purpose. The kind is the
# id of the pgsage check that reports it where that check exists (duplicate-index, ...), a
# proposed id otherwise; the name is the name of the object the finding is about (an index,
# constraint, table or sequence — all in schema public), or table.column for a column that
# the workload queries without a fitting index.
PLANTED_PROBLEMS: list[tuple[str, str]] = [
    # seed 001: a plain index on users(telegram_id) next to the UNIQUE constraint's index
    ("duplicate-index", "idx_users_telegram_id"),
    # the same plain index on bot_logs(created_at) twice (hand-written + autogenerate)
    ("duplicate-index", "ix_bot_logs_created_at"),
    # (visit_date) is a prefix of (visit_date, page_path)
    ("redundant-index", "idx_site_visits_visit_date"),
    # several MB on dialog_messages(sender, "timestamp"), never scanned by the workload
    ("unused-index", "idx_dialog_messages_sender_timestamp"),
    # foreign keys that no index leads with (the second one is covered only by an index that
    # starts with user_id, which does not help)
    ("fk-without-index", "ai_requests_application_id_fkey"),
    ("fk-without-index", "knowledge_embeddings_document_id_fkey"),
    # a failed CREATE UNIQUE INDEX CONCURRENTLY: daily_stats has duplicate dates
    ("invalid-index", "uq_daily_stats_stat_date"),
    ("no-primary-key", "daily_stats"),
    ("not-valid-constraint", "services_price_check"),
    # int4 serial at 83 % of its range
    ("sequence-exhaustion", "bot_logs_id_seq"),
    ("autovacuum-disabled", "dialogs"),
    ("dead-tuples", "dialogs"),
    # IVFFlat with lists = 1000 on ~20k rows (only where pgvector is installed)
    ("ivfflat-lists", "knowledge_embeddings_embedding_l2_idx"),
    # workload shapes: JSONB containment without a GIN index, substring search without a
    # trigram index, N+1 reads of a dialog's messages, filters on unindexed columns
    ("jsonb-without-gin", "applications.interview_data"),
    ("like-without-trigram", "news.title"),
    ("n-plus-one", "dialog_messages.dialog_id"),
    ("missing-index", "site_visits.visited_at"),
    ("missing-index", "bot_logs.telegram_user_id"),
]
VECTOR_ONLY_PROBLEMS = frozenset({("ivfflat-lists", "knowledge_embeddings_embedding_l2_idx")})

INVALID_INDEX = "uq_daily_stats_stat_date"
BUILD_SESSION = SessionOptions(
    statement_timeout_ms=0, lock_timeout_ms=60_000, application_name="pgsage demo", read_only=False
)


def planted_problems(*, has_vector: bool) -> list[tuple[str, str]]:
    """PLANTED_PROBLEMS as built on a server with or without pgvector."""
    return [p for p in PLANTED_PROBLEMS if has_vector or p not in VECTOR_ONLY_PROBLEMS]


@dataclass(frozen=True)
class DemoStats:
    """What was built, for the CLI to print."""

    tables: int
    rows: int  # rows loaded (before the workload's inserts)
    load_seconds: float  # schema, load, indexes, problems and ANALYZE
    workload_seconds: float
    statements: int  # statements the workload executed


def demo_sql(name: str, *, vector: bool) -> str:
    """One of the demo's SQL files, with the lines for the other pgvector case removed."""
    text = resources.files("pgsage.demo").joinpath(f"{name}.sql").read_text()
    kept = []
    for line in text.splitlines():
        stripped = line.rstrip()
        for marker, wanted in (("-- demo:vector", True), ("-- demo:no-vector", False)):
            if stripped.endswith(marker):
                if vector == wanted:
                    kept.append(stripped.removesuffix(marker).rstrip())
                break
        else:
            kept.append(line)
    return "\n".join(kept) + "\n"


def build_demo(
    dsn: str,
    *,
    scale: float = 1.0,
    seed: int = 42,
    progress: Progress = lambda _: None,
) -> DemoStats:
    """Drop and recreate the demo tables in schema public of the database at ``dsn``, load
    them, plant the problems, ANALYZE, reset pg_stat_statements and run the workload."""
    if not scale > 0:
        raise UsageError(f"the demo scale must be positive, not {scale}")
    started = time.perf_counter()
    data = DemoData(scale, seed)
    with connect(dsn, BUILD_SESSION) as conn:
        step = "preparing the database"
        try:
            conn.execute("SET synchronous_commit = off")
            conn.execute("SET maintenance_work_mem = '256MB'")
            vector = _ensure_vector(conn)
            recording = _ensure_pg_stat_statements(conn)
            if not vector:
                progress("pgvector is not available: embeddings are stored as real[]")
            step = "dropping the old demo tables"
            progress(step)
            drop_demo(conn)
            step = "creating and loading the tables"
            with conn.transaction():
                conn.execute(demo_sql("schema", vector=vector).encode())
                for table in data.tables():
                    step = f"loading {table.name}"
                    progress(f"{step} ({table.rows:,} rows)" if table.rows else step)
                    _copy(conn, data, table, vector=vector)
            step = "adding foreign keys and indexes"
            progress(step)
            conn.execute(demo_sql("indexes", vector=vector).encode())
            step = "planting problems"
            progress(step)
            conn.execute(demo_sql("problems", vector=vector).encode())
            plant_invalid_index(conn)
            step = "analysing"
            progress(step)
            conn.execute(
                sql.SQL("ANALYZE {}").format(
                    sql.SQL(", ").join(sql.Identifier(t) for t in DEMO_TABLES)
                )
            )
            if recording:  # this database's entries only: other databases keep theirs
                conn.execute(
                    "SELECT pg_stat_statements_reset(0, d.oid, 0) FROM pg_database d "
                    "WHERE d.datname = current_database()"
                )
        except psycopg.Error as exc:
            raise PgsageError(f"demo: {step} failed: {one_line(str(exc))}") from None
    loaded = time.perf_counter()
    rows = sum(data.counts[t] for t in DEMO_TABLES)
    progress(
        f"loaded {rows:,} rows into {len(DEMO_TABLES)} tables in {loaded - started:.1f} s; "
        "running the workload"
    )
    statements = run_workload(dsn, scale=scale, seed=seed)
    finished = time.perf_counter()
    return DemoStats(
        tables=len(DEMO_TABLES),
        rows=rows,
        load_seconds=loaded - started,
        workload_seconds=finished - loaded,
        statements=statements,
    )


def drop_demo(conn: Connection) -> None:
    """Drop the demo's tables (and with them their indexes, sequences and constraints)."""
    conn.execute(
        sql.SQL("DROP TABLE IF EXISTS {} CASCADE").format(
            sql.SQL(", ").join(sql.Identifier("public", t) for t in reversed(DEMO_TABLES))
        )
    )


def plant_invalid_index(conn: Connection) -> None:
    """Try to add a unique date to daily_stats concurrently, as a migration would; the
    duplicate dates make it fail and leave the index behind, INVALID."""
    statement = sql.SQL("CREATE UNIQUE INDEX CONCURRENTLY {} ON daily_stats (stat_date)").format(
        sql.Identifier(INVALID_INDEX)
    )
    try:
        conn.execute(statement)
    except psycopg.errors.UniqueViolation:
        return
    raise PgsageError(f"demo: {INVALID_INDEX} was expected to fail on duplicate dates")


def _ensure_vector(conn: Connection) -> bool:
    """Install pgvector where it is available; whether the vector type can be used."""
    installed = conn.execute("SELECT 1 FROM pg_extension WHERE extname = 'vector'").fetchone()
    if installed is None:
        available = conn.execute(
            "SELECT 1 FROM pg_available_extensions WHERE name = 'vector'"
        ).fetchone()
        if available is None:
            return False
        try:
            conn.execute("CREATE EXTENSION IF NOT EXISTS vector")
        except psycopg.Error:
            return False
    # Installed into a schema off the search path is as good as missing.
    row = conn.execute(
        "SELECT to_regtype('vector') IS NOT NULL "
        "AND to_regprocedure('l2_normalize(vector)') IS NOT NULL"
    ).fetchone()
    return bool(row and row[0])


def _ensure_pg_stat_statements(conn: Connection) -> bool:
    """Create pg_stat_statements if needed; whether it records (it must be preloaded)."""
    try:
        conn.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
        conn.execute("SELECT count(*) FROM pg_stat_statements")
    except psycopg.Error:
        return False
    return True


def _copy(conn: Connection, data: DemoData, table: CopyTable, *, vector: bool) -> None:
    target = sql.Identifier(table.name)
    columns = sql.SQL(", ").join(sql.Identifier(c) for c in table.columns)
    if table.staging:
        _load_embeddings(conn, data, table, vector=vector)
        return
    # FREEZE: the table was created in this transaction, so the rows can be written frozen.
    statement = sql.SQL("COPY {} ({}) FROM STDIN (FREEZE)").format(target, columns)
    with conn.cursor() as cur, cur.copy(statement) as copy:
        for chunk in table.chunks():
            copy.write(chunk)


# The embedding of a chunk is its document's topic vector plus two noise vectors, normalised:
# chunks of a document cluster together, as real embeddings do. The pools are COPYed into
# temporary tables and the vectors computed by the server, much faster than formatting
# 7.7 million floats in Python.
_EMBED_VECTOR = sql.SQL("l2_normalize(t.v::vector + a.v::vector + b.v::vector)")
_EMBED_ARRAY = sql.SQL(
    "(SELECT array_agg(q.x / q.norm ORDER BY q.i)::real[] FROM ("
    " SELECT i, t.v[i] + a.v[i] + b.v[i] AS x,"
    " sqrt(sum((t.v[i] + a.v[i] + b.v[i]) ^ 2) OVER ()) AS norm"
    " FROM generate_series(1, array_length(t.v, 1)) AS i) AS q)"
)


def _load_embeddings(conn: Connection, data: DemoData, table: CopyTable, *, vector: bool) -> None:
    conn.execute(
        "CREATE TEMP TABLE demo_embedding_pool (kind text, n integer, v real[]) ON COMMIT DROP"
    )
    with conn.cursor() as cur, cur.copy("COPY demo_embedding_pool FROM STDIN") as copy:
        for line in data.noise_pools():
            copy.write(line)
    stage = sql.Identifier("demo_stage_" + table.name)
    columns = [sql.Identifier(c) for c in table.columns]
    conn.execute(
        sql.SQL(
            "CREATE TEMP TABLE {} (LIKE {} INCLUDING DEFAULTS, topic integer, "
            "noise_a integer, noise_b integer) ON COMMIT DROP"
        ).format(stage, sql.Identifier(table.name))
    )
    with (
        conn.cursor() as cur,
        cur.copy(
            sql.SQL("COPY {} ({}) FROM STDIN").format(stage, sql.SQL(", ").join(columns))
        ) as copy,
    ):
        for chunk in table.chunks():
            copy.write(chunk)
    kept = [c for c in table.columns if c not in {"topic", "noise_a", "noise_b"}]
    conn.execute(
        sql.SQL(
            "INSERT INTO {target} ({cols}, embedding) "
            "SELECT {scols}, {embedding} FROM {stage} AS s "
            "JOIN demo_embedding_pool AS t ON t.kind = 'topic' AND t.n = s.topic "
            "JOIN demo_embedding_pool AS a ON a.kind = 'noise' AND a.n = s.noise_a "
            "JOIN demo_embedding_pool AS b ON b.kind = 'noise' AND b.n = s.noise_b "
            "ORDER BY s.id"
        ).format(
            target=sql.Identifier(table.name),
            cols=sql.SQL(", ").join(sql.Identifier(c) for c in kept),
            scols=sql.SQL(", ").join(sql.Identifier("s", c) for c in kept),
            embedding=_EMBED_VECTOR if vector else _EMBED_ARRAY,
            stage=stage,
        )
    )
