# Two commands on a fresh machine: `make run` serves the chat, `make test` passes the tests.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export HF_HUB_OFFLINE := 1
BOT_HOST ?= 127.0.0.1
BOT_PORT ?= 8000

.PHONY: run test lint index bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Installs are stamped so repeated runs cost nothing until pyproject.toml changes.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	@# Export the bundled model to ONNX once, offline (.cache/onnx/); torch stays the fallback.
	$(BIN)/python -m bot.search.onnx_export || echo "warning: no ONNX export; the model runs on torch"
	touch $@

$(VENV)/.installed-dev: pyproject.toml $(VENV)/.installed
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

index: $(VENV)/.installed
	$(BIN)/bot index --if-stale

run: index
	@test -f bot.env -o -n "$$BOT_ENV_FILE" || echo "A demo clinic: before going live, run .venv/bin/bot setup (README: Going live)."
	$(BIN)/bot serve --host $(BOT_HOST) --port $(BOT_PORT)

# The browser tests drive Debian's chromium; install it once if missing. If it cannot be
# installed, pytest still runs and those tests fail (never skip) saying why.
CHROMIUM := /usr/bin/chromium

test: $(VENV)/.installed-dev
	@test -x $(CHROMIUM) || (apt-get update -q && DEBIAN_FRONTEND=noninteractive \
		apt-get install -y -q --no-install-recommends chromium) \
		|| echo "warning: could not install chromium; the browser tests will fail"
	@# The database tests run a throwaway PostgreSQL server (unless BOT_TEST_POSTGRES_URL is set).
	@test -n "$$BOT_TEST_POSTGRES_URL" || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 \
		|| (apt-get update -q && DEBIAN_FRONTEND=noninteractive \
		apt-get install -y -q --no-install-recommends postgresql) \
		|| echo "warning: could not install postgresql; the PostgreSQL tests will fail"
	@# The multi-server test runs Redis and nginx itself (never as services).
	@.ci/install-debian redis-server nginx \
		|| echo "warning: could not install redis-server and nginx; the multi-server tests will fail"
	$(BIN)/python -m pytest

# Benchmarks (not part of `make test`): latency, throughput, builds, 1M-passage search;
# prints a table, appends to bench/results.jsonl, draws docs/performance.png. About 25 min,
# plus about 30 min once to build the clinic + MedQuAD index (cached in bench/.cache/).
BENCH_ARGS ?= --corpora clinic,medquad --build --ann 1000000
bench: $(VENV)/.installed-bench
	$(BIN)/python -m bench.run $(BENCH_ARGS)
	$(BIN)/python -m bench.plot

$(VENV)/.installed-bench: pyproject.toml $(VENV)/.installed
	$(BIN)/pip install --quiet -e '.[bench]'
	touch $@

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check bot tests
	$(BIN)/ruff format --check bot tests
	$(BIN)/mypy

clean:
	rm -rf $(VENV) index/versions index/CURRENT
