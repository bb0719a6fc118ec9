"""Time postgres-mcp's database health check ("all") against one database.

Runs inside .bench-venv (Python >= 3.12, made by bench/setup_peers.sh), never in pgsage's venv:

    .bench-venv/bin/python bench/peer_postgres_mcp.py --dsn postgresql://... [--runs 3]

The health check is driven the way postgres-mcp's ``analyze_db_health`` MCP tool drives it: a
``DbConnPool`` wrapped in the ``SqlDriver`` of its default (unrestricted) access mode, or in the
``SafeSqlDriver`` of ``--access-mode restricted`` (read-only, every query parsed and checked,
30 s per query). The last line printed is one JSON object:
``{"seconds": <median>, "ok": bool, "error": str | null, "runs": [...], ...}``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import statistics
import sys
import time
from typing import Any

ERROR_PREFIX = "Error calculating database health"
# The labels DatabaseHealthTool.health() puts before each section of its text.
SECTIONS = (
    "Invalid index check",
    "Duplicate index check",
    "Index bloat",
    "Unused index check",
    "Connection health",
    "Vacuum health",
    "Sequence health",
    "Replication health",
    "Buffer health for indexes",
    "Buffer health for tables",
    "Constraint health",
)


def summarize(text: str) -> dict[str, str]:
    """The first line of each section of the health text, cut short."""
    found: dict[str, str] = {}
    for line in text.splitlines():
        for label in SECTIONS:
            if line.startswith(label + ": ") and label not in found:
                found[label] = line[len(label) + 2 :][:120]
    return found


async def section_seconds(driver: Any) -> dict[str, float]:
    """Time each check that health("all") runs, separately, in the order it runs them."""
    from postgres_mcp.database_health import (
        buffer_health_calc,
        connection_health_calc,
        constraint_health_calc,
        index_health_calc,
        replication_calc,
        sequence_health_calc,
        vacuum_health_calc,
    )

    index = index_health_calc.IndexHealthCalc(driver)
    buffer = buffer_health_calc.BufferHealthCalc(driver)
    steps = {
        "index: invalid (+ load all indexes)": index.invalid_index_check,
        "index: duplicate": index.duplicate_index_check,
        "index: bloat": index.index_bloat,
        "index: unused": index.unused_indexes,
        "connection": connection_health_calc.ConnectionHealthCalc(driver).connection_health_check,
        "vacuum": vacuum_health_calc.VacuumHealthCalc(driver).transaction_id_danger_check,
        "sequence": sequence_health_calc.SequenceHealthCalc(driver).sequence_danger_check,
        "replication": replication_calc.ReplicationCalc(driver).replication_health_check,
        "buffer: indexes": buffer.index_hit_rate,
        "buffer: tables": buffer.table_hit_rate,
        "constraint": constraint_health_calc.ConstraintHealthCalc(driver).invalid_constraints_check,
    }
    timings: dict[str, float] = {}
    for name, step in steps.items():
        started = time.perf_counter()
        await step()
        timings[name] = round(time.perf_counter() - started, 3)
    return timings


async def measure(
    dsn: str, runs: int, warmup: int, access_mode: str, details: bool
) -> dict[str, Any]:
    started = time.perf_counter()
    from postgres_mcp.database_health import DatabaseHealthTool
    from postgres_mcp.database_health.index_health_calc import IndexHealthCalc
    from postgres_mcp.sql import DbConnPool, SafeSqlDriver, SqlDriver

    import_seconds = time.perf_counter() - started
    pool = DbConnPool(dsn)
    result: dict[str, Any] = {
        "seconds": None,
        "ok": False,
        "error": None,
        "runs": [],
        "import_seconds": round(import_seconds, 3),
        "access_mode": access_mode,
    }
    try:
        connect_started = time.perf_counter()
        await pool.pool_connect()
        result["connect_seconds"] = round(time.perf_counter() - connect_started, 3)
        base = SqlDriver(conn=pool)
        driver: Any = (
            SafeSqlDriver(sql_driver=base, timeout=30) if access_mode == "restricted" else base
        )
        text = ""
        for number in range(warmup + runs):
            tool = DatabaseHealthTool(driver)
            run_started = time.perf_counter()
            text = await tool.health(health_type="all")
            seconds = time.perf_counter() - run_started
            if number >= warmup:
                result["runs"].append(round(seconds, 3))
            if text.startswith(ERROR_PREFIX):
                result["error"] = text.strip()[:500]
                break
        result["ok"] = result["error"] is None and bool(result["runs"])
        if result["runs"]:
            result["seconds"] = round(statistics.median(result["runs"]), 3)
        result["sections"] = summarize(text)
        result["report_lines"] = len(text.splitlines())
        result["report_chars"] = len(text)
        if details:  # outside the timed runs
            result["indexes"] = len(await IndexHealthCalc(base)._indexes())
            result["section_seconds"] = await section_seconds(driver)
    except Exception as exc:  # report any failure as data, the caller prints it
        result["ok"] = False
        result["error"] = f"{type(exc).__name__}: {exc}"[:500]
    finally:
        await pool.close()
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dsn", required=True)
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--warmup", type=int, default=0)
    parser.add_argument(
        "--access-mode", choices=("unrestricted", "restricted"), default="unrestricted"
    )
    parser.add_argument(
        "--details",
        action="store_true",
        help="after the runs, count the indexes seen and time each check",
    )
    args = parser.parse_args(argv)
    # postgres-mcp logs every failing query with its full text; keep stderr readable.
    logging.basicConfig(level=logging.CRITICAL)
    result = asyncio.run(measure(args.dsn, args.runs, args.warmup, args.access_mode, args.details))
    print(json.dumps(result), flush=True)
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
