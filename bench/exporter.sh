#!/usr/bin/env bash
# `make bench` (via bench/run.sh): pgsage's exporter beside Debian's prometheus-postgres-exporter
# (default collectors) on a 10,000-table database: scrape time and series count.
# Extra arguments go to bench/exporter_bench.py (--runs N, --tables N, --fresh).
# As root with apt, the peer is installed here without starting its service; otherwise, when
# it is missing, pgsage's figures are still measured and the reason is printed with them.
set -uo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 2
PY=${BENCH_PYTHON:-.venv/bin/python}
PEER=prometheus-postgres-exporter
if [ ! -x "$PY" ]; then
    echo "bench: $PY not found; create the venv first (make test, or make demo)" >&2
    exit 2
fi

peer_args=()
if ! command -v "$PEER" >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "== installing $PEER with apt (its service is not started)"
        made_policy=0
        if [ ! -e /usr/sbin/policy-rc.d ]; then
            printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
            made_policy=1
        fi
        DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null 2>&1 || true
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$PEER" \
            >/dev/null 2>&1 || echo "bench: apt-get install $PEER failed" >&2
        [ "$made_policy" = 1 ] && rm -f /usr/sbin/policy-rc.d
        if [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; then
            systemctl disable --now "$PEER" >/dev/null 2>&1 || true
        fi
    fi
    if ! command -v "$PEER" >/dev/null 2>&1; then
        peer_args=(--peer-missing "Debian's $PEER is not installed (apt-get install $PEER)")
    fi
fi

"$PY" bench/exporter_bench.py "${peer_args[@]}" "$@"
