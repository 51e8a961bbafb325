# Newsroom: `make run` to try it, `make test` to test it. See README.md.
SHELL := /bin/bash
.DEFAULT_GOAL := run

VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
HOST ?= 127.0.0.1

# The first Python >= 3.12 found: python3.13, python3.12, python3, then pyenv's installs.
FIND_PYTHON = for candidate in python3.13 python3.12 python3 $$(ls -d $$HOME/.pyenv/versions/3.1[2-9]*/bin/python3 2>/dev/null | sort -rV); do \
	  if "$$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1; then echo "$$candidate"; exit 0; fi; \
	done; exit 1

.PHONY: run test faults lint format bench bench-deps worker browser-deps clean

$(PY):
	@python="$$($(FIND_PYTHON))" || { echo "Newsroom needs Python 3.12 or newer: none of python3.13, python3.12, python3 or ~/.pyenv/versions/3.12+ was found. Install one (e.g. 'pyenv install 3.12') and run make again." >&2; exit 1; }; \
	echo "Creating $(VENV) with $$python ($$($$python --version))"; \
	"$$python" -m venv $(VENV)
	@$(PY) -m pip install --quiet --upgrade pip

# Reinstall only when a requirements file changed: the stamp files are newer otherwise.
$(VENV)/.runtime-installed: requirements.txt | $(PY)
	$(PY) -m pip install --quiet -r requirements.txt
	@touch $@

$(VENV)/.dev-installed: requirements.txt requirements-dev.txt | $(PY)
	$(PY) -m pip install --quiet -r requirements-dev.txt
	@touch $@ $(VENV)/.runtime-installed

run: export DEBUG ?= 1
run: export SITE_URL ?= http://$(HOST):$(PORT)
run: $(VENV)/.runtime-installed
	@# What a management command typed in another shell needs to reach this site (newsroom/settings.py reads it).
	@mkdir -p "$${VAR_DIR:-var}" && { echo "# Written by make run: the settings of the last make run, for manage.py in other shells."; \
	  for name in DEBUG SITE_URL DATABASE_URL REDIS_URL; do [ -z "$${!name}" ] || echo "$$name=$${!name}"; done; } > "$${VAR_DIR:-var}/dev.env"
	$(PY) manage.py migrate --noinput
	$(PY) manage.py rebuild_read_model
	$(PY) manage.py load_demo
	@echo "Newsroom on http://$(HOST):$(PORT)/  (admin: http://$(HOST):$(PORT)/admin/)  Ctrl-C stops the server and the task worker."
	@trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null; exit 0' INT TERM EXIT; \
	$(PY) manage.py worker --queue-name '*' & worker=$$!; \
	$(PY) manage.py runserver $(HOST):$(PORT)

worker: $(VENV)/.runtime-installed
	$(PY) manage.py worker --queue-name '*'

test: $(VENV)/.dev-installed browser-deps
	$(PY) -m pytest $(PYTEST_ARGS)

# Breaks a private PostgreSQL, Redis and task worker on purpose (tests/faults); not part of `make test`.
faults: $(VENV)/.dev-installed
	FAULTS=1 $(PY) -m pytest tests/faults $(PYTEST_ARGS)

lint: $(VENV)/.dev-installed
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(VENV)/bin/lint-imports --no-cache

format: $(VENV)/.dev-installed
	$(PY) -m ruff check --fix .
	$(PY) -m ruff format .

# axe-core for the accessibility checks in the browser tests (npm), and Debian's Chromium (apt),
# installed here when this user may; without them the browser tests skip and the run says so loudly.
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --silent
	@touch $@

browser-deps:
	@if command -v npm >/dev/null; then $(MAKE) --no-print-directory node_modules/.installed; \
	  else echo "npm is not installed (apt-get install npm): the browser tests will skip."; fi
	@[ -x /usr/bin/chromium ] || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "Installing Chromium (apt)"; \
	    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; } || true; \
	  fi; \
	  [ -x /usr/bin/chromium ] || echo "Chromium is not installed (sudo apt-get install chromium): the browser tests will skip."; }

# wrk (Debian's package) drives the benchmark's load; installed here when this user may, else
# the benchmark falls back to its slower Python load generator and says so. Varnish and its xkey
# vmod (Debian's varnish, varnish-modules) for the edge figures: without them that part skips.
bench-deps:
	@command -v wrk >/dev/null || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "Installing wrk (apt)"; \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null 2>&1 || \
	    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; } || true; \
	  fi; \
	  command -v wrk >/dev/null || echo "wrk is not installed (apt install wrk): using the Python load generator."; }
	@{ [ -x /usr/sbin/varnishd ] && ls /usr/lib/*/varnish/vmods/libvmod_xkey.so >/dev/null 2>&1; } || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "Installing Varnish and varnish-modules (apt)"; \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq varnish varnish-modules >/dev/null 2>&1 || \
	    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq varnish varnish-modules >/dev/null; } || true; \
	  fi; \
	  [ -x /usr/sbin/varnishd ] || echo "Varnish is not installed (apt install varnish varnish-modules): the benchmark skips its edge figures."; }

bench: $(VENV)/.dev-installed bench-deps
	$(PY) -m tests.bench.run

clean:
	rm -rf $(VENV) node_modules var/test
