#!/usr/bin/env bash
# Install the peer the snapshot benchmark compares pgsage with: postgres-mcp (crystaldba's
# Postgres MCP Pro) in .bench-venv, a venv of its own, because it needs Python >= 3.12 while
# pgsage's .venv may be 3.11.
#
# Idempotent: a second run checks the import and returns at once. Exit codes: 0 ready,
# 3 no Python >= 3.12 found, 4 the install failed. The last line printed says what happened.
# PEER_PYTHON=/path/to/python3.12 picks the interpreter; BENCH_VENV moves the venv.
set -uo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 4
VENV=${BENCH_VENV:-.bench-venv}
# postgres-mcp 0.3.0 pins pglast==7.2.0; where that exact version is not served, any 7.x works
# for the health check (pglast is only used to parse SQL in restricted mode and index tuning).
PEER_SPEC="postgres-mcp==0.3.0"
STAMP="$VENV/.peer-installed"
STAMP_TEXT="$PEER_SPEC; pglast 7; mcp<2; v1"
CHECK='import postgres_mcp.database_health, postgres_mcp.sql'
# The quick look of a second run: are the packages there (importing them takes seconds)?
QUICK='import importlib.util as u, sys
sys.exit(any(u.find_spec(m) is None for m in
             ("postgres_mcp", "mcp", "pglast", "psycopg", "psycopg_pool", "instructor", "humanize")))'

say() { echo "setup_peers: $*"; }

if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$STAMP_TEXT" ] && [ -x "$VENV/bin/python" ] \
        && "$VENV/bin/python" -c "$QUICK" >/dev/null 2>&1; then
    say "postgres-mcp is ready in $VENV"
    exit 0
fi

find_python() {
    local candidate
    for candidate in "${PEER_PYTHON:-}" python3.12 python3.13 \
            "$HOME"/.pyenv/versions/3.12*/bin/python "$HOME"/.pyenv/versions/3.13*/bin/python \
            /usr/bin/python3.12 /usr/bin/python3.13 python3; do
        [ -n "$candidate" ] || continue
        command -v "$candidate" >/dev/null 2>&1 || continue
        if "$candidate" -c 'import sys, venv; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then
            command -v "$candidate"
            return 0
        fi
    done
    return 1
}

if ! PY=$(find_python); then
    say "postgres-mcp needs Python >= 3.12 and none was found (tried \$PEER_PYTHON, python3.12," \
        "python3.13, ~/.pyenv/versions/3.12*); set PEER_PYTHON=/path/to/python3.12 to use one"
    exit 3
fi

LOG=$(mktemp -t pgsage-bench-setup.XXXXXX)
trap 'rm -f "$LOG"' EXIT
fail() {
    echo "----- last lines of the install log -----"
    grep -v "is ignored: it is neither a file nor a directory" "$LOG" | tail -n 15
    say "could not install postgres-mcp: $1"
    exit 4
}

say "installing $PEER_SPEC into $VENV with $PY ($("$PY" --version 2>&1))"
if [ ! -x "$VENV/bin/python" ]; then
    "$PY" -m venv "$VENV" >>"$LOG" 2>&1 || fail "python -m venv failed"
fi
PIP=("$VENV/bin/python" -m pip install -q --disable-pip-version-check)
"${PIP[@]}" --no-deps "$PEER_SPEC" >>"$LOG" 2>&1 || fail "pip install --no-deps $PEER_SPEC failed"
# What postgres_mcp imports (its package __init__ loads the MCP server module, which loads the
# LLM index advisor, so instructor/openai are needed even for the health check).
"${PIP[@]}" "pglast==7.2.0" >>"$LOG" 2>&1 \
    || "${PIP[@]}" "pglast>=7,<8" >>"$LOG" 2>&1 || fail "pip install pglast 7 failed"
"${PIP[@]}" "mcp[cli]>=1.5,<2" "psycopg[binary,pool]>=3.2.6" "psycopg-pool>=3.2.6" \
    "humanize>=4.8" "instructor>=1.7.9" "attrs>=25.3" >>"$LOG" 2>&1 \
    || fail "pip install of postgres-mcp's dependencies failed"
if ! "$VENV/bin/python" -c "$CHECK" >>"$LOG" 2>&1; then
    fail "postgres_mcp.database_health does not import"
fi
echo "$STAMP_TEXT" >"$STAMP"
say "postgres-mcp $("$VENV/bin/python" -c 'import importlib.metadata as m; print(m.version("postgres-mcp"))') is ready in $VENV"
