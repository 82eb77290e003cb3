# LivePark — `make run` serves the demo park; `make test` runs the whole suite.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
export LIVEPARK_HOME ?= $(CURDIR)/var
HOST ?= 127.0.0.1
PORT ?= 8000
VENDOR := livepark/static/vendor

.PHONY: run test lint bench install assets migrate demo test-sqlite test-postgres test-browser clean

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e '.[dev]'
	touch $@

install: $(VENV)/.installed assets

# Front-end assets come from the npm registry at install time, never from the repository.
$(VENDOR)/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --silent
	mkdir -p $(VENDOR)
	cp node_modules/echarts/dist/echarts.min.js node_modules/htmx.org/dist/htmx.min.js $(VENDOR)/
	touch $@

assets: $(VENDOR)/.installed

migrate: install
	$(BIN)/livepark migrate --noinput -v0

demo: migrate
	$(BIN)/livepark demo --scale base

run: demo
	@echo "Open http://$(HOST):$(PORT)/ and log in as admin / livepark-demo (other roles: see above)."
	$(BIN)/livepark serve --host $(HOST) --port $(PORT)

lint: install
	$(BIN)/ruff check livepark tests bench
	$(BIN)/ruff format --check livepark tests bench
	$(BIN)/lint-imports
	LIVEPARK_HOME=$$(mktemp -d) $(BIN)/python manage.py makemigrations --check --dry-run -v0

# The suite on SQLite (default) or, with DATABASE_URL set, on PostgreSQL. Browser tests run in test-browser.
test: install lint
	$(BIN)/pytest -m "not browser" -n 2 -q
	$(MAKE) test-browser

test-browser: install
	$(BIN)/pytest -m browser -q -p no:xdist

bench: install
	$(BIN)/python bench/registry.py

clean:
	rm -rf $(VENV) node_modules $(VENDOR) var
