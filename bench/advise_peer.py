"""postgres-mcp's index advisor (its DatabaseTuningAdvisor, the engine of the
``analyze_workload_indexes`` / ``analyze_query_indexes`` MCP tools) on one workload.

Runs inside .bench-venv (Python >= 3.12, made by bench/setup_peers.sh):

    .bench-venv/bin/python bench/advise_peer.py --dsn postgresql://... [--queries DIR_OR_FILE]
        [--budget-mb N]

Without --queries it reads pg_stat_statements (min_calls=1, min_avg_time_ms=0: the same
statements pgsage reads by default). The last line printed is one JSON object:
``{"seconds": float, "error": str | null, "indexes": [{"table", "columns", "using"}]}``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
import time
from pathlib import Path
from typing import Any


def read_queries(path: Path) -> list[str]:
    files = sorted(path.glob("*.sql")) if path.is_dir() else [path]
    found = []
    for file in files:
        lines = [
            line for line in file.read_text().splitlines() if not line.strip().startswith("--")
        ]
        found += [q.strip() for q in "\n".join(lines).split(";") if q.strip()]
    return found


async def advise(dsn: str, queries: list[str] | None, budget_mb: int) -> dict[str, object]:
    from postgres_mcp.index.dta_calc import DatabaseTuningAdvisor
    from postgres_mcp.sql import DbConnPool, SqlDriver

    pool = DbConnPool()
    await pool.pool_connect(dsn)
    try:
        driver = SqlDriver(conn=pool)
        advisor = DatabaseTuningAdvisor(driver)  # the MCP tools' defaults (30 s time limit)
        started = time.perf_counter()
        if queries:
            result = await advisor.analyze_workload(query_list=queries, max_index_size_mb=budget_mb)
        else:
            result = await advisor.analyze_workload(
                min_calls=1, min_avg_time_ms=0.0, max_index_size_mb=budget_mb
            )
        seconds = time.perf_counter() - started
        note = None
        if result.error:
            # One statement it cannot handle aborts its whole analysis: its parameter binding
            # fails on a jsonb containment (demo), its candidates put a column on the wrong
            # table of an implicit join (TPC-H). Keep the statements it can analyse on their
            # own and run it once more on those, so that it gives an answer to compare. The
            # time reported is of that last run alone (the fairest to it).
            candidates, dropped = await explainable(advisor, queries)
            kept = []
            for item in candidates:
                probe = DatabaseTuningAdvisor(driver)
                alone = await probe.analyze_workload(
                    workload=[dict(item)], max_index_size_mb=budget_mb
                )
                if not alone.error:
                    kept.append(item)
            total = len(candidates) + dropped
            retry = DatabaseTuningAdvisor(driver)
            started = time.perf_counter()
            result = await retry.analyze_workload(
                workload=[dict(k) for k in kept], max_index_size_mb=budget_mb
            )
            seconds = time.perf_counter() - started
            note = (
                f"fails on the whole workload; result and time of a rerun on the "
                f"{len(kept)} of {total} statement(s) it can analyse"
            )
    finally:
        await pool.close()
    error = result.error or note
    if error and "--trace" in sys.argv:
        error += " | " + " | ".join(str(t)[:300] for t in result.dta_traces[-6:])
    return {
        "seconds": round(seconds, 3),
        "error": error,
        "indexes": [
            {"table": r.table, "columns": list(r.columns), "using": r.using}
            for r in result.recommendations
        ],
    }


async def explainable(advisor: Any, queries: list[str] | None) -> tuple[list[Any], int]:
    """The workload entries the advisor can EXPLAIN on their own, and how many it cannot."""
    if queries:
        workload = [{"query": q, "queryid": f"direct-{n}"} for n, q in enumerate(queries)]
    else:
        workload = await advisor._get_query_stats(1, 0.0, 100)
    workload = await advisor._validate_and_parse_workload(workload)
    kept = []
    for item in workload:
        try:
            await advisor.get_explain_plan_with_indexes(item["query"], frozenset())
        except Exception:
            continue
        kept.append(item)
    return kept, len(workload) - len(kept)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--dsn", required=True)
    parser.add_argument("--queries", type=Path)
    parser.add_argument("--budget-mb", type=int, default=10_000)
    parser.add_argument("--trace", action="store_true", help="the last traces with an error")
    args = parser.parse_args()
    logging.disable(logging.CRITICAL)
    queries = read_queries(args.queries) if args.queries else None
    try:
        out = asyncio.run(advise(args.dsn, queries, args.budget_mb))
    except Exception as exc:  # the peer's failure is a result to print, not a crash
        out = {"seconds": None, "error": f"{type(exc).__name__}: {exc}", "indexes": []}
    print(json.dumps(out))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
