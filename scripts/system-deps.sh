#!/usr/bin/env bash
# Install the system packages the test suite needs: Debian's PostgreSQL 15 with HypoPG.
# As root with apt we install them; otherwise we say what is missing and carry on (those
# tests then skip, unless PGSAGE_REQUIRE_ALL_SERVERS=1).
set -u
PG15=/usr/lib/postgresql/15/bin/postgres
HYPOPG=/usr/share/postgresql/15/extension/hypopg.control
have_all() { [ -x "$PG15" ] && [ -f "$HYPOPG" ]; }

# Debian's prometheus: promtool and the server for the monitoring tests. The packaged service
# must not start (policy-rc.d; systemd hosts: stopped); the tests run their own on a free port.
have_prometheus() { command -v promtool >/dev/null 2>&1 && command -v prometheus >/dev/null 2>&1; }
if ! have_prometheus && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "system-deps: installing prometheus with apt"
    made_policy=0
    if [ ! -e /usr/sbin/policy-rc.d ]; then
        printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
        made_policy=1
    fi
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null 2>&1 || true
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus \
        >/dev/null 2>&1 || echo "system-deps: apt-get install prometheus failed" >&2
    [ "$made_policy" = 1 ] && rm -f /usr/sbin/policy-rc.d
    if [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; then
        systemctl disable --now prometheus >/dev/null 2>&1 || true
    fi
fi
if have_prometheus; then
    echo "system-deps: prometheus (promtool) is installed"
else
    echo "system-deps: MISSING Debian's prometheus; install it (apt-get install prometheus)" \
         "to run the monitoring tests; they are skipped for now" >&2
fi

# Debian's chromium: the web dashboard's browser test drives it with Playwright (no browser
# download; the test skips without it).
if ! command -v chromium >/dev/null 2>&1 && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "system-deps: installing chromium with apt"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null 2>&1 || true
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium \
        >/dev/null 2>&1 || echo "system-deps: apt-get install chromium failed" >&2
fi
if command -v chromium >/dev/null 2>&1; then
    echo "system-deps: chromium is installed"
else
    echo "system-deps: MISSING Debian's chromium; install it (apt-get install chromium) to run" \
         "the web browser test; it is skipped for now" >&2
fi

# Debian's pgbackrest: the backup tests archive a throwaway PostgreSQL 15 cluster into a local
# repository and restore it (skipped without it).
if ! command -v pgbackrest >/dev/null 2>&1 && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "system-deps: installing pgbackrest with apt"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null 2>&1 || true
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends pgbackrest \
        >/dev/null 2>&1 || echo "system-deps: apt-get install pgbackrest failed" >&2
fi
if command -v pgbackrest >/dev/null 2>&1; then
    echo "system-deps: pgbackrest is installed"
else
    echo "system-deps: MISSING Debian's pgbackrest; install it (apt-get install pgbackrest) to" \
         "run the pgBackRest tests; they are skipped for now" >&2
fi

if have_all; then
    echo "system-deps: PostgreSQL 15 and HypoPG are installed"
    exit 0
fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "system-deps: installing postgresql-15 and postgresql-15-hypopg with apt"
    # Debian would create and start a default cluster on install; the tests make their own.
    mkdir -p /etc/postgresql-common
    grep -qs '^create_main_cluster' /etc/postgresql-common/createcluster.conf ||
        echo 'create_main_cluster = false' >> /etc/postgresql-common/createcluster.conf
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null 2>&1 || true
    apt-get install -y -qq postgresql-15 postgresql-15-hypopg >/dev/null 2>&1 ||
        echo "system-deps: apt-get install failed" >&2
fi
if have_all; then
    echo "system-deps: PostgreSQL 15 and HypoPG are installed"
else
    echo "system-deps: MISSING Debian's postgresql-15 and/or postgresql-15-hypopg;" \
         "install them (apt-get install postgresql-15 postgresql-15-hypopg) to run the" \
         "PostgreSQL 15 tests; they are skipped for now" >&2
fi
exit 0
