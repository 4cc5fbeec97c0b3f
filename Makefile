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
MYPYC := mypy==2.4.1  # compiles monitoring's analysis (services/monitoring/setup.py); pinned with its build-system

.PHONY: help setup rabbitmq run test lint format contracts contracts-check \
        test-nameko test-gateway eval-monitoring eval-monitoring-synthetic clean

help:
	@echo "make run    - set up and run the suite (embedded datastore unless MONGO_URI is set)"
	@echo "make test   - set up, lint, check contracts, run every test"
	@echo "make contracts - re-export JSON Schemas and docs/asyncapi.yaml"

$(STAMP): $(addsuffix /pyproject.toml,$(PACKAGES)) services/monitoring/setup.py Makefile
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	MONITORING_PURE_PYTHON=1 $(BIN)/python -m pip install -q -e "shared[service,testing]" \
	    $(foreach s,$(SERVICES),-e "services/$(s)[test]") -e "services/gateway[test]" ruff==0.17.6 $(MYPYC)
	@touch $(STAMP)

# Monitoring's analysis hot path, compiled in place with mypyc, and its C kernels
# (services/monitoring/setup.py says which modules): rebuilt whenever one of its sources changes, so
# tests and benchmarks run what a built image runs. A module's stale build is removed first (an
# extension shadows its .py file); the tests refuse to run on an extension older than its source
# (presscenter.shared.testing.compiled).
MONITORING_SRC := services/monitoring/src/presscenter/monitoring
MONITORING_NATIVE := $(VENV)/.monitoring-native
$(MONITORING_NATIVE): $(STAMP) $(wildcard $(MONITORING_SRC)/analysis/*.py $(MONITORING_SRC)/analysis/*.c $(MONITORING_SRC)/text/*.py)
	find services/monitoring/src -name '*.so' -delete
	cd services/monitoring && ../../$(BIN)/python setup.py -q build_ext --inplace
	find services/monitoring/src -name '*.so' -exec touch {} +  # built from the sources as they are now
	@touch $(MONITORING_NATIVE)

setup: $(STAMP) $(MONITORING_NATIVE) rabbitmq

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
eval-monitoring: $(STAMP) $(MONITORING_NATIVE)
	$(BIN)/python -m presscenter.monitoring.evaluation $(or $(STREAM),../shared/data/monitoring/dev) $(or $(OUT),.run/eval-monitoring)

# The same on a seeded synthetic stream with claims and paraphrases of its own (labels written with it,
# never read by the replay): how claim matching generalises beyond the dev set.
eval-monitoring-synthetic: $(STAMP) $(MONITORING_NATIVE)
	$(BIN)/python -m presscenter.monitoring.evaluation.synthetic .run/synthetic-stream \
	    --items $(or $(ITEMS),20000) --claims $(or $(CLAIMS),1000) --seed $(or $(SEED),7)
	$(BIN)/python -m presscenter.monitoring.evaluation .run/synthetic-stream $(or $(OUT),.run/eval-synthetic)

clean:
	rm -rf $(VENV) .run services/monitoring/build
	find services/monitoring/src -name '*.so' -delete

# Images, compose stack, Kubernetes manifests and their offline validation.
include deploy/deploy.mk

# Further concerns (reliability, benchmarks, web console): one fragment each.
-include mk/*.mk
