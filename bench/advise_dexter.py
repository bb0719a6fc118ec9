"""pgsage advise on Dexter's own test cases (tests/advise/cases/dexter): the share of cases where
pgsage recommends what Dexter expects (or an equivalent index), on a Debian PostgreSQL 15
cluster with HypoPG started here. Deliberate disagreements are listed with their reason.

    .venv/bin/python bench/advise_dexter.py [--measure] [--json FILE]

``--measure`` also builds, for each deliberate disagreement, Dexter's index and pgsage's for
real and times the statements with EXPLAIN (ANALYZE, BUFFERS, TIMING OFF), best of 5 (and the pages read), to reproduce the
figures the data file quotes.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "advise"))

from dexter_cases import DexterCase, agrees, answer, load_cases, set_up  # noqa: E402

from pgsage.db.cluster import LocalCluster  # noqa: E402

PG15 = Path("/usr/lib/postgresql/15/bin")
GOAL = 0.95
ROUNDS = 5


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--measure", action="store_true")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    if not (PG15 / "postgres").exists():
        print("bench advise-dexter: needs Debian's postgresql-15 and postgresql-15-hypopg")
        raise SystemExit(2)
    home = Path(tempfile.mkdtemp(prefix="pgsage-bench-dexter-"))
    home.chmod(0o755)
    cluster = LocalCluster(
        bindir=PG15,
        home=home / "pg15",
        settings={"shared_preload_libraries": "'pg_stat_statements'", "fsync": "off"},
    )
    cluster.init()
    cluster.start()
    try:
        with psycopg.connect(cluster.dsn("postgres"), autocommit=True) as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier("dexter")))
        dsn = cluster.dsn("dexter")
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute("CREATE EXTENSION pg_stat_statements")
        set_up(dsn)
        rows = run_all(dsn, home)
        if args.measure:
            measure(dsn, [case for case, _, _ in rows if case.ours is not None])
    finally:
        cluster.stop()
        cluster.destroy()
        shutil.rmtree(home, ignore_errors=True)
    report(rows)
    if args.json:
        args.json.write_text(
            json.dumps(
                [
                    {
                        "case": c.name,
                        "expected": sorted(c.expected),
                        "pgsage": sorted(f),
                        "agrees": a,
                    }
                    for c, f, a in rows
                ],
                indent=2,
            )
        )


def run_all(dsn: str, workdir: Path) -> list[tuple[DexterCase, frozenset[str], bool]]:
    rows = []
    for case in load_cases():
        found = answer(dsn, case, workdir)
        rows.append((case, found, agrees(case, found)))
    return rows


def report(rows: list[tuple[DexterCase, frozenset[str], bool]]) -> None:
    agreed = sum(1 for _, _, ok in rows if ok)
    print(f"== Dexter's cases: {len(rows)} ported from ankane/dexter test/*.rb")
    for case, found, ok in rows:
        if ok:
            continue
        mark = "deliberate" if case.ours is not None and found == case.ours else "UNEXPLAINED"
        print(f"   {mark}: {case.name}")
        print(f"      Dexter: {', '.join(sorted(case.expected)) or 'no index'}")
        print(f"      pgsage: {', '.join(sorted(found)) or 'no index'}")
        if case.why and mark == "deliberate":
            print(f"      why: {case.why}")
    share = agreed / len(rows) if rows else 0.0
    verdict = "meets" if share >= GOAL else "below"
    print(f"   agreement: {agreed}/{len(rows)} = {share:.1%} ({verdict} the {GOAL:.0%} goal)")


def measure(dsn: str, cases: list[DexterCase]) -> None:
    """Each disagreement's two answers built for real, the statements timed (best of 5)."""
    for case in cases:
        print(f"== measured: {case.name}")
        for label, answers in (("Dexter", case.expected), ("pgsage", case.ours or frozenset())):
            with psycopg.connect(dsn) as conn:
                for index in sorted(answers):
                    conn.execute(_create(index))
                conn.execute("ANALYZE")
                times = [_best(conn, s) for s in case.statements]
                conn.rollback()
            shown = ", ".join(f"{t:.3f} ms, {pages} pages read" for t, pages in times)
            print(f"   {label} ({', '.join(sorted(answers)) or 'no index'}): {shown}")


def _create(index: str) -> sql.Composed:
    table, _, keys = index.partition(" (")
    schema, _, name = table.partition(".")
    parts = []
    for key in keys.rstrip(")").split(", "):
        column, _, direction = key.partition(" ")
        part = sql.Identifier(column)
        parts.append(sql.SQL("{} DESC").format(part) if direction == "DESC" else part)
    return sql.SQL("CREATE INDEX ON {} ({})").format(
        sql.Identifier(schema, name), sql.SQL(", ").join(parts)
    )


def _best(conn: psycopg.Connection[tuple[object, ...]], statement: str) -> tuple[float, int]:
    """Best execution time of ROUNDS, and the buffers (pages) the last run touched."""
    explain = sql.SQL("EXPLAIN (ANALYZE, BUFFERS, TIMING OFF, FORMAT JSON) ") + sql.SQL(statement)
    best, pages = float("inf"), 0
    for _ in range(ROUNDS):
        row = conn.execute(explain).fetchone()
        assert row is not None
        plan: Any = row[0]
        plan = plan[0]
        best = min(best, float(plan["Execution Time"]))
        top = plan["Plan"]
        pages = int(top.get("Shared Hit Blocks", 0)) + int(top.get("Shared Read Blocks", 0))
    return best, pages


if __name__ == "__main__":
    main()
