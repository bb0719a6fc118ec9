#!/usr/bin/env bash
# `make bench` part: pgsage migrations check beside pytest-alembic on a generated project.
# pytest-alembic goes into a venv of its own (.cache/bench-migrations-venv, MIGRATIONS_PEER_VENV
# moves it); when that fails, pgsage's figures are still measured and the reason is printed.
# Extra arguments go to bench/migrations_bench.py (--revisions N, --runs N).
set -uo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 2
PY=${BENCH_PYTHON:-.venv/bin/python}
VENV=${MIGRATIONS_PEER_VENV:-.cache/bench-migrations-venv}
if [ ! -x "$PY" ]; then
    echo "bench: $PY not found; create the venv first (make test, or make demo)" >&2
    exit 2
fi

echo "== setting up the peer (pytest-alembic)"
peer_args=()
if ! "$VENV/bin/python" -c "import pytest_alembic, psycopg" >/dev/null 2>&1; then
    if ! { python3 -m venv "$VENV" && "$VENV/bin/python" -m pip install -q pytest-alembic "pytest<9" \
            "psycopg[binary]"; }; then
        echo "migrations bench: could not install pytest-alembic into $VENV"
    fi
fi
if "$VENV/bin/python" -c "import pytest_alembic, psycopg" >/dev/null 2>&1; then
    peer_args=(--peer-python "$VENV/bin/python")
else
    peer_args=(--peer-missing "pytest-alembic could not be installed into $VENV")
fi
"$PY" bench/migrations_bench.py "${peer_args[@]}" "$@"
