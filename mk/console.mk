# Web console (issue 11): the browser tests' dependencies and their own test target.
#   make console-deps   Debian's chromium (once) and Playwright (pip, from the gateway's test extra)
#   make test-console   the console's tests in a real headless Chromium against the running suite
#   make console-screenshots   the same, writing the screenshots of every main screen to docs/console/
CHROMIUM ?= /usr/bin/chromium
CONSOLE_TESTS := tests/console

.PHONY: console-deps test-console console-screenshots

setup: console-deps

# Idempotent: apt-get only when the browser is missing. Playwright drives this chromium
# (executable_path), so `playwright install` (a download of its own browsers) is never run.
console-deps: $(STAMP)
	@if [ ! -x "$(CHROMIUM)" ]; then \
	    echo "==> installing Debian's chromium for the console's browser tests"; \
	    if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	    $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends chromium >/dev/null; \
	fi
	@$(BIN)/python -c "import playwright" 2>/dev/null || $(BIN)/python -m pip install -q -e "services/gateway[test]"

test-console: setup
	$(BIN)/pytest $(CONSOLE_TESTS) -q --no-eventlet -p no:nameko $(PYTEST_ARGS)

console-screenshots: setup
	CONSOLE_SCREENSHOTS=$(CURDIR)/docs/console $(BIN)/pytest $(CONSOLE_TESTS) -q --no-eventlet -p no:nameko

test: test-console
