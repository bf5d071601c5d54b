# Every target creates .venv when it is missing and installs the pinned ranges in pyproject.toml.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install run test bench lint clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

ASSETS := dashboard/assets
ASSETS_STAMP := $(ASSETS)/node_modules/.installed
CHROMIUM := /usr/bin/chromium

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

# GOV.UK Frontend and axe-core, from the npm registry, at the versions package-lock.json pins.
$(ASSETS_STAMP): $(ASSETS)/package.json $(ASSETS)/package-lock.json
	npm ci --prefix $(ASSETS) --no-audit --no-fund --loglevel=error
	touch $(ASSETS_STAMP)

# The end-to-end tests drive Debian's Chromium (Playwright's own browser download is refused).
$(CHROMIUM):
	apt-get install -y -qq chromium >/dev/null || \
	  (apt-get update -qq && apt-get install -y -qq chromium >/dev/null)

install: $(STAMP) $(ASSETS_STAMP)

run: install
	$(BIN)/pathways serve

test: install $(CHROMIUM)
	$(BIN)/python -m pytest -n 2 --dist worksteal $(PYTEST_ARGS)

bench: install
	$(BIN)/python -m benchmarks

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy .

clean:
	rm -rf $(VENV) var/*.db
