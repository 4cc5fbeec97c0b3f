"""Rate limits answer 429 with Retry-After, per client address, per token and per login name.

A second gateway process (`python -m presscenter.gateway`, as deployed) joins the running
platform's broker and datastore with small limits, so bursts trip them within a few requests;
the platform's own gateway runs without them (the fuzzer would trip them). Login throttling is the
platform gateway's own (five failures per username).
"""

from __future__ import annotations

import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from presscenter.shared.testing.embedded_mongo import free_port

from .conftest import Cast, Platform

TOKEN_BURST, ADDRESS_BURST = 3, 25


@pytest.fixture(scope="module")
def limited(platform: Platform) -> Iterator[str]:
    """A gateway replica with small per-token and per-address buckets; its log is in RUN_DIR."""
    port = free_port()
    environment = {
        **platform.environment,
        "GATEWAY_HOST": "127.0.0.1",
        "GATEWAY_PORT": str(port),
        "RATE_LIMIT_IP_PER_SECOND": "0.5",
        "RATE_LIMIT_IP_BURST": str(ADDRESS_BURST),
        "RATE_LIMIT_TOKEN_PER_SECOND": "0.5",
        "RATE_LIMIT_TOKEN_BURST": str(TOKEN_BURST),
    }
    with (platform.run_dir / "gateway-limited.log").open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "presscenter.gateway"], env=environment, stdout=log, stderr=subprocess.STDOUT
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(
                    f"the rate-limited gateway did not start: see {platform.run_dir}/gateway-limited.log"
                )
            time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)


def assert_limited(response: httpx.Response) -> None:
    assert response.status_code == 429, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert int(response.headers["retry-after"]) >= 1
    assert response.json()["status"] == 429


def first_refusal(http: httpx.Client, path: str, headers: dict[str, str], tries: int) -> tuple[int, httpx.Response]:
    for sent in range(1, tries + 1):
        response = http.get(path, headers=headers)
        if response.status_code == 429:
            return sent, response
        assert response.status_code < 500, response.text
    raise AssertionError(f"no 429 after {tries} requests to {path}")


def test_a_token_beyond_its_burst_gets_429_and_others_do_not(limited: str, cast: Cast, figures: Any) -> None:
    with httpx.Client(base_url=limited, timeout=10) as http:
        sent, refused = first_refusal(http, "/v1/auth/me", cast.headers("editor"), TOKEN_BURST + 5)
        assert sent <= TOKEN_BURST + 2
        assert_limited(refused)
        other = http.get("/v1/auth/me", headers=cast.headers("journalist"))
        assert other.status_code == 200 and other.json()["role"] == "journalist"  # buckets are per token
        assert http.get("/healthz").status_code == 200  # probes are never limited
    figures.bad_inputs(1, 1)


def test_an_address_beyond_its_burst_gets_429_with_retry_after(limited: str, figures: Any) -> None:
    with httpx.Client(base_url=limited, timeout=10) as http:
        sent, refused = first_refusal(http, "/v1/units", {}, ADDRESS_BURST + 10)
        assert sent <= ADDRESS_BURST + 2
        assert_limited(refused)
        assert http.get("/readyz").status_code == 200
    figures.bad_inputs(1, 1)


def test_failed_logins_lock_the_username_with_retry_after(http: httpx.Client, figures: Any) -> None:
    username = f"nobody.{uuid.uuid4().hex[:8]}"
    form = {"grant_type": "password", "username": username, "password": "not the password 0"}
    statuses = [http.post("/v1/auth/token", data=form).status_code for _ in range(5)]
    assert statuses == [400] * 5
    locked = http.post("/v1/auth/token", data=form)
    assert_limited(locked)
    figures.bad_inputs(6, 6)
