"""pgsage advise beside postgres-mcp's index advisor, on the demo workload, on TPC-H and on a
web application's workload (bench/advise_app.py).

Both tools run against the same Debian PostgreSQL 15 cluster with HypoPG (started here, as the
unprivileged user when run as root), with the same size budget. Each tool's recommended set is
then scored by one evaluator, so the numbers compare like with like: the workload's plan cost
(sum over statements of calls x EXPLAIN total cost, every recommended index made hypothetical
with HypoPG), before and after; the number of indexes and their total size (HypoPG's own
estimate, neutral to both); the tool's wall time for its analysis.

Then, on the demo, TPC-H and the application workload, the advice is judged by measured time
(bench/advise_judge.py; the demo's reads are recorded with their values from one round of
its workload on a throwaway copy): every set — none, a hand-picked best set, each tool's — is
built for real on its own copy of the database, and the workload is timed under EXPLAIN
(ANALYZE, TIMING OFF), best of ``--rounds`` interleaved rounds; the table gives each set's
share of the hand set's time saving and its size beside the hand set's.

    .venv/bin/python bench/advise_bench.py [--demo-scale 1.0] [--tpch-dir DIR] [--budget-mb N]
        [--skip-demo] [--skip-tpch] [--skip-app] [--rounds 3] [--peer-missing REASON]
        [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

import advise_app
import advise_judge
from pgsage.advise.analysis import analyze_query
from pgsage.advise.catalog import Catalog
from pgsage.advise.ddl import candidate_name
from pgsage.advise.model import Candidate, Key, RelName, WorkloadQuery
from pgsage.advise.sampled import DEFAULT_SAMPLE_ROWS
from pgsage.advise.search import Budget
from pgsage.advise.whatif import WhatIf
from pgsage.advise.workload import StatementFilter, from_statements, split_statements
from pgsage.commands.advise import AdviseOptions, advise
from pgsage.db.cluster import LocalCluster
from pgsage.demo import build_demo

ROOT = Path(__file__).resolve().parent.parent
PG15 = Path("/usr/lib/postgresql/15/bin")
PEER_PYTHON = ROOT / ".bench-venv" / "bin" / "python"
TPCH_TABLES = ("region", "nation", "part", "supplier", "partsupp", "customer", "orders", "lineitem")
CLUSTER_SETTINGS = {
    "shared_buffers": "'512MB'",
    "maintenance_work_mem": "'512MB'",
    "max_wal_size": "'4GB'",
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "pg_stat_statements.track": "'top'",
}


JUDGED_TEXTS: dict[str, list[str]] = {}  # each judged database's statements, for --json


@dataclass
class Outcome:
    tool: str
    seconds: float | None
    indexes: list[Candidate] = field(default_factory=list)
    error: str | None = None
    cost_before: float | None = None
    cost_after: float | None = None
    size_bytes: int = 0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--demo-scale", type=float, default=1.0)
    parser.add_argument(
        "--tpch-dir", type=Path, default=Path.home() / ".cache" / "pgsage-bench" / "tpch-sf1"
    )
    parser.add_argument("--budget-mb", type=int, default=10_000)
    parser.add_argument("--skip-demo", action="store_true")
    parser.add_argument("--skip-tpch", action="store_true")
    parser.add_argument("--skip-app", action="store_true")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--peer-missing", default=None)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    print(f"load average at the start: {os.getloadavg()[0]:.1f}", flush=True)
    home = Path(tempfile.mkdtemp(prefix="pgsage-bench-advise-"))
    home.chmod(0o755)
    cluster = LocalCluster(bindir=PG15, home=home / "pg15", settings=dict(CLUSTER_SETTINGS))
    cluster.init()
    cluster.start()
    results: dict[str, list[Outcome]] = {}
    judged: dict[str, list[advise_judge.Measured]] = {}
    tpch_name = "tpch-" + args.tpch_dir.name.removeprefix("tpch-")
    try:
        admin = cluster.dsn("postgres")
        if not args.skip_demo:
            results["demo"], judged["demo"] = demo(admin, cluster, args)
        if not args.skip_tpch:
            results[tpch_name], judged[tpch_name] = tpch(admin, cluster, args)
        if not args.skip_app:
            results["app"], judged["app"] = app(admin, cluster, args)
    finally:
        cluster.stop()
        cluster.destroy()
        shutil.rmtree(home, ignore_errors=True)
    report(results, args.budget_mb)
    report_judged(judged, args.rounds)
    print(f"load average at the end: {os.getloadavg()[0]:.1f}", flush=True)
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    w: [
                        o.__dict__ | {"indexes": [candidate_name(c) for c in o.indexes]}
                        for o in out
                    ]
                    for w, out in results.items()
                }
                | {
                    f"{w} measured": [
                        {
                            "set": m.name,
                            "indexes": [candidate_name(c) for c in m.indexes],
                            "size_bytes": m.size_bytes,
                            "workload_ms": round(m.total_ms, 3),
                            "best_ms": [round(v, 3) for v in m.best_ms],
                            "timeouts": m.timeouts,
                            "share_of_hand": advise_judge.share_of_hand(out, m.name),
                        }
                        for m in out
                    ]
                    for w, out in judged.items()
                }
                | {f"{base} statements": texts for base, texts in JUDGED_TEXTS.items()},
                indent=2,
                default=str,
            )
        )


def create_database(admin: str, name: str) -> None:
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def demo(
    admin: str, cluster: LocalCluster, args: argparse.Namespace
) -> tuple[list[Outcome], list[advise_judge.Measured]]:
    create_database(admin, "pgsage_demo")
    dsn = cluster.dsn("pgsage_demo")
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("CREATE EXTENSION hypopg")
        conn.execute("CREATE EXTENSION pg_stat_statements")
        conn.execute("CREATE EXTENSION pg_trgm")  # for the hand set's trigram index
    print(f"== demo database (scale {args.demo_scale}) and its workload", flush=True)
    started = time.perf_counter()
    build_demo(dsn, scale=args.demo_scale)
    print(f"   built in {time.perf_counter() - started:.0f} s", flush=True)
    # The advisors' own EXPLAINs must not become workload for the one that runs second.
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute("ALTER DATABASE pgsage_demo SET pg_stat_statements.track = 'none'")
    with psycopg.connect(dsn) as conn:
        workload = from_statements(conn, StatementFilter())
    outcomes = [run_pgsage(dsn, None, args.budget_mb, admin), run_peer(dsn, None, args)]
    evaluate(dsn, workload, outcomes)
    before = run_pgsage(dsn, None, args.budget_mb, admin, sample_rows=0)
    statements = demo_reads(admin, cluster, args.demo_scale)
    print(f"   {len(statements)} reads of one workload round recorded for judging", flush=True)
    sets = sets_of(advise_app.DEMO_HAND, [*outcomes, before])
    reads = [WorkloadQuery(text=text) for text in statements]
    return outcomes, judge(cluster, "pgsage_demo", sets, reads, args.rounds)


class _RecordingCursor(psycopg.ClientCursor[Any]):
    """Records each SELECT with its parameters bound, as it runs."""

    recorded: list[str] = []

    def execute(self, query: Any, params: Any = None, **kwargs: Any) -> Any:
        text = self.mogrify(query, params)
        if text.lstrip().upper().startswith(("SELECT", "WITH")):
            self.recorded.append(text)
        return super().execute(query, params, **kwargs)


def demo_reads(admin: str, cluster: LocalCluster, scale: float) -> list[str]:
    """The demo workload's reads with their literal values: one round of the demo's mix (the
    same seed as ``pgsage demo``), run on a throwaway copy (its writes are not judged)."""
    from pgsage.demo.workload import MIX, Context

    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute("DROP DATABASE IF EXISTS pgsage_demo_record")
        conn.execute("CREATE DATABASE pgsage_demo_record TEMPLATE pgsage_demo")
    recorded: list[str] = []
    _RecordingCursor.recorded = recorded
    try:
        with psycopg.connect(
            cluster.dsn("pgsage_demo_record"), autocommit=True, cursor_factory=_RecordingCursor
        ) as conn:
            rng = random.Random("42-workload")
            # as run_workload decides: the embeddings are vectors only where pgvector was there
            vector = conn.execute(
                "SELECT pg_catalog.to_regtype('vector') IS NOT NULL AND EXISTS (SELECT 1 FROM "
                "information_schema.columns WHERE table_name = 'knowledge_embeddings' "
                "AND column_name = 'embedding' AND udt_name = 'vector')"
            ).fetchone()
            ctx = Context(scale=scale, seed=42, vector=bool(vector and vector[0]), rng=rng)
            units = [unit for unit, times in MIX for _ in range(times)]
            rng.shuffle(units)
            with conn.cursor() as cur:
                for unit in units:
                    unit(cur, ctx)
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute("DROP DATABASE IF EXISTS pgsage_demo_record")
    return recorded


def tpch(
    admin: str, cluster: LocalCluster, args: argparse.Namespace
) -> tuple[list[Outcome], list[advise_judge.Measured]]:
    create_database(admin, "tpch")
    dsn = cluster.dsn("tpch")
    print(f"== TPC-H from {args.tpch_dir}", flush=True)
    started = time.perf_counter()
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("CREATE EXTENSION hypopg")
        conn.execute((ROOT / "bench" / "tpch" / "schema.sql").read_text().encode())
        for table in TPCH_TABLES:
            load_csv(conn, table, args.tpch_dir / f"{table}.csv")
        conn.execute("VACUUM ANALYZE")
    print(f"   loaded in {time.perf_counter() - started:.0f} s", flush=True)
    queries_dir = ROOT / "bench" / "tpch" / "queries"
    workload_file = Path(cluster.home).parent / "tpch.sql"
    texts = [(queries_dir / f"q{n:02d}.sql").read_text() for n in range(1, 23)]
    workload_file.write_text(";\n".join(t.strip().rstrip(";") for t in texts) + ";\n")
    workload = [WorkloadQuery(text=q) for q in split_statements(workload_file.read_text())]
    outcomes = [
        run_pgsage(dsn, workload_file, args.budget_mb, admin),
        run_peer(dsn, queries_dir, args),
    ]
    evaluate(dsn, workload, outcomes)
    before = run_pgsage(dsn, workload_file, args.budget_mb, admin, sample_rows=0)
    sets = sets_of(advise_app.TPCH_HAND, [*outcomes, before])
    return outcomes, judge(cluster, "tpch", sets, workload, args.rounds)


def app(
    admin: str, cluster: LocalCluster, args: argparse.Namespace
) -> tuple[list[Outcome], list[advise_judge.Measured]]:
    """The application workload: jsonb containment, trigram search, a time-range log table,
    a skewed status column."""
    create_database(admin, "app")
    dsn = cluster.dsn("app")
    print("== application workload (bench/advise_app.py)", flush=True)
    started = time.perf_counter()
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("CREATE EXTENSION hypopg")
        conn.execute(advise_app.SCHEMA.encode())
        conn.execute("VACUUM ANALYZE")
    print(f"   built in {time.perf_counter() - started:.0f} s", flush=True)
    workload_file = Path(cluster.home).parent / "app.sql"
    workload_file.write_text(";\n".join(advise_app.WORKLOAD) + ";\n")
    workload = [WorkloadQuery(text=q) for q in advise_app.WORKLOAD]
    outcomes = [
        run_pgsage(dsn, workload_file, args.budget_mb, admin),
        run_peer(dsn, workload_file, args),
    ]
    evaluate(dsn, workload, outcomes)
    before = run_pgsage(dsn, workload_file, args.budget_mb, admin, sample_rows=0)
    sets = sets_of(advise_app.HAND, [*outcomes, before])
    return outcomes, judge(cluster, "app", sets, workload, args.rounds)


def sets_of(hand: list[Candidate], outcomes: list[Outcome]) -> dict[str, list[Candidate]]:
    """The sets judged: none, the hand-picked one, each tool's that ran; pgsage-0 (pgsage
    with --sample-rows 0: the advisor before issue 13) only when it differs from pgsage's."""
    sets: dict[str, list[Candidate]] = {"none": [], "hand": hand}
    for outcome in outcomes:
        if outcome.seconds is None and not outcome.indexes:
            continue
        if outcome.tool == "pgsage-0" and set(outcome.indexes) == set(sets.get("pgsage", [])):
            print("   pgsage-0 (--sample-rows 0) recommends the same set as pgsage", flush=True)
            continue
        sets[outcome.tool] = outcome.indexes
    return sets


def judge(
    cluster: LocalCluster,
    base: str,
    sets: dict[str, list[Candidate]],
    workload: list[WorkloadQuery],
    rounds: int,
) -> list[advise_judge.Measured]:
    """Each set built on its own copy and the workload timed (bench/advise_judge.py)."""
    print(f"   judging by measured time ({rounds} interleaved rounds)", flush=True)
    JUDGED_TEXTS[base] = [q.text for q in workload]
    server = advise_judge.Server(cluster.dsn("postgres"), cluster.dsn)
    return advise_judge.measure(server, base, sets, [q.text for q in workload], rounds)


def load_csv(conn: psycopg.Connection[Any], table: str, path: Path) -> None:
    copy = sql.SQL("COPY {} FROM STDIN (FORMAT csv, HEADER true)").format(sql.Identifier(table))
    with conn.cursor() as cur, cur.copy(copy) as out, path.open("rb") as source:
        while chunk := source.read(1 << 20):
            out.write(chunk)


def run_pgsage(
    dsn: str,
    queries: Path | None,
    budget_mb: int,
    scratch: str | None = None,
    sample_rows: int = DEFAULT_SAMPLE_ROWS,
) -> Outcome:
    """pgsage's defaults; the sampled copy for GIN/trigram costing is made on the bench's own
    cluster (``scratch``) instead of the embedded server, the same method. ``sample_rows=0``
    is the advisor before issue 13 (what HypoPG cannot simulate left uncosted)."""
    tool = "pgsage" if sample_rows else "pgsage-0"
    print(f"   {tool} advise ...", flush=True)
    started = time.perf_counter()
    advice = advise(
        dsn,
        AdviseOptions(
            queries_file=queries,
            budget=Budget(max_size=budget_mb * 1024 * 1024),
            scratch_dsn=scratch,
            sample_rows=sample_rows,
        ),
    )
    seconds = time.perf_counter() - started
    return Outcome(tool, round(seconds, 3), [r.candidate for r in advice.recommendations])


def run_peer(dsn: str, queries: Path | None, args: argparse.Namespace) -> Outcome:
    if args.peer_missing or not PEER_PYTHON.exists():
        return Outcome("postgres-mcp", None, error=args.peer_missing or "not installed")
    print("   postgres-mcp index advisor ...", flush=True)
    command = [
        str(PEER_PYTHON),
        str(ROOT / "bench" / "advise_peer.py"),
        "--dsn",
        dsn,
        "--budget-mb",
        str(args.budget_mb),
    ]
    if queries is not None:
        command += ["--queries", str(queries)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=1800, check=False)
    lines = done.stdout.strip().splitlines()
    if not lines:
        return Outcome(
            "postgres-mcp", None, error=(done.stderr.strip().splitlines() or ["no output"])[-1]
        )
    data = json.loads(lines[-1])
    indexes = [
        Candidate(
            table=_rel(i["table"]),
            keys=tuple(Key.of(c) for c in i["columns"]),
            method=i.get("using") or "btree",
        )
        for i in data["indexes"]
    ]
    return Outcome("postgres-mcp", data["seconds"], indexes, data["error"])


def _rel(table: str) -> RelName:
    schema, _, name = table.rpartition(".")
    return RelName(schema or "public", name)


def evaluate(dsn: str, workload: list[WorkloadQuery], outcomes: list[Outcome]) -> None:
    """Score every tool's set with the same HypoPG costing: sum of calls x plan cost."""
    with psycopg.connect(dsn) as conn:
        conn.prepare_threshold = None
        catalog = Catalog(conn)
        shaped = []
        for query in workload:
            shape = analyze_query(query.text, catalog)
            if shape is not None and shape.accesses and shape.kind != "other":
                shaped.append((query, shape))
        whatif = WhatIf(conn, catalog, major=15, hypopg=True, real_allowed=False)
        planned = whatif.plan_queries(shaped)
        everything = [c for o in outcomes for c in o.indexes]
        names = {c: f"bench_{n}" for n, c in enumerate(dict.fromkeys(everything))}
        whatif.prepare(list(names), names)
        for outcome in outcomes:
            config = frozenset(outcome.indexes)
            before = after = 0.0
            for planned_query in planned:
                base = whatif.cost(planned_query, frozenset())
                if base is None:
                    continue
                cost = whatif.cost(planned_query, config) or base
                before += base.cost * planned_query.query.calls
                after += cost.cost * planned_query.query.calls
            outcome.cost_before, outcome.cost_after = before, after
            outcome.size_bytes = sum(_hypo_size(conn, c, names[c]) for c in outcome.indexes)
        whatif.close()
        conn.rollback()


def _hypo_size(conn: psycopg.Connection[Any], candidate: Candidate, name: str) -> int:
    from pgsage.advise.ddl import build_in_transaction

    try:
        with conn.transaction():
            row = conn.execute(
                "SELECT hypopg_relation_size(indexrelid) FROM hypopg_create_index(%s)",
                (build_in_transaction(candidate, name),),
            ).fetchone()
            conn.execute("SELECT hypopg_reset()")
    except psycopg.Error:
        return 0
    return int(row[0]) if row else 0


def report(results: dict[str, list[Outcome]], budget_mb: int) -> None:
    print()
    print(
        f"pgsage advise vs postgres-mcp (budget {budget_mb} MB; PostgreSQL 15 + HypoPG; cost "
        "= sum of calls x plan cost, both sets scored by the same evaluator)"
    )
    header = (
        f"{'workload':<10} {'tool':<13} {'cost before':>14} {'cost after':>14} "
        f"{'reduction':>9} {'indexes':>7} {'size':>10} {'wall s':>8}"
    )
    print(header)
    print("-" * len(header))
    for workload, outcomes in results.items():
        for o in outcomes:
            if o.error and not o.indexes and o.seconds is None:
                print(f"{workload:<10} {o.tool:<13} not run: {o.error}")
                continue
            reduction = (1 - (o.cost_after or 0.0) / o.cost_before) * 100 if o.cost_before else 0.0
            print(
                f"{workload:<10} {o.tool:<13} {o.cost_before or 0:>14,.0f} "
                f"{o.cost_after or 0:>14,.0f} {reduction:>8.1f}% {len(o.indexes):>7} "
                f"{o.size_bytes / 1024 / 1024:>8.1f}MB {o.seconds or 0:>8.2f}"
                + (f"  ({o.error})" if o.error else "")
            )
        if len(outcomes) == 2 and all(o.seconds for o in outcomes):
            ratio = (outcomes[0].seconds or 0) / (outcomes[1].seconds or 1)
            print(f"{workload:<10} pgsage time / postgres-mcp time = {ratio:.2f}")
    sys.stdout.flush()


def report_judged(judged: dict[str, list[advise_judge.Measured]], rounds: int) -> None:
    if not judged:
        return
    print()
    print(
        "Judged by measured time: each set built on its own copy (identical statistics), the "
        f"workload under EXPLAIN (ANALYZE, TIMING OFF), best of {rounds} interleaved rounds; "
        "'of hand' = share of the hand-picked set's time saving"
    )
    print(advise_judge.HEADER)
    print("-" * len(advise_judge.HEADER))
    for workload, measured in judged.items():
        for line in advise_judge.table(workload, measured):
            print(line)
    for workload, measured in judged.items():
        share = advise_judge.share_of_hand(measured, "pgsage")
        by_name = {m.name: m for m in measured}
        hand, ours = by_name.get("hand"), by_name.get("pgsage")
        if share is None or hand is None or ours is None or not hand.size_bytes:
            continue
        size = ours.size_bytes / hand.size_bytes
        met = share >= 0.9 and size <= 1.2
        print(
            f"{workload}: pgsage reaches {share * 100:.0f} % of the hand set's saving at "
            f"{size:.2f}x its size (goal >= 90 % at <= 1.2x: {'met' if met else 'not met'})"
        )
    sys.stdout.flush()


if __name__ == "__main__":
    main()
