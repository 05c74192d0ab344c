# The two commands: `make run` (set up and serve the app) and `make test` (import layers, lint, types,
# then the whole suite).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 5000

.PHONY: run test

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e ".[test]"
	touch $@

run: $(VENV)/.installed
	$(BIN)/exam-engine db upgrade
	$(BIN)/exam-engine import-spec item_bank/data/specifications
	$(BIN)/exam-engine load-demo
	@echo ""
	@echo "Serving the exam engine at http://$(HOST):$(PORT)/ (Ctrl+C stops it)."
	$(BIN)/gunicorn --workers 2 --threads 4 --bind $(HOST):$(PORT) "exam_engine:create_app()"

# pytest runs on two xdist workers: -n 2, not auto, because CI has two cores and the suite's PostgreSQL,
# Chromium and gunicorn processes need them too (more workers only add contention; auto counts physical
# cores when psutil is installed, one on a hyperthreaded 2-vCPU runner). The default `load` distribution
# splits even one module's parametrized cases across workers; each worker builds its own databases anyway.
test: $(VENV)/.installed-test
	$(BIN)/lint-imports --no-cache
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/python -m pytest -n 2 --durations=10
