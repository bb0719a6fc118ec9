"""pgsage's MCP server beside postgres-mcp's, through the same stdio MCP client, on the demo.

Starts a Debian PostgreSQL 15 cluster (HypoPG, pg_stat_statements), builds the demo database
and its workload, then times the common calls through each server's own MCP session (both
sessions open at once; each call is made on one server, then on the other, a warm-up call and
then --runs timed calls each, so that both are timed in the same seconds of the machine):

    audit            ~ analyze_db_health (health_type all)
    top_queries      ~ get_top_queries (sort_by total)
    explain          ~ explain_query
    advise_indexes   ~ analyze_workload_indexes (method dta), twice: pgsage's default (the 20
                       heaviest statements) and pgsage given the peer's thresholds
    advise_indexes   ~ analyze_query_indexes (4 given statements)

The workload advice must answer the same question on both sides. postgres-mcp's workload
advisor only reads statements with calls >= 50 and mean time >= 5 ms (its index_opt_base.py)
and aborts the whole workload on a statement it cannot bind. So the demo is built at scale 0.25
(its report statements take 5-25 ms a call there; at 0.05 none reaches 5 ms and the peer
answered "no recommendations" after one query) and, after the build's own round of the demo
workload, --rounds more rounds replay it with another seed so that its statements pass 50
calls; the replay leaves out applications_search, whose jsonb @> statement makes the peer's
advisor fail ("Error executing explain": it binds the $1 of ``interview_data @> $1`` as an
integer). That statement keeps its 30 calls of the build, under the peer's threshold, and
stays in pgsage's top 20. Each advice call's row says how many indexes each tool recommended
and for how many statements, so a tool that answers nothing shows as such.

Prints the median (and best) milliseconds per call, the ratio of the medians pgsage /
postgres-mcp (goal: <= 0.5), how many checks each health call runs, and the machine's load
average before and after (the figures are wall-clock times). postgres-mcp comes from
.bench-venv (bench/setup_peers.sh).

    .venv/bin/python bench/mcp_bench.py [--scale 0.25] [--rounds 6] [--runs 9] [--json FILE]
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import anyio
import psycopg
from mcp.client.session import ClientSession
from mcp.client.stdio import StdioServerParameters, stdio_client

from advise_bench import CLUSTER_SETTINGS, PG15, create_database
from peer_postgres_mcp import SECTIONS
from pgsage.db.cluster import LocalCluster
from pgsage.db.embedded import EmbeddedServer
from pgsage.demo import build_demo, run_workload

ROOT = Path(__file__).resolve().parent.parent
# Between two timed calls: what a server does in the background after answering (pgsage's
# pool resets its sessions, about a millisecond) ends before the next call starts.
SETTLE_SECONDS = 0.02
PEER = ROOT / ".bench-venv" / "bin" / "postgres-mcp"
EXPLAIN_SQL = (
    "SELECT page_path, count(*) AS views FROM site_visits "
    "WHERE visit_date = current_date - 1 GROUP BY page_path ORDER BY views DESC LIMIT 20"
)

# the demo's own statements with values: the advisors on a given workload (the peer's
# pg_stat_statements advisor skips statements under its call-count and time thresholds)
QUERIES = [
    "SELECT created_at, event_type, command, message_text FROM bot_logs "
    "WHERE telegram_user_id = 4242 ORDER BY created_at DESC LIMIT 20",
    "SELECT count(*) AS views, max(visited_at) AS last_visit FROM site_visits "
    "WHERE page_path = '/services'",
    "SELECT id, title, published_date FROM news WHERE title ILIKE 'bot%' "
    "ORDER BY published_date DESC LIMIT 20",
    "SELECT service_id, name, price FROM services WHERE category = 'web' AND is_active "
    "ORDER BY price",
]


@dataclass(frozen=True)
class Call:
    label: str
    pgsage: tuple[str, dict[str, Any]]
    peer: tuple[str, dict[str, Any]]


CALLS = (
    Call("health", ("audit", {}), ("analyze_db_health", {"health_type": "all"})),
    Call(
        "top queries",
        ("top_queries", {"order_by": "total_time", "limit": 10}),
        ("get_top_queries", {"sort_by": "total_time", "limit": 10}),
    ),
    Call("explain", ("explain", {"query": EXPLAIN_SQL}), ("explain_query", {"sql": EXPLAIN_SQL})),
    Call(
        "index advice",
        ("advise_indexes", {"top": 20}),
        ("analyze_workload_indexes", {"method": "dta"}),
    ),
    Call(
        "advice (>=50x)",  # the peer's own thresholds given to pgsage
        ("advise_indexes", {"top": 100, "min_calls": 50, "min_mean_ms": 5.0}),
        ("analyze_workload_indexes", {"method": "dta"}),
    ),
    Call(
        "advice (4 qs)",
        ("advise_indexes", {"queries": QUERIES}),
        ("analyze_query_indexes", {"queries": QUERIES, "method": "dta"}),
    ),
)


@dataclass
class Timing:
    seconds: float | None = None
    runs: list[float] = field(default_factory=list)
    error: str | None = None
    checks: int | None = None
    advice: str = ""  # advice calls: "N indexes for M statements" of the last answer
    warmup: float | None = None  # the untimed first call's seconds (cold caches, copies made)
    sample: str = ""  # the start of the last answer's text, to see what was measured


def text_of(result: Any) -> str:
    return " ".join(getattr(c, "text", "") for c in result.content)


def checks_run(server: str, result: Any) -> int | None:
    """pgsage: the audit's checks_run; postgres-mcp: the sections its health text holds."""
    if server == "pgsage":
        content = result.structured_content or {}
        return int(content["checks_run"]) if "checks_run" in content else None
    text = text_of(result)
    return sum(1 for label in SECTIONS if f"{label}: " in text)


def advice_counts(server: str, result: Any) -> str:
    """How many indexes an advice answer recommends, and for how many statements: pgsage's
    structured result (the statements it planned); postgres-mcp's text is a Python dict whose
    query_impact lists the statements its indexes change (an error answer counts none)."""
    if server == "pgsage":
        content = result.structured_content or {}
        recommendations = content.get("recommendations", [])
        planned = [q for q in content.get("queries", []) if not q.get("skipped")]
        return f"{len(recommendations)} for {len(planned)} statements"
    try:
        answer = ast.literal_eval(text_of(result))
    except (ValueError, SyntaxError):
        return "not parsed: " + text_of(result)[:60]
    if not isinstance(answer, dict) or "error" in answer:
        return "error: " + str(answer.get("error") if isinstance(answer, dict) else answer)[:60]
    recommendations = answer.get("recommendations", [])
    impact = answer.get("query_impact", [])
    return f"{len(recommendations)} for {len(impact)} statements"


async def time_side_by_side(
    sessions: dict[str, ClientSession], runs: int
) -> dict[str, dict[str, Timing]]:
    """Each call on each server in turn, run after run: both servers are timed in the same
    seconds, so a machine that slows down for a while (a shared 2-core VM does) slows both.
    A server's background work after a call (pgsage's pool resets its sessions) is left
    SETTLE_SECONDS to finish before the other server's call is timed."""
    timings: dict[str, dict[str, Timing]] = {server: {} for server in sessions}
    for call in CALLS:
        live = dict(sessions)
        for server in sessions:
            timings[server][call.label] = Timing()
        for number in range(runs + 1):  # the first call warms the caches, untimed
            for server, session in list(live.items()):
                tool, args = call.pgsage if server == "pgsage" else call.peer
                timing = timings[server][call.label]
                started = time.perf_counter()
                try:
                    result = await session.call_tool(tool, args)
                except Exception as exc:  # report a server that fails as data
                    timing.error = f"{type(exc).__name__}: {exc}"[:200]
                    del live[server]
                    continue
                seconds = time.perf_counter() - started
                if result.is_error:
                    timing.error = text_of(result)[:200]
                    del live[server]
                    continue
                if number:
                    timing.runs.append(round(seconds, 4))
                else:
                    timing.warmup = round(seconds, 4)
                timing.sample = text_of(result)[:300]
                if call.label == "health":
                    timing.checks = checks_run(server, result)
                if call.pgsage[0] == "advise_indexes":
                    timing.advice = advice_counts(server, result)
                await anyio.sleep(SETTLE_SECONDS)
        for server in sessions:
            timing = timings[server][call.label]
            if timing.runs and timing.error is None:
                timing.seconds = statistics.median(timing.runs)
    return timings


def pgsage_params(dsn: str, home: Path) -> StdioServerParameters:
    env = {k: v for k, v in os.environ.items() if k.startswith(("PATH", "HOME", "LANG"))}
    env["PYTHONPATH"] = os.environ.get("PYTHONPATH", str(ROOT / "src"))
    env["PGSAGE_HOME"] = str(home / "pgsage-home")
    return StdioServerParameters(
        command=sys.executable, args=["-m", "pgsage.cli.main", "mcp", "--dsn", dsn], env=env
    )


def peer_params(dsn: str) -> StdioServerParameters:
    env = {k: v for k, v in os.environ.items() if k.startswith(("PATH", "HOME", "LANG"))}
    env["DATABASE_URI"] = dsn
    return StdioServerParameters(
        command=str(PEER), args=["--access-mode=unrestricted", "--transport=stdio"], env=env
    )


def measure(servers: dict[str, StdioServerParameters], runs: int) -> dict[str, dict[str, Timing]]:
    """Both servers' MCP sessions open at once (stdio clients of the same SDK), timed side by
    side."""
    print(f"== {', '.join(servers)}: {len(CALLS)} calls x {runs} (+1 warm-up) each", flush=True)

    async def main() -> dict[str, dict[str, Timing]]:
        with open(os.devnull, "w") as errlog:
            async with AsyncExitStack() as stack:
                sessions: dict[str, ClientSession] = {}
                for server, params in servers.items():
                    read, write = await stack.enter_async_context(
                        stdio_client(params, errlog=errlog)
                    )
                    session = await stack.enter_async_context(ClientSession(read, write))
                    await session.initialize()
                    sessions[server] = session
                return await time_side_by_side(sessions, runs)

    try:
        return anyio.run(main)
    except Exception as exc:  # a server that cannot start: its calls are reported as failed
        error = Timing(error=f"{type(exc).__name__}: {exc}"[:200])
        return {server: {c.label: error for c in CALLS} for server in servers}


# postgres-mcp's workload advisor aborts on this unit's statement (see the docstring)
REPLAY_LEAVES_OUT = ("applications_search",)


def build(cluster: LocalCluster, scale: float, rounds: int) -> str:
    admin = cluster.dsn("postgres")
    create_database(admin, "pgsage_demo")
    dsn = cluster.dsn("pgsage_demo")
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("CREATE EXTENSION hypopg")
        conn.execute("CREATE EXTENSION pg_stat_statements")
    started = time.perf_counter()
    build_demo(dsn, scale=scale)
    built = time.perf_counter()
    print(f"== demo database (scale {scale}) built in {built - started:.0f} s")
    if rounds:
        run_workload(dsn, scale=scale, seed=43, rounds=rounds, leave_out=REPLAY_LEAVES_OUT)
        print(f"== {rounds} more rounds of its workload in {time.perf_counter() - built:.0f} s")
    # the servers' own statements must not become the workload the other one advises on
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute("ALTER DATABASE pgsage_demo SET pg_stat_statements.track = 'none'")
    return dsn


def ms(seconds: float | None) -> str:
    return "-" if seconds is None else f"{seconds * 1000:.1f}"


def cell(timing: Timing) -> str:
    if timing.seconds is None:
        return f"error: {timing.error}" if timing.error else "-"
    return f"{timing.seconds * 1000:7.1f} ({min(timing.runs) * 1000:6.1f})"


def report(results: dict[str, dict[str, Timing]]) -> None:
    ours, peer = results["pgsage"], results.get("postgres-mcp", {})
    print(f"\nms per call, median (best)\n{'call':<14} {'pgsage':>16} {'postgres-mcp':>16}  ratio")
    for call in CALLS:
        mine, theirs = ours[call.label], peer.get(call.label, Timing(error="not run"))
        ratio = "-"
        if mine.seconds and theirs.seconds:
            ratio = f"{mine.seconds / theirs.seconds:.2f}"
        print(f"{call.label:<14} {cell(mine):>16} {cell(theirs):>16}  {ratio}")
    print("\nindexes recommended (last answer)")
    for call in CALLS:
        mine, theirs = ours[call.label], peer.get(call.label, Timing())
        if mine.advice or theirs.advice:
            print(
                f"{call.label:<14} pgsage {mine.advice or '-'}; postgres-mcp {theirs.advice or '-'}"
            )
    print("\nwarm-up calls (not in the medians), ms")
    for call in CALLS:
        mine, theirs = ours[call.label], peer.get(call.label, Timing())
        print(f"{call.label:<14} pgsage {ms(mine.warmup)}; postgres-mcp {ms(theirs.warmup)}")
    health, peer_health = ours["health"], peer.get("health", Timing())
    print(
        f"\nchecks per health call: pgsage audit {health.checks}, "
        f"postgres-mcp analyze_db_health {peer_health.checks} sections"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=0.25)
    parser.add_argument(
        "--rounds", type=int, default=6, help="workload rounds replayed after the build's one"
    )
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--peer-missing", default=None)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="pgsage-bench-mcp-"))
    home.chmod(0o755)
    cluster = LocalCluster(bindir=PG15, home=home / "pg15", settings=dict(CLUSTER_SETTINGS))
    cluster.init()
    cluster.start()
    results: dict[str, dict[str, Timing]] = {}
    try:
        dsn = build(cluster, args.scale, args.rounds)
        load_before = os.getloadavg()[0]
        servers = {"pgsage": pgsage_params(dsn, home)}
        if args.peer_missing or not PEER.exists():
            print(f"== postgres-mcp: {args.peer_missing or 'not installed (setup_peers.sh)'}")
        else:
            servers["postgres-mcp"] = peer_params(dsn)
        results = measure(servers, args.runs)
    finally:
        cluster.stop()
        cluster.destroy()
        # pgsage mcp's scratch server for the advisor's samples (PGSAGE_HOME's embedded server)
        # outlives the MCP session, as the embedded server does: stopped before its folder goes.
        if (home / "pgsage-home").exists():
            EmbeddedServer(home=home / "pgsage-home").stop()
        shutil.rmtree(home, ignore_errors=True)
    report(results)
    print(f"load average (1 min): {load_before:.2f} before, {os.getloadavg()[0]:.2f} after")
    if args.json:
        data = {s: {k: t.__dict__ for k, t in r.items()} for s, r in results.items()}
        args.json.write_text(json.dumps(data, indent=2))


if __name__ == "__main__":
    main()
