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
	@echo
	@echo "Next, try (the tool is $(BIN)/extract; 'source $(BIN)/activate' puts it on PATH):"
	@echo "  $(BIN)/extract show data/raw/2025_weibin.txt   # one article's facts in context"
	@echo "  $(BIN)/extract diff data/out                   # headline values per organisation and year"
	@echo "  $(BIN)/extract report data/out                 # writes data/out/report.html: open it in a browser"
	@echo "  $(BIN)/extract run --help                      # inputs: .txt .html .htm .pdf .docx"

test: $(STAMP)
	$(BIN)/python -m pytest

clean:
	rm -rf $(VENV) data/out/*.parquet data/out/report.html data/examples
