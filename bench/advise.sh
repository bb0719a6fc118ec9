#!/usr/bin/env bash
# pgsage advise beside postgres-mcp's index advisor on the demo workload, on TPC-H and on the
# application workload of bench/advise_app.py, judged by planner cost and by measured time.
# Installs the peer (bench/setup_peers.sh: postgres-mcp --no-deps, pglast, mcp<2) and the TPC-H
# generator (tpchgen-cli from PyPI, into .bench-venv), generates TPC-H once into
# ~/.cache/pgsage-bench/tpch-sf$TPCH_SCALE (CSV; scale 0.1 by default: at SF1 the workload without
# indexes runs for minutes per round, see bench/README.md), then runs bench/advise_bench.py,
# which starts a Debian PostgreSQL 15 cluster with HypoPG as the unprivileged user, loads the
# databases and prints the tools side by side. Extra arguments go to bench/advise_bench.py.
set -uo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 2
PY=${BENCH_PYTHON:-.venv/bin/python}
VENV=${BENCH_VENV:-.bench-venv}
TPCH_SCALE=${TPCH_SCALE:-0.1}
TPCH_DIR=${TPCH_DIR:-$HOME/.cache/pgsage-bench/tpch-sf$TPCH_SCALE}
say() { echo "bench advise: $*"; }

if [ ! -x /usr/lib/postgresql/15/bin/postgres ] || \
        [ ! -f /usr/share/postgresql/15/extension/hypopg.control ]; then
    say "needs Debian's postgresql-15 and postgresql-15-hypopg (make system-deps)"
    exit 2
fi

peer_args=()
if ! bash bench/setup_peers.sh; then
    peer_args=(--peer-missing "bench/setup_peers.sh failed")
fi

if [ ! -f "$TPCH_DIR/lineitem.csv" ]; then
    if [ ! -x "$VENV/bin/tpchgen-cli" ]; then
        say "installing tpchgen-cli into $VENV"
        "$VENV/bin/python" -m pip install -q --disable-pip-version-check tpchgen-cli \
            || { say "cannot install tpchgen-cli"; exit 2; }
    fi
    say "generating TPC-H SF$TPCH_SCALE into $TPCH_DIR"
    mkdir -p "$TPCH_DIR"
    "$VENV/bin/tpchgen-cli" csv -s "$TPCH_SCALE" -o "$TPCH_DIR" \
        || { say "tpchgen-cli failed"; exit 2; }
fi

"$PY" bench/advise_bench.py --tpch-dir "$TPCH_DIR" "${peer_args[@]}" "$@"
