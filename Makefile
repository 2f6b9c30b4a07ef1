# CyberAware — the two commands: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export FLASK_APP := cyberaware
export CYBERAWARE_ENV ?= development

.PHONY: run test install install-dev translations db content demo clean fuzz help

help:
	@echo "make run   - install, migrate the SQLite default, load the curriculum, demo accounts, serve on http://127.0.0.1:5000"
	@echo "make test  - install the test tools and run the whole test suite"

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
	$(BIN)/pybabel compile -d cyberaware/translations 2>/dev/null

db: install
	$(BIN)/flask db upgrade

content: db
	$(BIN)/flask content sync

demo: content
	$(BIN)/flask demo accounts
	$(BIN)/flask demo cohort

run: content demo
	$(BIN)/flask run --host 127.0.0.1 --port 5000

test: install-dev
	$(BIN)/python -m pytest -q $(PYTEST_ARGS)

fuzz: install-dev
	HYPOTHESIS_PROFILE=fuzz $(BIN)/python -m pytest -q tests/unit $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) instance/*.sqlite* .pytest_cache
