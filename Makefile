# ServiceStat: the two commands of the README, and a few helpers.
#   make demo   install, build the demo warehouse (synthetic data) and serve http://127.0.0.1:8050
#   make demo-real   the same with the real public data of data/public/ instead
#   make test   install (Python packages, Chromium, USWDS, axe-core) and run every test
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: install demo demo-real test lint bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)
	bash .ci/setup

demo: $(STAMP)
	bash .ci/setup --no-browser
	$(VENV)/bin/servicestat demo

# the real-data example: the public files of data/public/ (see its SOURCES.md), every quarter published
demo-real: $(STAMP)
	bash .ci/setup --no-browser
	$(VENV)/bin/servicestat demo --real --rebuild

test: install lint
	$(PY) -m pytest -n 2 --dist loadfile

# ruff, and the import contract of pyproject.toml (rooms and one-way doors, no cycles)
lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports

bench: $(STAMP)
	$(PY) -m bench

clean:
	rm -rf $(VENV) node_modules data/servicestat.duckdb data/servicestat.duckdb.* data/servicestat-real.duckdb data/servicestat-real.duckdb.*
