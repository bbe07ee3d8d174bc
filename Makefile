# `make run` and `make test` each create .venv if it is missing and install the package.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test clean

$(BIN)/python:
	$(PY) -m venv $(VENV)

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/extract run data/raw --out data/out

test: $(STAMP)
	$(BIN)/python -m pytest

clean:
	rm -rf $(VENV) data/out/*.parquet
