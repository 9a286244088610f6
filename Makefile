# Fleetledger: every target creates/refreshes the virtualenv it needs.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test test-unit test-integration test-race lint bench venv clean

venv: $(STAMP)

$(STAMP): requirements.txt requirements-dev.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt -r requirements-dev.txt
	touch $(STAMP)

run: $(STAMP)  ## start the embedded stack (Postgres + command service); Ctrl-C stops it
	$(BIN)/python -m deploy.launcher run

test: $(STAMP)  ## unit + integration + race tests against the embedded Postgres
	$(BIN)/python -m pytest -q

test-unit: $(STAMP)
	$(BIN)/python -m pytest -q tests/unit

test-integration: $(STAMP)
	$(BIN)/python -m pytest -q tests/integration

test-race: $(STAMP)
	$(BIN)/python -m pytest -q -m race

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy command_service shared deploy

bench: $(STAMP)  ## prints throughput/latency figures; see docs/benchmarks.md
	$(BIN)/python -m bench.commands

clean:
	rm -rf $(VENV) .fleetledger
