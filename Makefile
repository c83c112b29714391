# readside: two set-up commands on a fresh machine, `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test test-unit deps test-deps venv up down status clean

demo: deps venv
	$(BIN)/readside demo

test: test-deps venv
	$(BIN)/pytest -q -ra --durations=10

test-unit: venv
	$(BIN)/pytest -q tests/unit

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
