# The README's two commands: `make demo` and `make test`. Both bootstrap .venv from the registries,
# pinned by constraints.txt. `make unit` is the fast loop; `make format` fixes what ruff can.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: demo test lint typecheck unit tests format bench dist clean venv constraints isolation portal-sdk

venv: $(STAMP)

$(STAMP): pyproject.toml packaging/quicksight-embedder/pyproject.toml embedder/__init__.py constraints.txt
	@command -v $(PYTHON) >/dev/null || { echo "need $(PYTHON) on PATH (set PYTHON=...)"; exit 2; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e packaging/quicksight-embedder -e '.[infra,local,dev]'
	@touch $(STAMP)

# The example portal's browser SDK (amazon-quicksight-embedding-sdk, pinned by
# examples/portal/package-lock.json), installed with npm and copied where the portal serves it:
# the portal never loads it from a CDN. node_modules/ and the copy are not committed.
PORTAL_DIR := examples/portal
PORTAL_SDK := $(PORTAL_DIR)/static/vendor/quicksight-embedding-js-sdk.min.js

# Defined above `demo`: make expands a rule's prerequisites where it reads the rule.
demo: $(STAMP) $(PORTAL_SDK)
	$(BIN)/qs-embed demo


portal-sdk: $(PORTAL_SDK)

$(PORTAL_SDK): $(PORTAL_DIR)/package.json $(PORTAL_DIR)/package-lock.json
	@command -v npm >/dev/null || { echo "need npm on PATH for the portal's embedding SDK"; exit 2; }
	cd $(PORTAL_DIR) && npm ci --no-audit --no-fund --ignore-scripts
	mkdir -p $(@D)
	cp $(PORTAL_DIR)/node_modules/amazon-quicksight-embedding-sdk/dist/quicksight-embedding-js-sdk.min.js $@

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

typecheck: $(STAMP)
	$(BIN)/mypy

# The fast loop: every test that starts no server process (the `emulator` marker, which
# tests/emulators.py checks: the emulator, a provider host, chromium).
unit: $(STAMP) $(PORTAL_SDK)
	$(BIN)/pytest -q -m "not emulator" --hypothesis-profile=unit -n auto

# Every test, the emulator's included.
tests: $(STAMP) $(PORTAL_SDK)
	$(BIN)/pytest -q

test: lint typecheck tests

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Pin what a working .venv holds, for reproducible installs (`make venv` installs with it).
constraints: $(STAMP)
	@{ echo "# Every package of a working .venv (make venv), pinned: \`make\` installs with -c constraints.txt,"; \
	   echo "# so a fresh checkout gets what the tests last passed with. Regenerate with \`make constraints\`."; \
	   $(BIN)/python -m pip freeze --exclude-editable --local | grep -v '^quicksight'; } > constraints.txt

# The isolation matrix on a large draw: 48 tenants, 2,256 ordered pairs, every move
# (`make test` runs a draw of 4). QS_EMBED_ISOLATION_SEED=<seed> replays the draw it printed.
isolation: $(STAMP)
	QS_EMBED_ISOLATION_TENANTS=$${QS_EMBED_ISOLATION_TENANTS:-48} $(BIN)/pytest -q tests/e2e/test_isolation_matrix.py

bench: $(STAMP)
	$(BIN)/python -m bench

# Both wheels into dist/: the app package (tenant_file + embedder) and the platform toolkit.
dist: $(STAMP)
	rm -rf dist
	$(BIN)/python -m pip wheel --quiet --no-deps --wheel-dir dist packaging/quicksight-embedder .
	@ls dist

clean:
	rm -rf $(PORTAL_DIR)/node_modules $(PORTAL_DIR)/static/vendor
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache .hypothesis build dist *.egg-info
