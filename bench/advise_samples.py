"""pgsage advise on the three public sample databases, every recommended index built and timed
(issue 19: "the share of recommended indexes that measurably help when built").

For each of Pagila, Chinook and Northwind (their own SQL, read from ``--sampledb``; never copied
into the repository): load it into a throwaway Debian PostgreSQL 15 cluster with HypoPG and
pg_stat_statements, in a database whose collation is not C (``C.UTF-8``, as on most servers:
a plain btree cannot serve ``LIKE 'abc%'`` there), ANALYZE, run the application workload of
``bench/workloads/<db>.sql`` (each statement 20 to 40 times with parameters drawn from the data,
bound server-side so pg_stat_statements records it as written), then run ``pgsage advise`` with
its defaults (workload from pg_stat_statements).

Each recommended index is then built for real on its own copy (bench/advise_judge.py:
``CREATE DATABASE … TEMPLATE``), beside a copy with none and one with the whole set, and every
statement is timed under ``EXPLAIN (ANALYZE, TIMING OFF)`` on three parameter sets each (the
first, middle and last of its parameter rows, as literals), best of ``--rounds`` interleaved
rounds. An index *helps* when a statement it was credited with gets faster by at least
``--min-gain`` (10 %) and ``--min-ms`` (0.05 ms); it is *slower* when any statement of the
workload gets slower by as much; otherwise *neutral*.

    .venv/bin/python bench/advise_samples.py [--sampledb DIR] [--only pagila,chinook]
        [--rounds 7] [--json FILE]
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

import advise_judge
from pgsage.advise.model import Recommendation
from pgsage.commands.advise import AdviseOptions, advise
from pgsage.db.cluster import LocalCluster

ROOT = Path(__file__).resolve().parent.parent
PG15 = Path("/usr/lib/postgresql/15/bin")
WORKLOADS = ROOT / "bench" / "workloads"
SAMPLES = {  # database -> its SQL files, loaded in this order
    "pagila": ("pagila-schema.sql.gz", "pagila-data.sql.gz"),
    "chinook": ("chinook.sql.gz",),
    "northwind": ("northwind.sql.gz",),
}
CLUSTER_SETTINGS = {"fsync": "off", "synchronous_commit": "off", "full_page_writes": "off"}
INSTANCES = 3  # parameter sets timed per statement


@dataclass
class Statement:
    name: str
    text: str
    calls: int
    params_sql: str
    rows: list[tuple[Any, ...]] = field(default_factory=list)


@dataclass
class Verdict:
    index: str
    credited: list[str]
    verdict: str  # helps | neutral | slower | failed
    detail: str
    estimated: list[str] = field(default_factory=list)  # HypoPG's cost before -> after


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sampledb", type=Path, default=Path("/work/shared/corpora/sampledb"))
    parser.add_argument("--only", default=",".join(SAMPLES))
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--min-gain", type=float, default=0.10)
    parser.add_argument("--min-ms", type=float, default=0.05)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    names = [n for n in args.only.split(",") if n]
    missing = [
        f for n in names for f in SAMPLES.get(n, (f"{n}?",)) if not (args.sampledb / f).exists()
    ]
    if missing:
        print(f"advise_samples: missing in {args.sampledb}: {', '.join(missing)}", file=sys.stderr)
        raise SystemExit(2)
    print(f"load average at the start: {os.getloadavg()[0]:.1f}", flush=True)
    home = Path(tempfile.mkdtemp(prefix="pgsage-bench-samples-"))
    home.chmod(0o755)
    cluster = LocalCluster(bindir=PG15, home=home / "pg15", settings=dict(CLUSTER_SETTINGS))
    cluster.init()
    cluster.start()
    results: dict[str, list[Verdict]] = {}
    try:
        for name in names:
            results[name] = sample(cluster, name, args)
    finally:
        cluster.stop()
        cluster.destroy()
        shutil.rmtree(home, ignore_errors=True)
    print()
    print(f"{'database':<10} {'recommended':>11} {'helps':>6} {'neutral':>8} {'slower':>7} share")
    for name, verdicts in results.items():
        count = {v: sum(1 for x in verdicts if x.verdict == v) for v in ("helps", "neutral")}
        slower = sum(1 for x in verdicts if x.verdict in ("slower", "failed"))
        share = f"{count['helps'] / len(verdicts) * 100:.0f} %" if verdicts else "-"
        print(
            f"{name:<10} {len(verdicts):>11} {count['helps']:>6} {count['neutral']:>8} "
            f"{slower:>7} {share}"
        )
    print(f"load average at the end: {os.getloadavg()[0]:.1f}", flush=True)
    if args.json:
        args.json.write_text(
            json.dumps({n: [v.__dict__ for v in vs] for n, vs in results.items()}, indent=2)
        )


def sample(cluster: LocalCluster, name: str, args: argparse.Namespace) -> list[Verdict]:
    admin = cluster.dsn("postgres")
    dsn = cluster.dsn(name)
    print(f"== {name}", flush=True)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
        conn.execute(
            sql.SQL("CREATE DATABASE {} TEMPLATE template0 LOCALE 'C.UTF-8'").format(
                sql.Identifier(name)
            )
        )
    for file in SAMPLES[name]:
        load(dsn, args.sampledb / file)
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS hypopg")
        conn.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
        conn.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        conn.execute("VACUUM ANALYZE")
    statements = read_workload(WORKLOADS / f"{name}.sql")
    run_workload(dsn, statements)
    started = time.perf_counter()
    advice = advise(dsn, AdviseOptions(scratch_dsn=admin))
    print(
        f"   advise: {len(advice.recommendations)} index(es) in "
        f"{time.perf_counter() - started:.1f} s",
        flush=True,
    )
    for recommendation in advice.recommendations:
        print("     " + " ".join(recommendation.fix.to_sql().split())[:200], flush=True)
    return judge(cluster, name, statements, list(advice.recommendations), args)


def load(dsn: str, path: Path) -> None:
    """The sample's own SQL through psql (its data is COPY … FROM stdin)."""
    started = time.perf_counter()
    with gzip.open(path, "rb") as source:
        result = subprocess.run(
            [str(PG15 / "psql"), "-X", "-q", "-v", "ON_ERROR_STOP=0", "-d", dsn, "-f", "-"],
            input=source.read(),
            capture_output=True,
            check=False,
        )
    errors = [line for line in result.stderr.decode().splitlines() if "ERROR" in line]
    print(
        f"   loaded {path.name} in {time.perf_counter() - started:.1f} s"
        + (f" ({len(errors)} error(s), first: {errors[0]})" if errors else ""),
        flush=True,
    )


def read_workload(path: Path) -> list[Statement]:
    statements: list[Statement] = []
    for block in re.split(r"^(?=-- query: )", path.read_text(), flags=re.MULTILINE)[1:]:
        header: dict[str, str] = {}
        body: list[str] = []
        for line in block.splitlines():
            match = re.match(r"-- (query|calls|params): (.*)", line)
            if match and not body:
                header[match.group(1)] = match.group(2).strip()
            elif line.strip() and not line.startswith("--"):
                body.append(line)
        text = "\n".join(body).strip().rstrip(";")
        statements.append(Statement(header["query"], text, int(header["calls"]), header["params"]))
    return statements


def run_workload(dsn: str, statements: list[Statement]) -> None:
    """Every statement ``calls`` times, its parameter rows cycled, through pg_stat_statements."""
    started = time.perf_counter()
    with psycopg.connect(dsn, autocommit=True, cursor_factory=psycopg.RawCursor) as conn:
        for statement in statements:
            statement.rows = [tuple(r) for r in conn.execute(statement.params_sql).fetchall()]
            if not statement.rows:
                raise RuntimeError(f"{statement.name}: its parameter query returned no row")
        conn.execute("SELECT pg_stat_statements_reset()")
        for call in range(max(s.calls for s in statements)):
            for statement in statements:
                if call < statement.calls:
                    row = statement.rows[call % len(statement.rows)]
                    conn.execute(statement.text.encode(), row).fetchall()
    calls = sum(s.calls for s in statements)
    print(
        f"   workload: {len(statements)} statements, {calls} calls in "
        f"{time.perf_counter() - started:.1f} s",
        flush=True,
    )


def instances(conn: psycopg.Connection[Any], statement: Statement) -> list[str]:
    """The statement with literal values: its first, middle and last parameter rows."""
    rows = statement.rows
    picked = sorted({0, len(rows) // 2, len(rows) - 1})[:INSTANCES]
    texts = []
    for index in picked:
        text = statement.text
        for number in range(len(rows[index]), 0, -1):  # $10 before $1
            literal = sql.Literal(rows[index][number - 1]).as_string(conn)
            text = text.replace(f"${number}", literal)
        texts.append(text)
    return texts


def normal(text: str) -> str:
    """The text as pg_stat_statements shows it, constants and parameters alike: ``?``."""
    text = re.sub(r"'(?:[^']|'')*'|\$\d+|\b\d+(?:\.\d+)?\b", "?", text)
    return " ".join(text.split()).rstrip(";").strip()


def judge(
    cluster: LocalCluster,
    name: str,
    statements: list[Statement],
    recommendations: Sequence[Recommendation],
    args: argparse.Namespace,
) -> list[Verdict]:
    if not recommendations:
        return []
    with psycopg.connect(cluster.dsn(name)) as conn:
        timed = [(s.name, text) for s in statements for text in instances(conn, s)]
    sets: dict[str, list[Any]] = {"none": []}
    short = {r.name: f"i{n}" for n, r in enumerate(recommendations, 1)}  # database names
    for recommendation in recommendations:
        sets[short[recommendation.name]] = [recommendation.candidate]
    if len(recommendations) > 1:
        sets["all"] = [r.candidate for r in recommendations]
    print(f"   timing {len(timed)} statements on {len(sets)} copies ({args.rounds} rounds)")
    server = advise_judge.Server(cluster.dsn("postgres"), cluster.dsn)
    plans: dict[str, list[str]] = {}

    def read_plans(copies: list[advise_judge.Measured]) -> None:
        # an index can make a read slower only by changing its plan: a statement whose plan
        # is the same with and without it, yet timed slower, is the machine's noise
        for copy in copies:
            with psycopg.connect(cluster.dsn(copy.database)) as conn:
                plans[copy.name] = [plan_shape(conn, text) for _, text in timed]

    measured = {
        m.name: m
        for m in advise_judge.measure(
            server, name, sets, [t for _, t in timed], args.rounds, before_drop=read_plans
        )
    }

    timings = Timings(timed, measured, plans, args)
    by_text = {normal(s.text): s.name for s in statements}
    verdicts: list[Verdict] = []
    for recommendation in recommendations:
        credited = sorted(
            {by_text.get(normal(q.query), repr(q.query)) for q in recommendation.queries}
        )
        estimated = [
            f"{by_text.get(normal(q.query), q.query[:30])} {q.cost_before:,.1f}->"
            f"{q.cost_after:,.1f}"
            for q in recommendation.queries
        ]
        verdict = timings.verdict(recommendation.name, short[recommendation.name], credited)
        verdict.estimated = estimated
        print(f"     estimated: {'; '.join(estimated)}", flush=True)
        verdicts.append(verdict)
    if "all" in measured:
        timings.verdict("all", "all", sorted(timings.per_statement("none")))
    return verdicts


@dataclass
class Timings:
    """The judge's measurements, per statement of the workload."""

    timed: list[tuple[str, str]]  # (statement, literal instance)
    measured: dict[str, advise_judge.Measured]
    plans: dict[str, list[str]]
    args: argparse.Namespace

    def per_statement(self, set_name: str) -> dict[str, float]:
        totals: dict[str, float] = {}
        for (statement, _), ms in zip(self.timed, self.measured[set_name].best_ms, strict=True):
            totals[statement] = totals.get(statement, 0.0) + ms
        return totals

    def replanned(self, set_name: str) -> set[str]:
        copy = set_name if set_name in self.plans else "none"  # a set sharing the none copy
        return {
            statement
            for (statement, _), a, b in zip(
                self.timed, self.plans["none"], self.plans[copy], strict=True
            )
            if a != b
        }

    def verdict(self, label: str, set_name: str, credited: list[str]) -> Verdict:
        none, after = self.per_statement("none"), self.per_statement(set_name)
        changes = {s: (none[s], after[s]) for s in none}
        faster = [s for s in credited if s in changes and _moved(*changes[s], self.args) < 0]
        replanned = self.replanned(set_name)
        slower = [s for s in changes if _moved(*changes[s], self.args) > 0 and s in replanned]
        detail = "; ".join(
            f"{s} {changes[s][0]:.2f}->{changes[s][1]:.2f} ms"
            for s in sorted(set(credited) | set(slower))
            if s in changes
        )
        errors = self.measured[set_name].errors
        if errors:
            verdict, detail = "failed", "; ".join(errors)
        elif slower:
            verdict = "slower"
        elif faster:
            verdict = "helps"
        else:
            verdict = "neutral"
        print(f"   {label}: {verdict} ({detail})", flush=True)
        return Verdict(label, credited, verdict, detail)


def plan_shape(conn: psycopg.Connection[Any], text: str) -> str:
    row = conn.execute(f"EXPLAIN (COSTS OFF) {text}".encode()).fetchall()
    return "\n".join(str(r[0]) for r in row)


def _moved(before: float, after: float, args: argparse.Namespace) -> int:
    """-1 measurably faster, 1 measurably slower, 0 neither."""
    if before - after >= args.min_ms and after <= before * (1 - args.min_gain):
        return -1
    if after - before >= args.min_ms and after >= before * (1 + args.min_gain):
        return 1
    return 0


if __name__ == "__main__":
    main()
