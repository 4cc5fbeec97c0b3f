# Capital Press Center — one Makefile drives everything.
#   make run    set up, then run the whole suite on embedded defaults (Ctrl-C stops it)
#   make test   set up, then lint, contract checks and every test
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SERVICES := releases feedback monitoring media
PACKAGES := shared $(addprefix services/,$(SERVICES)) services/gateway
# Tests that run under eventlet (nameko); the gateway's asyncio tests run on their own.
NAMEKO_TESTS := shared/tests $(addsuffix /tests,$(addprefix services/,$(SERVICES))) tests
GATEWAY_TESTS := services/gateway/tests
PYTEST_ARGS ?=

.PHONY: help setup rabbitmq run test lint format contracts contracts-check \
        test-nameko test-gateway eval-monitoring clean

help:
	@echo "make run    - set up and run the suite (embedded datastore unless MONGO_URI is set)"
	@echo "make test   - set up, lint, check contracts, run every test"
	@echo "make contracts - re-export JSON Schemas and docs/asyncapi.yaml"

$(STAMP): $(addsuffix /pyproject.toml,$(PACKAGES)) Makefile
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e "shared[service,testing]" \
	    $(foreach s,$(SERVICES),-e "services/$(s)[test]") -e "services/gateway[test]" ruff==0.17.6
	@touch $(STAMP)

setup: $(STAMP) rabbitmq

rabbitmq:
	@scripts/ensure-rabbitmq.sh

run: setup
	$(BIN)/python scripts/run_suite.py

lint: $(STAMP)
	$(BIN)/ruff check .

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

contracts: $(STAMP)
	$(BIN)/presscenter-contracts export

contracts-check: $(STAMP)
	$(BIN)/presscenter-contracts check

test-nameko: setup
	$(BIN)/pytest $(NAMEKO_TESTS) -q $(PYTEST_ARGS)

test-gateway: setup
	$(BIN)/pytest $(GATEWAY_TESTS) -q --no-eventlet -p no:nameko $(PYTEST_ARGS)

test: setup lint contracts-check k8s-validate test-nameko test-gateway

# Monitoring's detection quality on a labelled stream (default: the shared dev set beside the checkout).
eval-monitoring: $(STAMP)
	$(BIN)/python -m presscenter.monitoring.evaluation $(or $(STREAM),../shared/data/monitoring/dev) $(or $(OUT),.run/eval-monitoring)

clean:
	rm -rf $(VENV) .run

# Images, compose stack, Kubernetes manifests and their offline validation.
include deploy/deploy.mk

# Further concerns (reliability, benchmarks, web console): one fragment each.
-include mk/*.mk
