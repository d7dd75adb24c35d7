# Two commands on a fresh machine: `make run` and `make test`. Everything else is set up here.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
BENCH_STAMP := $(VENV)/.installed-bench
# The scale bench at a modest size; `make bench SCALE=` runs its default of 100,000 claims (hours).
SCALE ?= --claims 10000 --step 1000 --due 1000

# The console's front-end packages (npm, pinned by package-lock.json), built into the app's
# static files; nothing is loaded from a CDN.
ASSETS := api/console/static/build/.built
# The browser tests drive Debian's Chromium through Playwright; nothing downloads a browser.
CHROMIUM := /usr/bin/chromium

.PHONY: run test lint bench clean chromium

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

$(ASSETS): package.json package-lock.json api/console/styles/console.scss scripts/build-console-assets.sh
	npm ci --no-audit --no-fund --ignore-scripts
	sh scripts/build-console-assets.sh
	touch $@

# Installed when absent and we are root (CI is); otherwise, or when apt-get fails, the browser
# tests skip and say why rather than `make test` stopping here.
chromium:
	@if [ -x $(CHROMIUM) ]; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "Installing Debian's chromium for the browser tests"; \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
			apt-get install -y -qq --no-install-recommends chromium) \
		|| echo "make: could not install chromium: the browser tests will skip"; \
	else \
		echo "make: $(CHROMIUM) is absent and installing it needs root: the browser tests will skip"; \
	fi

run: $(STAMP) $(ASSETS)
	$(BIN)/fairway dev

lint: $(STAMP)
	$(BIN)/ruff check .

# Two test processes, each with its own dev server and register: most of a test's time is
# spent waiting on Temporal, so two keep a 2-core machine busy (TESTS_IN_PARALLEL=0: one).
TESTS_IN_PARALLEL ?= 2
test: lint $(ASSETS) chromium
	$(BIN)/pytest -q -n $(TESTS_IN_PARALLEL)

$(BENCH_STAMP): $(STAMP)
	$(BIN)/pip install --quiet -e '.[dev,bench]'
	touch $(BENCH_STAMP)

bench: $(BENCH_STAMP)
	$(BIN)/python -m bench.handler_actions
	$(BIN)/python -m bench.deadlines
	$(BIN)/python -m bench.scale $(SCALE)
	$(BIN)/python -m bench.learning

clean:
	rm -rf $(VENV) data .pytest_cache node_modules api/console/static/build
