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

bench: $(INSTALLED) ## Model, served path, scaling with workers, list+poll, batch vs singles (BENCH_QUICK=1: smoke)
	$(BIN)/python -m bench.serving $(if $(BENCH_QUICK),--scale 0.3 --repeat 10)
	$(BIN)/python -m bench.scaling $(if $(BENCH_QUICK),--quick)
	$(BIN)/python -m bench.naive $(if $(BENCH_QUICK),--quick)
	$(BIN)/python -m bench.batch $(if $(BENCH_QUICK),--quick)

WORKERS ?= 2
USERS ?= 10
DURATION ?= 60s
stress: $(INSTALLED) ## Locust on a local stack: WORKERS=N USERS=U[,U...] DURATION=60s [STRESS_MODELS=dir]
	$(BIN)/python -m scripts.stress run --workers $(WORKERS) --users $(USERS) --duration $(DURATION) \
		$(if $(STRESS_MODELS),--models $(STRESS_MODELS))
	$(BIN)/python -m scripts.stress summary

EVAL_DATA ?= ../shared/data/rakuten
EVAL_VAR ?= var/eval
eval: $(INSTALLED) ## Import the shared train split into var/eval, train, score the val split; print the table
	rm -rf $(EVAL_VAR)/shelfwise.db* $(EVAL_VAR)/images $(EVAL_VAR)/models/v* $(EVAL_VAR)/models/PRODUCTION
	mkdir -p $(EVAL_VAR)
	@export VAR_DIR=$(EVAL_VAR) VGG16_WEIGHTS=$${VGG16_WEIGHTS:-$(abspath ../shared/weights/vgg16_notop.h5)}; \
	set -e; start=$$(date +%s); \
	$(BIN)/python -m trainer import $(EVAL_DATA) --split train > $(EVAL_VAR)/import.json; \
	$(BIN)/python -m trainer train --promote always > $(EVAL_VAR)/train.json; \
	$(BIN)/python -m trainer evaluate --data $(EVAL_DATA) --split val --branches \
		--output $(EVAL_VAR)/eval.json > /dev/null; \
	$(BIN)/python -m trainer table $(EVAL_VAR)/eval.json; \
	echo "make eval: $$(( $$(date +%s) - start )) s (results in $(EVAL_VAR)/)"

clean: ## Remove local state (var/) and caches, keep the virtual environment
	rm -rf var .pytest_cache .ruff_cache .mypy_cache

.PHONY: help install run test test-fast lint bench stress eval clean
