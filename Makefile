# Shelfwise: `make help` lists the targets.
.DEFAULT_GOAL := help
SHELL := /bin/bash

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed

help: ## Show this help
	@grep -hE '^[a-z][a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | \
		awk 'BEGIN {FS = ":.*## "}; {printf "  make %-10s %s\n", $$1, $$2}'

$(INSTALLED): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	@touch $@

install: $(INSTALLED) ## Create the virtual environment and install Shelfwise into it

run: $(INSTALLED) ## Start the whole stack locally (API :8000, frontend :8080); Ctrl-C stops it
	$(BIN)/python -m scripts.run_local

test: $(INSTALLED) ## Run every test (real Redis, gunicorn, workers; slow ones included)
	$(BIN)/python -m pytest

test-fast: $(INSTALLED) ## Run the tests not marked slow
	$(BIN)/python -m pytest -m 'not slow'

lint: $(INSTALLED) ## ruff (lint + format check) and mypy on common/ and api/
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

bench: $(INSTALLED) ## Measure the model and the served path; results in bench/results/
	$(BIN)/python -m bench.serving

clean: ## Remove local state (var/) and caches, keep the virtual environment
	rm -rf var .pytest_cache .ruff_cache .mypy_cache

.PHONY: help install run test test-fast lint bench clean
