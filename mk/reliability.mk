# Reliability suite (issue 9): faults survived, load held, bad input refused, nothing lost.
#   make reliability       full size (RELIABILITY_SCALE=full: 10,000 events through three SIGKILLs, ...)
#   make test-reliability  reduced to fit CI; part of make test
# Both print ONE table and write .run/reliability.json (tests/reliability/conftest.py).
# The suite restarts the shared RabbitMQ's app once (test_broker_restart.py, last in the session,
# enabled by RELIABILITY_BROKER_RESTART=1): in `make test` it runs after test-nameko and test-gateway.
RELIABILITY_TESTS := tests/reliability
RELIABILITY_PYTEST := RELIABILITY_BROKER_RESTART=1 $(BIN)/pytest $(RELIABILITY_TESTS) -q --no-eventlet -p no:nameko

.PHONY: reliability test-reliability

# test-nameko collects tests/: the reliability suite runs once, here, on its own.
test-nameko: NAMEKO_TESTS += --ignore=$(RELIABILITY_TESTS)

reliability: setup
	RELIABILITY_SCALE=full $(RELIABILITY_PYTEST) --timeout=1800 $(PYTEST_ARGS)

test-reliability: setup
	RELIABILITY_SCALE=reduced $(RELIABILITY_PYTEST) $(PYTEST_ARGS)

test: test-reliability
