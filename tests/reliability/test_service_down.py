"""Fault 4: a service is down; the gateway fails fast with 503, and calls do not pile up in its queue.

The real gateway process calls the real releases process (`GET /v1/feeds/releases.json` is an RPC
to `releases.feed`). The releases process is SIGKILLed. The gateway trusts a service's consumer
count for RPC_CONSUMER_CHECK_INTERVAL (1 s here): calls sent inside that window reach the queue,
carry an `expiration` equal to the call's timeout (RPC_TIMEOUT, 2 s here) and answer 504 when it
ends; after it, every call is refused at once with a 503 problem and Retry-After, and nothing is
published. Either way the queue is empty once the timeout has passed, so the restarted service
finds no stale calls to run for clients that gave up long ago.
"""

from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor

from reliability_figures import Figures, full_scale
from reliability_harness import Stack, http_get

from presscenter.shared.testing.waiting import eventually

RPC_TIMEOUT = 2.0  # the stack's gateway: RPC_TIMEOUT=2, RPC_CONSUMER_CHECK_INTERVAL=1
# "fails fast": far sooner than the call's timeout, which a call waiting for a reply would take
# (latencies are the shared 2-core machine's, with 8 clients at once)
TYPICAL, SLOWEST = RPC_TIMEOUT / 4, RPC_TIMEOUT * 0.75


def timed_get(url: str) -> tuple[int, float, dict[str, str], bytes]:
    start = time.monotonic()
    status, headers, body = http_get(url, timeout=RPC_TIMEOUT + 5)
    return status, time.monotonic() - start, headers, body


def test_gateway_answers_503_at_once_while_releases_is_down_and_nothing_piles_up(
    stack: Stack, figures: Figures
) -> None:
    releases = stack.service("releases")
    gateway = stack.gateway()
    url = f"{gateway.url}/v1/feeds/releases.json"
    calls = 2_000 if full_scale() else 200
    survived = False
    try:
        assert http_get(url)[0] == 200
        releases.kill()
        # inside the gateway's consumer-count window: calls may reach the queue; none may hang
        early = [timed_get(url) for _ in range(3)]
        assert {status for status, *_ in early} <= {503, 504}, early
        assert max(elapsed for _, elapsed, *_ in early) < RPC_TIMEOUT + 1, early
        time.sleep(1.2)  # the window has passed: the gateway knows nobody listens

        with ThreadPoolExecutor(8) as pool:
            answers = list(pool.map(timed_get, [url] * calls))
        statuses = [status for status, *_ in answers]
        times = sorted(elapsed for _, elapsed, *_ in answers)
        typical, slowest = times[len(times) // 2], times[-1]
        assert statuses == [503] * calls, f"not all 503: {sorted(set(statuses))}"
        _status, _elapsed, headers, body = answers[0]
        assert headers["content-type"].startswith("application/problem+json")
        assert int(headers["retry-after"]) >= 1
        assert "releases" in json.loads(body)["detail"]
        assert typical < TYPICAL and slowest < SLOWEST, f"refusals took {typical:.2f}s (median), {slowest:.2f}s (max)"

        # calls of the window expire with their timeout: nothing waits for the restarted service
        eventually(lambda: stack.depth("rpc-releases")[0] == 0, RPC_TIMEOUT + 3, "rpc-releases to be empty")
        releases.start_ready()
        assert stack.depth("rpc-releases") == (0, 1)
        eventually(lambda: http_get(url)[0] == 200, 10, "the gateway to reach releases again")
        figures.load("gateway calls while releases was down", calls + len(early))
        figures.note(
            f"service down: {calls} calls all 503 in {typical * 1000:.0f} ms (median), {slowest * 1000:.0f} ms (max); "
            "its queue empty once the calls of the first second expired"
        )
        survived = True
    finally:
        figures.fault("releases down: gateway 503 at once, no calls pile up", survived)
        if not releases.alive:
            releases.start_ready()
