"""A real gateway in front of real services, for the route tests: one fresh RabbitMQ vhost, the
services as `nameko run` subprocesses on the embedded datastore, the gateway under uvicorn.

    with gateway_and_services(embedded_mongo.uri, workdir, {"feedback": {"WORKING_CALENDAR": "always"}}) as stack:
        httpx.get(f"{stack.url}/v1/questions", ...)

The gateway starts first, so a service's environment may name it (`{gateway_url}` in a value is
replaced by its URL: media's signed URLs point at the gateway's blob pass-through). With media,
its HTTP server listens on a port chosen here and the gateway's `media_http_url` points at it.
"""

from __future__ import annotations

import importlib.util
import uuid
from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from presscenter.gateway.auth import AuthSettings
from presscenter.gateway.settings import GatewaySettings
from presscenter.gateway.testing.accounts import ADMIN, FAST_HASHING
from presscenter.gateway.testing.live_gateway import LiveGateway, live_gateway
from presscenter.gateway.testing.nameko_services import nameko_service
from presscenter.shared.testing.embedded_mongo import free_port
from presscenter.shared.testing.vhosts import amqp_url, fresh_vhost

JWT_TEST_SECRET = "test-signing-key-0123456789-abcdefghij"
GATEWAY_TEST_SETTINGS: dict[str, Any] = {
    "rpc_timeout": 5.0,
    "rpc_connect_timeout": 2.0,
    "rate_limit_ip_per_second": 0,
    "rate_limit_token_per_second": 0,
}
PROBLEM = "application/problem+json"


def service_config(service: str) -> Path:
    """`services/<service>/config.yaml` of an installed (editable) service package."""
    spec = importlib.util.find_spec(f"presscenter.{service}")
    if spec is None or not spec.submodule_search_locations:
        raise LookupError(f"the {service} service is not installed")
    package = Path(next(iter(spec.submodule_search_locations)))  # services/<s>/src/presscenter/<s>
    return package.parents[2] / "config.yaml"


def auth_settings_for_tests(mongo_uri: str, mongo_db: str | None = None, **overrides: Any) -> AuthSettings:
    """The gateway's identity for tests: its own database, a fixed JWT key, the bootstrap admin, fast hashing."""
    fields: dict[str, Any] = {
        "mongo_uri": mongo_uri,
        "mongo_db": mongo_db or f"gw_{uuid.uuid4().hex[:10]}",
        "jwt_secret": JWT_TEST_SECRET,
        "admin_username": ADMIN[0],
        "admin_password": ADMIN[1],
        **FAST_HASHING,
    }
    return AuthSettings(**{**fields, **overrides})


@dataclass
class Stack:
    url: str
    amqp_uri: str
    settings: GatewaySettings
    auth: AuthSettings | None
    gateway: LiveGateway

    def client(self, timeout: float = 10.0) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=timeout)


@contextmanager
def gateway_and_services(
    mongo_uri: str,
    workdir: Path,
    services: Mapping[str, Mapping[str, str]],
    *,
    vhost_prefix: str = "gateway",
    gateway: Mapping[str, Any] | None = None,
    with_auth: bool = True,
    **live_options: Any,
) -> Iterator[Stack]:
    """The gateway (settings: GATEWAY_TEST_SETTINGS updated by `gateway`) and each of `services`
    with its extra environment; everything stops when the block ends."""
    suffix = uuid.uuid4().hex[:10]
    media_address = f"127.0.0.1:{free_port()}"
    with fresh_vhost(vhost_prefix) as vhost, ExitStack() as running:
        url = amqp_url(vhost)
        overrides = dict(gateway or {})
        if "media" in services:
            overrides.setdefault("media_http_url", f"http://{media_address}")
        settings = GatewaySettings(amqp_uri=url, **{**GATEWAY_TEST_SETTINGS, **overrides})
        auth = auth_settings_for_tests(mongo_uri, f"gw_{suffix}") if with_auth else None
        served = running.enter_context(live_gateway(settings, auth, **live_options))
        for name, extra in services.items():
            environment = {key: value.replace("{gateway_url}", served.url) for key, value in extra.items()}
            if name == "media":
                environment.setdefault("HEALTH_ADDRESS", media_address)
            log = workdir / f"{name}.log"
            running.enter_context(
                nameko_service(name, service_config(name), url, mongo_uri, f"{name[:4]}_{suffix}", log, environment)
            )
        yield Stack(served.url, url, settings, auth, served)


def ok(response: httpx.Response, status: int = 200) -> Any:
    """The JSON body of a response that must have `status`."""
    assert response.status_code == status, response.text
    return response.json()


def problem(response: httpx.Response, status: int) -> dict[str, Any]:
    """The body of an RFC 9457 problem response that must have `status`."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM, response.headers["content-type"]
    return response.json()  # type: ignore[no-any-return]
