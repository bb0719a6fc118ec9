#!/usr/bin/env bash
# mypy strict over the package, then over tests/, bench/ and scripts/ (`make typecheck`, pre-commit).
# One configuration ([tool.mypy] in pyproject.toml); tests and bench need only a search path:
# pytest puts each test's own folder on sys.path (rootdir-relative "prepend" import mode), so
# helpers such as advise_support.py are imported by their bare name, and mypy must look there too.
# A test folder with a conftest.py of its own (tests/instrument, tests/web) is checked in its own
# run (mypy, unlike pytest, does not allow two top-level modules named conftest in one run).
set -euo pipefail
cd "$(dirname "$0")/.."
MYPY=${MYPY:-.venv/bin/mypy}
CASE_DATA=(--exclude '^tests/lint/cases/' --exclude '^tests/lint/alembic_shop/'
           --exclude '^tests/migrations/projects/' --exclude '^tests/plan/seed_backend/')

"$MYPY"
# Only folders with helper modules go on the path: a test module then keeps its folder in its
# name (checks.test_settings), so two test files of one name in two folders do not collide.
helpers=tests
own_conftest=()
for dir in tests/*/; do
    dir=${dir%/}
    # (a folder with its own conftest is checked apart, but bench/ may import its helpers)
    [ -f "$dir/conftest.py" ] && own_conftest+=("$dir")
    for file in "$dir"/*.py; do
        case ${file##*/} in
            test_*.py | conftest.py) ;;
            *) [ -f "$file" ] && helpers+=":$dir" && break ;;
        esac
    done
done
excluded=()
for dir in "${own_conftest[@]}"; do excluded+=(--exclude "^$dir/"); done
MYPYPATH="$helpers:bench" "$MYPY" --explicit-package-bases "${CASE_DATA[@]}" "${excluded[@]}" \
    tests bench scripts
for dir in "${own_conftest[@]}"; do
    MYPYPATH="$dir:tests" "$MYPY" --explicit-package-bases "$dir"
done
