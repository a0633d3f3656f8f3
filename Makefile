# gridbrain — the two commands: `make demo` and `make test`. Everything else is set-up they call.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000
DEMO_SCALE ?= 0.02
DEMO_SEED  ?= 42
PYTEST_ARGS ?=
# pytest-xdist processes (each with its own SQLite file, PostgreSQL schema and var folder); 0: none
PYTEST_WORKERS ?= 2
export GRIDBRAIN_VAR_DIR ?= var

.PHONY: demo test install assets chromium demo-data serve lint typecheck check bench clean

## make demo: venv, install, demo district on SQLite in var/, then serve it on http://$(HOST):$(PORT)
demo: install assets
	@if [ ! -f $(GRIDBRAIN_VAR_DIR)/.demo-$(DEMO_SCALE)-$(DEMO_SEED) ]; then \
	  rm -f $(GRIDBRAIN_VAR_DIR)/gridbrain.db*; \
	  $(BIN)/gridbrain db upgrade && \
	  $(BIN)/gridbrain demo-data --scale $(DEMO_SCALE) --seed $(DEMO_SEED) && \
	  touch $(GRIDBRAIN_VAR_DIR)/.demo-$(DEMO_SCALE)-$(DEMO_SEED); \
	else $(BIN)/gridbrain db upgrade; fi
	@$(BIN)/gridbrain demo-logins --url http://$(HOST):$(PORT)
	GRIDBRAIN_DEMO_LIVE=1 $(BIN)/gridbrain serve --host $(HOST) --port $(PORT)

## make test: all set-up the tests need (venv, packages, web assets, Debian chromium), then pytest
test: install assets chromium
	$(BIN)/pytest -n $(PYTEST_WORKERS) --dist loadfile $(PYTEST_ARGS)

# The venv gets exactly the versions of uv.lock (the package itself editable, the dev group
# included); --inexact leaves pip and uv alone. After changing a range in pyproject.toml: `uv lock`.
UV_VERSION := 0.13.9
install: .stamp-install
.stamp-install: pyproject.toml uv.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	test -x $(BIN)/uv || { $(BIN)/python -m pip --version >/dev/null 2>&1 || $(BIN)/python -m ensurepip >/dev/null; \
	  $(BIN)/python -m pip install -q uv==$(UV_VERSION); }
	UV_PROJECT_ENVIRONMENT=$(VENV) $(BIN)/uv sync -q --frozen --inexact --python $(BIN)/python
	touch $@

# Front-end libraries come from npm and are copied into the package's static folder (not committed).
assets: .stamp-assets
.stamp-assets: package.json
	npm install --no-audit --no-fund --loglevel=error
	mkdir -p gridbrain/web/static/vendor/leaflet gridbrain/web/static/vendor/htmx gridbrain/web/static/vendor/echarts
	cp -r node_modules/leaflet/dist/leaflet.js node_modules/leaflet/dist/leaflet.css node_modules/leaflet/dist/images gridbrain/web/static/vendor/leaflet/
	cp node_modules/htmx.org/dist/htmx.min.js gridbrain/web/static/vendor/htmx/
	cp node_modules/echarts/dist/echarts.min.js gridbrain/web/static/vendor/echarts/
	touch $@

# Browser tests drive Debian's chromium (Playwright's own browser download cannot work offline),
# with a CJK font so that pages and screenshots show Chinese.
chromium:
	@{ command -v chromium >/dev/null 2>&1 && fc-list :lang=zh 2>/dev/null | grep -q .; } || { \
	  echo "installing Debian chromium and a CJK font for the browser tests"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -q && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -q chromium fonts-noto-cjk; }

demo-data: install
	$(BIN)/gridbrain db upgrade
	$(BIN)/gridbrain demo-data --scale $(DEMO_SCALE) --seed $(DEMO_SEED)

serve: install assets
	$(BIN)/gridbrain serve --host $(HOST) --port $(PORT)

## make lint: ruff's rules and ruff's format (a file that is not formatted fails)
lint: install
	$(BIN)/ruff check gridbrain tests migrations
	$(BIN)/ruff format --check gridbrain tests

typecheck: install
	$(BIN)/mypy gridbrain

## make check: what CI runs before the tests
check: lint typecheck

clean:
	rm -rf $(VENV) node_modules gridbrain/web/static/vendor .stamp-* var
