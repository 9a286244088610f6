# Fleetledger: every target creates/refreshes the virtualenv it needs.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: token run demo test test-browser chromium screenshots test-unit test-integration test-race test-pipeline lint bench rebuild venv clean

venv: $(STAMP)

$(STAMP): requirements.txt requirements-dev.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt -r requirements-dev.txt
	touch $(STAMP)

run: $(STAMP)  ## start the embedded stack (Postgres, Kafka broker, both services); Ctrl-C stops it
	$(BIN)/python -m deploy.launcher run

demo: $(STAMP)  ## the stack with a simulated clock, filled by the fleet simulator; Ctrl-C stops it
	FLEET_STATE_DIR=.fleetledger/demo $(BIN)/python -m deploy.launcher demo --fresh $(DEMO_ARGS)

test: $(STAMP) chromium  ## unit + integration + race + browser tests against the embedded stack
	$(BIN)/python -m pytest -q

screenshots: $(STAMP) chromium  ## PNGs of every console page at 1280x800 and 390x844 into screenshots/
	FLEET_SCREENSHOTS=screenshots $(BIN)/python -m pytest -q tests/browser/test_console_pages.py

chromium:  ## Debian's chromium for the browser tests, installed (as root) only when missing
	@test -x /usr/bin/chromium || (apt-get update -qq && apt-get install -y -qq chromium)

test-unit: $(STAMP)
	$(BIN)/python -m pytest -q tests/unit

test-integration: $(STAMP)
	$(BIN)/python -m pytest -q tests/integration

test-race: $(STAMP)
	$(BIN)/python -m pytest -q -m race

test-pipeline: $(STAMP)
	$(BIN)/python -m pytest -q tests/pipeline

test-browser: $(STAMP) chromium  ## the operator console in Debian's chromium (Playwright)
	$(BIN)/python -m pytest -q tests/browser

token: $(STAMP)  ## print an admin access token for the running stack (make -s token)
	@$(BIN)/python -m deploy.token

rebuild: $(STAMP)  ## rebuild the read models from the log (blue-green) against the running stack
	$(BIN)/python -m query_service.rebuild

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy command_service query_service shared tools deploy
	$(BIN)/python -m tools.contract_docs --check

bench: $(STAMP)  ## prints throughput/latency figures; see docs/benchmarks.md
	$(BIN)/python -m bench.commands
	$(BIN)/python -m bench.pipeline
	$(BIN)/python -m bench.tokens

clean:
	rm -rf $(VENV) .fleetledger
