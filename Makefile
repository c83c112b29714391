# readside: two set-up commands on a fresh machine, `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test test-unit test-cluster lint faults deps test-deps venv up down status clean

demo: deps venv
	$(BIN)/readside demo

test: test-deps venv
	$(BIN)/pytest -q -ra --durations=10

test-unit: venv
	$(BIN)/pytest -q tests/unit

# Elasticsearch as a two-node cluster (its own test stack in .readside-test-es2/): replicas, a node stopped under writes
test-cluster: test-deps venv
	READSIDE_ES_NODES=2 $(BIN)/pytest -q -ra tests/e2e/test_es_cluster.py

# ruff (lint, then the format check) and mypy, configured in pyproject.toml
lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

# The kill and stall matrix (about 40 min): every part of the stack under load; figures in bench/results/faults.md
faults: deps venv
	$(BIN)/readside up
	cd bench && ../$(BIN)/python faults.py

deps:
	@infra/scripts/install-system-deps.sh

test-deps:
	@infra/scripts/install-system-deps.sh --with-browser

venv: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $(STAMP)

up: venv
	$(BIN)/readside up

down: venv
	$(BIN)/readside down

status: venv
	$(BIN)/readside status

# Stop the stack if it runs, then remove the virtualenv and caches; the stack's data and downloads in
# .readside/ stay (`readside down --purge` deletes the data).
clean:
	-test -x $(BIN)/readside && $(BIN)/readside down
	rm -rf $(VENV) .pytest_cache
	find . -name __pycache__ -type d -prune -not -path './.readside/*' -exec rm -rf {} +
