# Fleetledger: every target creates/refreshes the virtualenv it needs.
# Python 3.11 only (the pins and the pgserver wheel are built for it): python3.11 if it is
# on PATH, else python3; `make PYTHON=/path/to/python3.11` chooses another.
PYTHON ?= $(firstword $(shell command -v python3.11 python3 2>/dev/null) python3.11)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# The interpreter the venv has, or the one that will create it.
VENV_PYTHON = $(if $(wildcard $(BIN)/python),$(BIN)/python,$(PYTHON))
CHECK_PYTHON := import sys; sys.exit(sys.version_info[:2] != (3, 11))
# Tests run in TEST_WORKERS pytest processes (0: in this one), a whole file at a time so
# module fixtures are built once. Files go out in collection order: xdist's default
# reorder (most tests first) left the long files to last. The pipeline tier's fault tests
# run alone (PYTEST_ALONE): they bound their waits in wall-clock time sized for a box of
# their own. `make test` fills the cores they leave idle (tools/test_tiers.py).
TEST_WORKERS ?= 2
PYTEST_ALONE = $(BIN)/python -m pytest -q
PYTEST = $(PYTEST_ALONE) -n $(TEST_WORKERS) --dist loadfile --no-loadscope-reorder

.PHONY: token run demo test-tools test test-browser chromium screenshots test-unit test-integration test-race test-pipeline lint bench rebuild venv clean python-check

venv: $(STAMP)

python-check:
	@$(VENV_PYTHON) -c '$(CHECK_PYTHON)' 2>/dev/null || { echo "error: Fleetledger needs Python 3.11, but $(VENV_PYTHON) is $$($(VENV_PYTHON) --version 2>&1 | head -n1); install python3.11 or run make PYTHON=/path/to/python3.11" >&2; exit 1; }

# Order-only: checked on every run (an old venv too), never a reason to reinstall.
$(STAMP): requirements.txt requirements-dev.txt pyproject.toml | python-check
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt -r requirements-dev.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .  # the `fleetledger` console script
	touch $(STAMP)

run: $(STAMP)  ## start the embedded stack (Postgres, Kafka broker, both services); Ctrl-C stops it
	$(BIN)/python -m deploy.cli run

demo: $(STAMP)  ## the stack with a simulated clock, filled by the fleet simulator; Ctrl-C stops it
	$(BIN)/python -m deploy.cli demo --fresh $(DEMO_ARGS)

# The README replay test pastes the walk-through into bash: it needs curl and jq.
test-tools:
	@command -v jq >/dev/null || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null \
	  && apt-get update -qq && apt-get install -y -qq jq >/dev/null; } \
	  || { echo "make test needs jq for the README replay: apt-get install jq / brew install jq" >&2; exit 1; }

test: $(STAMP) test-tools chromium  ## unit, integration, race, pipeline, browser and README replay tests
	$(BIN)/python -m tools.test_tiers --alone "$(PYTEST_ALONE)" --spread "$(PYTEST)"

screenshots: $(STAMP) chromium  ## PNGs of every console page at 1280x800 and 390x844 into screenshots/
	FLEET_SCREENSHOTS=screenshots $(PYTEST) tests/browser/test_console_pages.py

chromium:  ## Debian's chromium for the browser tests, installed (as root) only when missing
	@test -x /usr/bin/chromium || (apt-get update -qq && apt-get install -y -qq chromium)

test-unit: $(STAMP)
	$(PYTEST) tests/unit

test-integration: $(STAMP)
	$(PYTEST) tests/integration

test-race: $(STAMP)
	$(PYTEST) -m race

test-pipeline: $(STAMP)
	$(PYTEST_ALONE) tests/pipeline

test-browser: $(STAMP) chromium  ## the operator console in Debian's chromium (Playwright)
	$(PYTEST) tests/browser

token: $(STAMP)  ## print an admin access token for the running stack (make -s token)
	@$(BIN)/python -m deploy.cli token

rebuild: $(STAMP)  ## rebuild the read models from the log (blue-green) against the running stack
	$(BIN)/python -m deploy.cli rebuild

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy command_service query_service shared tools deploy sandbox_provider
	$(BIN)/python -m tools.contract_docs --check
	$(BIN)/python -m tools.config_docs --check
	$(BIN)/python -m tools.api_docs --check

bench: $(STAMP)  ## prints throughput/latency figures; see docs/benchmarks.md
	$(BIN)/python -m bench.commands
	$(BIN)/python -m bench.pipeline
	$(BIN)/python -m bench.tokens

clean:
	rm -rf $(VENV) .fleetledger
