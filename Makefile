# CyberAware — the two commands: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export FLASK_APP := cyberaware
export CYBERAWARE_ENV ?= development
# Playwright drives Debian's /usr/bin/chromium (tests/e2e/setup.sh installs it); it never downloads one.
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD := 1

.PHONY: run test test-e2e e2e-tools install install-dev translations db content demo clean fuzz help

help:
	@echo "make run   - install, migrate the SQLite default, load the curriculum, demo accounts, serve on http://127.0.0.1:5000"
	@echo "make test  - install the test tools and run the whole test suite (browser suite included)"
	@echo "make test-e2e - only the browser suite (tests/e2e: gunicorn, Chromium, axe-core)"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed translations
install-dev: $(VENV)/.installed-dev translations

translations:
	$(BIN)/pybabel compile -d cyberaware/translations

db: install
	$(BIN)/flask db upgrade

content: db
	$(BIN)/flask content sync

demo: content
	$(BIN)/flask demo accounts
	$(BIN)/flask demo cohort

run: content demo
	$(BIN)/flask run --host 127.0.0.1 --port 5000

test: install-dev e2e-tools
	$(BIN)/python -m pytest -q $(PYTEST_ARGS)

test-e2e: install-dev e2e-tools
	$(BIN)/python -m pytest -q tests/e2e $(PYTEST_ARGS)

e2e-tools:
	bash tests/e2e/setup.sh

fuzz: install-dev
	HYPOTHESIS_PROFILE=fuzz $(BIN)/python -m pytest -q tests/unit $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) instance/*.sqlite* .pytest_cache
