# readside: two set-up commands on a fresh machine, `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test test-unit test-cluster test-workers test-es9 test-opensearch lint faults deps test-deps venv up down status clean

demo: deps venv
	$(BIN)/readside demo

test: test-deps venv
	$(BIN)/pytest -q -ra --durations=10

test-unit: venv
	$(BIN)/pytest -q tests/unit

# Elasticsearch as a two-node cluster (its own test stack in .readside-test-es2/): replicas, a node stopped under writes
test-cluster: test-deps venv
	READSIDE_ES_NODES=2 $(BIN)/pytest -q -ra tests/e2e/test_es_cluster.py

# The integration and e2e tiers on OpenSearch (the native integ-test zip; clients through search_client)
test-opensearch: test-deps venv
	READSIDE_SEARCH_ENGINE=opensearch $(BIN)/pytest -q -ra tests/integration tests/e2e

# Two pipeline workers in one group, eight partitions (their own test stack): a worker stopped and killed under writes
test-workers: test-deps venv
	READSIDE_WORKERS=2 READSIDE_TOPIC_PARTITIONS=8 $(BIN)/pytest -q -ra tests/e2e/test_workers.py

# The integration and e2e tiers on Elasticsearch 9 (Java 21+ from /usr/lib/jvm; the 9.x client in .venv-es9)
ES9_VENV := .venv-es9
ES9_CLIENT := $(shell sed -n 's/^ELASTICSEARCH9_CLIENT=//p' infra/versions.env)
test-es9: test-deps venv $(ES9_VENV)/.installed
	READSIDE_SEARCH_ENGINE=elasticsearch9 $(ES9_VENV)/bin/pytest -q -ra tests/integration tests/e2e

$(ES9_VENV)/.installed: pyproject.toml infra/versions.env
	test -x $(ES9_VENV)/bin/python || $(PYTHON) -m venv $(ES9_VENV)
	$(ES9_VENV)/bin/pip install -q --upgrade pip
	$(ES9_VENV)/bin/pip install -q -e '.[dev]'
	$(ES9_VENV)/bin/pip install -q "elasticsearch[async]==$(ES9_CLIENT)"
	$(ES9_VENV)/bin/python -c "import elasticsearch as c, sys; sys.exit(c.__versionstr__ != '$(ES9_CLIENT)')"
	touch $@

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
	rm -rf $(VENV) $(ES9_VENV) .pytest_cache
	find . -name __pycache__ -type d -prune -not -path './.readside/*' -exec rm -rf {} +
