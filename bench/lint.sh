#!/usr/bin/env bash
# `make bench` part: pgsage lint beside squawk (PyPI squawk-cli) on 1,000 migration statements.
# squawk is installed into a venv of its own (.cache/bench-lint-venv, LINT_PEER_VENV moves it);
# when that fails, pgsage's figures are still measured and the reason is printed with them.
# Extra arguments go to bench/lint_bench.py (--runs N, --statements N).
set -uo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 2
PY=${BENCH_PYTHON:-.venv/bin/python}
VENV=${LINT_PEER_VENV:-.cache/bench-lint-venv}
SQUAWK_SPEC=${SQUAWK_SPEC:-squawk-cli}
if [ ! -x "$PY" ]; then
    echo "bench: $PY not found; create the venv first (make test, or make demo)" >&2
    exit 2
fi

echo "== setting up the peer (squawk)"
peer_args=()
if [ ! -x "$VENV/bin/squawk" ]; then
    if ! { python3 -m venv "$VENV" && "$VENV/bin/python" -m pip install -q "$SQUAWK_SPEC"; }; then
        echo "lint bench: could not install $SQUAWK_SPEC into $VENV"
    fi
fi
if [ -x "$VENV/bin/squawk" ] && "$VENV/bin/squawk" --version >/dev/null 2>&1; then
    echo "lint bench: $("$VENV/bin/squawk" --version) in $VENV"
    peer_args=(--squawk "$VENV/bin/squawk")
else
    peer_args=(--peer-missing "squawk-cli could not be installed into $VENV")
fi
"$PY" bench/lint_bench.py "${peer_args[@]}" "$@"
