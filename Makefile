# offermap: the two commands a new user needs are `make demo` and `make test`.
# Every target creates the virtual environment and installs what it needs by itself.

# Python 3.11 is required; python3 is used when it is 3.11 and python3.11 is not on PATH.
PYTHON ?= $(shell command -v python3.11 >/dev/null 2>&1 && echo python3.11 || echo python3)
VENV := .venv
BIN := $(VENV)/bin
UV_VERSION := 0.13.8
STAMP := $(VENV)/.installed

# Keep Prefect, Jupyter and uv state inside the project, not in the home directory.
export PREFECT_HOME ?= $(CURDIR)/.offermap/prefect
export PREFECT_SERVER_ANALYTICS_ENABLED ?= false
export PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS ?= 90
export GX_ANALYTICS_ENABLED ?= False
export DO_NOT_TRACK ?= 1
export UV_CACHE_DIR ?= $(CURDIR)/.offermap/uv-cache

.PHONY: install demo test test-fast lint bench clean

install: $(STAMP)

# The machine sets PYTHONDONTWRITEBYTECODE=1, so bytecode is compiled at install time:
# it halves Prefect and Great Expectations start-up in every later process.
$(STAMP): pyproject.toml constraints.txt
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' 2>/dev/null || \
		{ echo "offermap needs Python 3.11: set PYTHON=/path/to/python3.11"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"
	$(BIN)/uv pip install --python $(BIN)/python --compile-bytecode \
		--constraint constraints.txt --editable ".[dev]"
	touch $(STAMP)

demo: install
	$(BIN)/offermap demo

# On every core; tests/conftest.py orders the longest first, so each starts early on its own
# worker and the short ones fill in around them, and keeps Prefect's flow tests on one worker.
test: install
	$(BIN)/python -m pytest -n auto --dist loadgroup

# The unit layer only (no Prefect, servers, kernels or subprocess runs): under a minute.
test-fast: install
	$(BIN)/python -m pytest -n auto -m "not integration"

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

bench: install
	$(BIN)/offermap bench all

clean:
	rm -rf $(VENV) .offermap .pytest_cache .mypy_cache .ruff_cache

# The Prefect UI with offermap's deployments and a worker; SANDBOX=1 runs them on the emulators.
UI_PORT ?= 4200
.PHONY: ui
ui: install
	$(BIN)/python -m scripts.local_prefect --port $(UI_PORT) $(if $(SANDBOX),--sandbox)

# JupyterLab on the analyst notebooks, opened as notebooks (jupytext), with the buttons of the
# review notebook; installs the optional `lab` extra once. LAB_PORT moves it, LAB_ARGS adds
# options (e.g. LAB_ARGS=--no-browser on a machine without a browser).
LAB_PORT ?= 8888
LAB_STAMP := $(VENV)/.lab-installed
.PHONY: lab
$(LAB_STAMP): $(STAMP)
	$(BIN)/uv pip install --python $(BIN)/python --compile-bytecode \
		--constraint constraints.txt --editable ".[dev,lab]"
	touch $(LAB_STAMP)

lab: $(LAB_STAMP)
	$(BIN)/python -m notebooks.lab --port $(LAB_PORT) $(LAB_ARGS)
