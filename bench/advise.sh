#!/usr/bin/env bash
# pgsage advise beside postgres-mcp's index advisor on the demo workload and on TPC-H SF1.
# Installs the peer (bench/setup_peers.sh: postgres-mcp --no-deps, pglast, mcp<2) and the TPC-H
# generator (tpchgen-cli from PyPI, into .bench-venv), generates SF1 once into
# ~/.cache/pgsage-bench/tpch-sf1 (CSV, ~1 GB), then runs bench/advise_bench.py, which starts a
# Debian PostgreSQL 15 cluster with HypoPG as the unprivileged user, loads both databases and
# prints both tools side by side. Extra arguments go to bench/advise_bench.py.
set -uo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 2
PY=${BENCH_PYTHON:-.venv/bin/python}
VENV=${BENCH_VENV:-.bench-venv}
TPCH_DIR=${TPCH_DIR:-$HOME/.cache/pgsage-bench/tpch-sf1}
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
    say "generating TPC-H SF1 into $TPCH_DIR"
    mkdir -p "$TPCH_DIR"
    "$VENV/bin/tpchgen-cli" csv -s 1 -o "$TPCH_DIR" || { say "tpchgen-cli failed"; exit 2; }
fi

"$PY" bench/advise_bench.py --tpch-dir "$TPCH_DIR" "${peer_args[@]}" "$@"
