# Shelfwise: `make help` lists the targets.
.DEFAULT_GOAL := help
SHELL := /bin/bash

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
LOCK := requirements.lock
RUN_DEPS := $(VENV)/.run-installed
DEV_DEPS := $(VENV)/.dev-installed
# Every install takes its versions from the lock file; pip shows what it fetches.
PIP_INSTALL := $(BIN)/python -m pip install --progress-bar on --constraint $(LOCK)

help: ## Show this help
	@grep -hE '^[a-z][a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | \
		awk 'BEGIN {FS = ":.*## "}; {printf "  make %-19s %s\n", $$1, $$2}'

$(BIN)/python:
	@scripts/check_python.sh $(PYTHON)
	@echo "==> [1/3] creating the virtual environment $(VENV) ($$($(PYTHON) -V))"
	$(PYTHON) -m venv $(VENV)

$(RUN_DEPS): pyproject.toml $(LOCK) | $(BIN)/python
	@echo "==> [2/3] installing what running needs (extra 'run', pinned by $(LOCK)): a few minutes the first time"
	$(PIP_INSTALL) -e '.[run]'
	@touch $@

$(DEV_DEPS): $(RUN_DEPS)
	@echo "==> [3/3] installing the development tools (extra 'dev', pinned by $(LOCK))"
	$(PIP_INSTALL) -e '.[dev]'
	@touch $@

install: $(DEV_DEPS) ## Create the virtual environment and install Shelfwise with its development tools

run: $(RUN_DEPS) ## Install what running needs, then start the stack (API :8000, frontend :8080); Ctrl-C stops it
	@echo "==> starting the stack (settings: environment, then .env.local if present)"
	$(BIN)/python -m scripts.run_local

test: $(DEV_DEPS) ## Run every test (real Redis, gunicorn, workers; slow ones included)
	$(BIN)/python -m pytest

test-fast: $(DEV_DEPS) ## Run the tests not marked slow
	$(BIN)/python -m pytest -m 'not slow'

lint: $(DEV_DEPS) ## ruff (lint + format check) and mypy on common/ and api/
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

lock: $(DEV_DEPS) ## Pin every extra's dependencies again in requirements.lock (after editing pyproject.toml)
	$(BIN)/uv pip compile pyproject.toml --extra dev --universal --python-version 3.11 \
		--custom-compile-command "make lock" -o $(LOCK)

bench: $(DEV_DEPS) ## Runtimes, served path, image heads, scaling, list+poll, batches (BENCH_QUICK=1, BENCH_MODELS=dir)
	$(BIN)/python -m bench.serving $(if $(BENCH_QUICK),--scale 0.3 --repeat 10) \
		$(if $(BENCH_MODELS),--models $(BENCH_MODELS))
	$(BIN)/python -m bench.image_branch $(if $(BENCH_QUICK),--repeat 5)
	$(BIN)/python -m bench.scaling $(if $(BENCH_QUICK),--quick)
	$(BIN)/python -m bench.naive $(if $(BENCH_QUICK),--quick)
	$(BIN)/python -m bench.batch $(if $(BENCH_QUICK),--quick)

WORKERS ?= 2
USERS ?= 10
DURATION ?= 60s
stress: $(DEV_DEPS) ## Locust on a local stack: WORKERS=N USERS=U[,U...] DURATION=60s [STRESS_MODELS=dir]
	$(BIN)/python -m scripts.stress run --workers $(WORKERS) --users $(USERS) --duration $(DURATION) \
		$(if $(STRESS_MODELS),--models $(STRESS_MODELS))
	$(BIN)/python -m scripts.stress summary

# The docker compose fleet (docs/containers.md). Without a virtual environment, `make up`
# runs on the system's Python: scripts/fleet.py needs only the standard library.
FLEET := $(if $(wildcard $(BIN)/python),$(BIN)/python,$(PYTHON)) -m scripts.fleet
engine: ## Install and start a Docker engine with Compose v2 (as root, on Debian without systemd)
	scripts/docker_engine.sh

offline-base-images: ## Build stand-ins for the Docker Hub base images from Debian packages
	scripts/offline_base_images.sh

images: ## Build every image (official base images, else the stand-ins; OFFLINE=1: stand-ins)
	$(FLEET) images

up: ## The fleet: .env with fresh secrets, images, a first model, WORKERS=N model containers
	$(FLEET) up --workers $(WORKERS) $(if $(BOOTSTRAP),--bootstrap="$(BOOTSTRAP)")

down: ## Stop and remove the fleet's containers (VOLUMES=1: its data and models too)
	$(FLEET) down $(if $(VOLUMES),--volumes)

logs: ## Follow the fleet's logs
	$(FLEET) logs

stress-compose: $(DEV_DEPS) ## Locust against a compose fleet of each size: WORKERS=1,2,3 USERS=U[,U...]
	$(BIN)/python -m scripts.fleet_runs stress --workers $(WORKERS) --users $(USERS) \
		--duration $(DURATION)

faults: $(DEV_DEPS) ## Break a compose fleet under steady load: sent / answered / lost per fault
	$(BIN)/python -m scripts.fleet_runs faults

test-fleet: $(DEV_DEPS) ## The compose fleet for real (tests marked docker): build, up, predict, crash, down
	@docker info >/dev/null 2>&1 || [ "$$(id -u)" != 0 ] || scripts/docker_engine.sh
	$(BIN)/python -m pytest --docker -m docker

EVAL_DATA ?= ../shared/data/rakuten
EVAL_VAR ?= var/eval
SEED ?= 0
eval: $(RUN_DEPS) ## Import the shared train split into var/eval, train (SEED=0), score the val split
	rm -rf $(EVAL_VAR)/shelfwise.db* $(EVAL_VAR)/images $(EVAL_VAR)/models/v* $(EVAL_VAR)/models/PRODUCTION
	mkdir -p $(EVAL_VAR)
	@export VAR_DIR=$(EVAL_VAR) VGG16_WEIGHTS=$${VGG16_WEIGHTS:-$(abspath ../shared/weights/vgg16_notop.h5)}; \
	set -e; start=$$(date +%s); \
	$(BIN)/python -m trainer import $(EVAL_DATA) --split train > $(EVAL_VAR)/import.json; \
	$(BIN)/python -m trainer train --promote always --seed $(SEED) > $(EVAL_VAR)/train.json; \
	$(BIN)/python -m trainer evaluate --data $(EVAL_DATA) --split val --branches \
		--output $(EVAL_VAR)/eval.json > /dev/null; \
	$(BIN)/python -m trainer table $(EVAL_VAR)/eval.json; \
	echo "make eval: $$(( $$(date +%s) - start )) s (results in $(EVAL_VAR)/)"

clean: ## Remove local state (var/) and caches, keep the virtual environment
	rm -rf var .pytest_cache .ruff_cache .mypy_cache

.PHONY: help install run test test-fast lint lock bench stress eval clean engine \
	offline-base-images images up down logs stress-compose faults test-fleet
