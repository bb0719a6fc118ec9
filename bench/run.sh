#!/usr/bin/env bash
# `make bench`: pgsage's snapshot of a 10,000-table database beside postgres-mcp's health check.
# Extra arguments go to bench/bench_snapshot.py (--runs N, --fresh, --tables N, --json FILE).
# When postgres-mcp cannot be installed, pgsage's figures are still measured and the reason
# the peer is missing is printed with them.
set -uo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 2
PY=${BENCH_PYTHON:-.venv/bin/python}
if [ ! -x "$PY" ]; then
    echo "bench: $PY not found; create the venv first (make test, or make demo)" >&2
    exit 2
fi

echo "== setting up the peer (postgres-mcp)"
SETUP_LOG=$(mktemp -t pgsage-bench-peers.XXXXXX)
trap 'rm -f "$SETUP_LOG"' EXIT
bash bench/setup_peers.sh 2>&1 | tee "$SETUP_LOG"
setup_status=${PIPESTATUS[0]}

peer_args=()
if [ "$setup_status" -ne 0 ]; then
    reason=$(grep '^setup_peers: ' "$SETUP_LOG" | tail -n 1 | sed 's/^setup_peers: //')
    peer_args=(--peer-missing "${reason:-bench/setup_peers.sh exited with $setup_status}")
fi

rm -f "$SETUP_LOG"
"$PY" bench/bench_snapshot.py "${peer_args[@]}" "$@"
echo; echo "== instrumentation overhead (SQLAlchemy, primary-key look-ups)"; "$PY" bench/bench_instrument.py || echo "bench: instrument failed"
bash bench/exporter.sh || echo "bench: exporter failed"
bash bench/lint.sh || echo "bench: lint failed"
echo; echo "== lint of large SQL files (5 MB, 50 MB), streamed"; "$PY" bench/lint_stream_bench.py || echo "bench: lint stream failed"
bash bench/migrations.sh || echo "bench: migrations failed"
bash bench/advise.sh || echo "bench: advise failed"
echo; echo "== pgvector tune (200,000 x 384, HNSW and IVFFlat)"; "$PY" bench/vector_bench.py || echo "bench: vector failed"
echo; echo "== backup run + verify beside pg_dump + pg_restore"; "$PY" bench/backup_bench.py || echo "bench: backup failed"
echo; echo "== pgsage web under load (10,000 tables, locust, 50 users, 30 s)"; "$PY" bench/web_bench.py || echo "bench: web failed"
echo; echo "== MCP servers: pgsage mcp beside postgres-mcp (demo, scale 0.25, calls side by side)"; "$PY" bench/mcp_bench.py || echo "bench: mcp failed"
echo; echo "== advise on Dexter's own test cases (agreement, PostgreSQL 15 + HypoPG)"; "$PY" bench/advise_dexter.py || echo "bench: advise-dexter failed"
echo; echo "== advise on the Pagila, Chinook and Northwind samples, every index built and timed"; "$PY" bench/advise_samples.py || echo "bench: advise-samples failed"
