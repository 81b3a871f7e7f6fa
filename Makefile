# Concord: `make demo` prepares and serves a demonstration hub; `make test` runs every check.
# Everything either needs is installed here, into .venv and build/.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/test
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: demo test install assets messages chromium lint typecheck pytest pytest-sqlite pytest-postgres bench clean

demo: install assets messages
	PORT=$(PORT) CONCORD_DEMO=1 $(BIN)/concord demo --port $(PORT)

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev]'
	touch $@

# htmx and Pico CSS from the npm registry, exact versions from package.json.
assets: build/vendor/.installed

build/vendor/.installed: package.json
	npm install --silent --no-package-lock --no-audit --no-fund
	mkdir -p build/vendor/htmx.org/dist build/vendor/pico/css
	cp node_modules/htmx.org/dist/htmx.min.js build/vendor/htmx.org/dist/
	cp node_modules/@picocss/pico/css/pico.min.css build/vendor/pico/css/
	touch $@

# Compiled translations (.mo) are built, not committed.
messages: install
	$(BIN)/python -m concord.i18n_compile

chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "Installing Debian's Chromium for the browser tests"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium >/dev/null; }

lint: install
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

typecheck: install
	$(BIN)/mypy

# pytest exits 5 when it collects nothing; that is not a failure of the code.
PYTEST = $(BIN)/pytest -q -p no:cacheprovider

pytest-sqlite: install assets messages chromium
	@echo "== tests on SQLite"
	@DATABASE_URL= $(PYTEST); rc=$$?; [ $$rc -eq 5 ] && rc=0; exit $$rc

pytest-postgres: install assets messages chromium
	@if $(BIN)/python -c "import psycopg,sys; psycopg.connect(sys.argv[1], connect_timeout=3).close()" "$(TEST_DATABASE_URL)" 2>/dev/null; then \
	  echo "== tests on PostgreSQL ($(TEST_DATABASE_URL))"; \
	  DATABASE_URL="$(TEST_DATABASE_URL)" $(PYTEST); rc=$$?; [ $$rc -eq 5 ] && rc=0; exit $$rc; \
	elif [ "$(CI)" = "true" ]; then \
	  echo "PostgreSQL is required under CI but does not answer at $(TEST_DATABASE_URL)"; exit 1; \
	else \
	  echo "== PostgreSQL does not answer at $(TEST_DATABASE_URL): skipping the PostgreSQL run"; \
	fi

test: lint typecheck pytest-sqlite pytest-postgres

bench: install
	$(BIN)/python bench/record.py

clean:
	rm -rf build node_modules .mypy_cache .ruff_cache
