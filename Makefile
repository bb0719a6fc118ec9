# Two commands set up everything on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
PG15_READY = [ -x /usr/lib/postgresql/15/bin/postgres ] && \
             [ -f /usr/share/postgresql/15/extension/hypopg.control ]

.PHONY: demo test lint fmt typecheck unit bench system-deps docs clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $@

demo: $(STAMP)
	$(BIN)/pgsage demo --out demo-report

system-deps:
	@bash scripts/system-deps.sh

lint: $(STAMP)
	$(BIN)/ruff check src tests bench scripts
	$(BIN)/ruff format --check src tests bench scripts
	@# Import contracts ([tool.importlinter] in pyproject.toml; custom types in scripts/).
	$(BIN)/lint-imports

fmt: $(STAMP)
	$(BIN)/ruff check --fix src tests bench scripts
	$(BIN)/ruff format src tests bench scripts

typecheck: $(STAMP)
	MYPY=$(BIN)/mypy bash scripts/typecheck.sh

PYTEST8 := $(VENV)/pytest8

$(PYTEST8)/.stamp: $(STAMP)
	$(BIN)/python -m pip install -q --target $(PYTEST8) 'pytest>=8,<9'
	touch $@

unit: $(STAMP) system-deps $(PYTEST8)/.stamp
	if $(PG15_READY); then export PGSAGE_REQUIRE_ALL_SERVERS=1; fi; \
	$(BIN)/python -m pytest --durations=15
	@# The pytest plugin claims pytest 8 and 9: the venv has 9, this runs its tests on 8.
	PYTHONPATH=$(PYTEST8) $(BIN)/python -m pytest -q -p no:cacheprovider \
	    tests/instrument/test_instrument_pytest_plugin.py

test: lint typecheck unit

docs: $(STAMP)
	$(BIN)/python -m pgsage.checks.docs > docs/checks.md
	$(BIN)/python -m pgsage.checks.docs --pages docs/checks

bench: $(STAMP)
	bash bench/run.sh

clean:
	rm -rf $(VENV) .bench-venv .pytest_cache .mypy_cache .ruff_cache demo-report
