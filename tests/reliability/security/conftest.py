"""The security suite's stage: the whole platform as real processes, and a caller for every role.

Once per session `scripts/run_suite.py` (what `make run` starts) brings up the embedded datastore,
the four services under `nameko run` and the gateway, on a fresh RabbitMQ vhost and free ports,
with known secrets (JWT key, bootstrap admin, portal and media URL secrets) so the tests can forge
tokens and the log test can look for every secret in every process's output (`RUN_DIR/suite.log`).
The suite's per-address and per-token rate limits are off (the fuzzer sends hundreds of requests);
the rate-limit tests start a gateway of their own with low limits on the same broker and datastore.

Accounts for every role are made through the admin API (`presscenter.gateway.testing.accounts`).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from presscenter.gateway.testing.accounts import ADMIN, PASSWORD, PRESS_CAST, SignedIn, login, sign_in
from presscenter.shared.testing.suite_process import suite_process
from presscenter.shared.testing.vhosts import amqp_url, fresh_vhost

ROOT = Path(__file__).resolve().parents[3]
START_TIMEOUT = 120.0

JWT_SECRET = "security-suite jwt signing key 0123456789abcdef"
JWT_ISSUER, JWT_AUDIENCE = "presscenter-gateway", "presscenter-api"
PORTAL_SECRET = "security-suite portal hmac secret 5e1f"
PORTAL_WEBHOOK_SECRET = "security-suite inbound webhook secret 93c0"
MEDIA_URL_SECRET = "security-suite media url secret 77aa"
OFFICER_UNIT, OTHER_UNIT = "so-yte", "so-gddt"

# The roles of the authorization matrix, beyond the anonymous caller.
CAST: dict[str, dict[str, Any]] = {
    **PRESS_CAST,
    "other_officer": {"username": "officer.sogddt", "role": "unit_officer", "unit_code": OTHER_UNIT},
    "admin": {"username": "admin.second", "role": "admin"},  # an admin made by the bootstrap one
}
ROLES = ("anonymous", "journalist", "entitled", "officer", "other_officer", "editor", "admin", "system")


def full_scale() -> bool:
    """`make reliability` runs full size (RELIABILITY_SCALE=full); `make test` a reduced one."""
    return os.environ.get("RELIABILITY_SCALE", "reduced") == "full"


@dataclass
class Platform:
    """The running suite: its gateway's address, its environment, where its processes log."""

    url: str
    environment: dict[str, str] = field(repr=False)
    run_dir: Path
    log_file: Path
    secrets: set[str] = field(default_factory=set, repr=False)
    """Every password, token and key handed to or issued by the platform: none may reach a log."""

    def log_files(self) -> list[Path]:
        return sorted(self.run_dir.glob("*.log"))

    def client(self, **kwargs: Any) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=30, **kwargs)


@pytest.fixture(scope="session")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Platform]:
    run_dir = tmp_path_factory.mktemp("security-run")
    environment = {
        "LOG_LEVEL": "DEBUG",
        "JWT_SECRET": JWT_SECRET,
        "GATEWAY_ADMIN_USERNAME": ADMIN[0],
        "GATEWAY_ADMIN_PASSWORD": ADMIN[1],
        # the fuzzer logs in with junk from one address: keep the per-address login lock out of its way
        "LOGIN_MAX_FAILURES_PER_IP": "100000",
        "PORTAL_SECRETS": PORTAL_SECRET,
        "PORTAL_WEBHOOK_SECRETS": PORTAL_WEBHOOK_SECRET,
        "MEDIA_URL_SECRETS": MEDIA_URL_SECRET,
    }
    with (
        fresh_vhost("security") as vhost,
        suite_process(ROOT, amqp_url(vhost), run_dir, environment, timeout=START_TIMEOUT) as suite,
    ):
        env = {**suite.environment, "MONGO_URI": f"mongodb://127.0.0.1:{suite.environment['EMBEDDED_MONGO_PORT']}"}
        yield Platform(
            suite.gateway_url,
            env,
            run_dir,
            suite.log_file,
            {JWT_SECRET, ADMIN[1], PASSWORD, PORTAL_SECRET, PORTAL_WEBHOOK_SECRET, MEDIA_URL_SECRET},
        )


@dataclass
class Cast:
    """A signed-in caller for every role of the matrix; `headers(role)` is what that caller sends."""

    signed: dict[str, SignedIn] = field(repr=False)
    system_token: str = field(repr=False)

    def headers(self, role: str) -> dict[str, str]:
        if role == "anonymous":
            return {}
        if role == "system":
            return {"Authorization": f"Bearer {self.system_token}"}
        return self.signed[role].headers


@pytest.fixture(scope="session")
def cast(platform: Platform) -> Cast:
    """Accounts for every role, made by the bootstrap admin through the admin API, each logged in."""
    with platform.client() as http:
        signed = sign_in(http, ADMIN, CAST)
        admin_token = login(http, *ADMIN)
        admin = {"Authorization": f"Bearer {admin_token}"}
        system = http.post(
            "/v1/admin/accounts",
            json={"username": "cms.soyte", "role": "system", "unit_code": OFFICER_UNIT},
            headers=admin,
        )
        system.raise_for_status()
        issued = http.post(
            "/v1/admin/api-tokens", json={"account_id": system.json()["id"], "name": "so-yte CMS"}, headers=admin
        )
        issued.raise_for_status()
    token = str(issued.json()["token"])
    platform.secrets |= {admin_token, token, token.rsplit("_", 1)[1]}
    platform.secrets |= {s.access_token for s in signed.values()}
    return Cast(signed, token)


@pytest.fixture(scope="session")
def http(platform: Platform) -> Iterator[httpx.Client]:
    with platform.client() as client:
        yield client


def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config, items: list[pytest.Item]) -> None:
    """The log scan runs right after the other security tests, so it sees what they all made the platform log
    (and before any test elsewhere in the session that ends with the broker restarted)."""
    scans = [item for item in items if "security/test_log_hygiene" in item.nodeid]
    rest = [item for item in items if item not in scans]
    ours = [i for i, item in enumerate(rest) if "reliability/security/" in item.nodeid]
    at = ours[-1] + 1 if ours else len(rest)
    items[:] = rest[:at] + scans + rest[at:]
