# End-to-end flows (issue 8): the product brief's four flows over HTTP and the SDK, written once
# against a target (tests/e2e/e2e_targets.py).
#   make test-e2e-local  on the local suite (scripts/run_suite.py on free ports, a fresh vhost);
#                        part of make test (well under 90 s)
#   make e2e             on the compose stack with real MongoDB and MinIO (deploy/deploy.mk; skips
#                        with the reason when no Docker engine answers)
E2E_TESTS := tests/e2e

.PHONY: test-e2e-local

# test-nameko collects tests/: the e2e flows run without eventlet, here and in make e2e.
test-nameko: NAMEKO_TESTS += --ignore=$(E2E_TESTS)

test-e2e-local: setup
	E2E_TARGET=local $(BIN)/pytest $(E2E_TESTS) -q -rs --no-eventlet -p no:nameko $(PYTEST_ARGS)

test: test-e2e-local
