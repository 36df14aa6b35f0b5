# Framing classifier. `make help` lists the targets.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
MODEL := models/framing.joblib
HOST ?= 127.0.0.1
PORT ?= 8000

.DEFAULT_GOAL := help
.PHONY: help install train validate-data evaluate review run test lint bench soak reload-check docker-check clean

## help: list the targets
help:
	@grep -E '^## ' $(MAKEFILE_LIST) | sed 's/^## /  /'

$(INSTALLED): pyproject.toml
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

## install: create .venv and install the pinned dependencies
install: $(INSTALLED)

$(MODEL): | $(INSTALLED)
	$(BIN)/python -m training train

## train: validate the corpus, select, fit and evaluate the model (writes models/)
train: $(INSTALLED)
	$(BIN)/python -m training train

## validate-data: check the corpus and print the language x label table
validate-data: $(INSTALLED)
	$(BIN)/python -m training validate

## review: accept or reject the pending label corrections (POST /feedback) one at a time
review: $(INSTALLED)
	$(BIN)/python -m training review

## evaluate: score the shipped model on the seed gold and ../shared/eval-real
evaluate: $(INSTALLED) $(MODEL)
	$(BIN)/python -m training evaluate

## run: serve on $(HOST):$(PORT) with gunicorn (installs and trains first when needed)
run: $(INSTALLED) $(MODEL)
	FRAMING_BIND=$(HOST):$(PORT) $(BIN)/gunicorn -c service/gunicorn.conf.py service.wsgi:app

BROWSER := /usr/bin/chromedriver
$(BROWSER):
	bash scripts/install_browser.sh

## test: run the whole test suite (installs packages and Debian's chromium, trains first when needed)
test: $(INSTALLED) $(MODEL) $(BROWSER)
	$(BIN)/python -m pytest

## bench: in-process bound vs gunicorn + wrk on loopback, latency at 50%/90% load, start-up, memory (var/bench.json; needs wrk)
bench: $(INSTALLED) $(MODEL)
	$(BIN)/python scripts/bench.py $(BENCH_ARGS)

## soak: 5 minutes at about 70% of the measured maximum on loopback: errors, memory growth, /metrics (needs wrk)
soak: $(INSTALLED) $(MODEL)
	$(BIN)/python scripts/soak.py

## reload-check: under load, SIGHUP onto a re-dumped model, then a tampered one that must be refused
reload-check: $(INSTALLED) $(MODEL)
	$(BIN)/python scripts/reload_under_load.py

## lint: ruff over the code
lint: $(INSTALLED)
	$(BIN)/ruff check service training tests scripts

## clean: remove the virtual environment and the trained model
clean:
	rm -rf $(VENV) models/*.joblib models/*.json models/*.png models/*.md

## docker-check: replay the Dockerfile's build stage in a clean venv and check /readyz (no Docker engine needed)
docker-check:
	bash scripts/docker_check.sh
