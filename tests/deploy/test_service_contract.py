"""The manifests, the compose file and the images agree with the code they run: probes call routes
the services really serve, on the port they really listen on, and every variable set is one a
service reads."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import AliasChoices
from pydantic_settings import BaseSettings

# Importing nameko without eventlet's monkey patch (as `make k8s-validate` runs) warns once.
pytestmark = pytest.mark.filterwarnings(r"ignore:\s*Eventlet is deprecated")

ROOT = Path(__file__).resolve().parents[2]
NAMEKO_SERVICES = ("releases", "feedback", "monitoring", "media")
SERVICES = (*NAMEKO_SERVICES, "gateway")


def settings_env_names(*classes: type[BaseSettings]) -> set[str]:
    """The environment variables pydantic-settings reads for `classes` (aliases included)."""
    names: set[str] = set()
    for cls in classes:
        prefix = str(cls.model_config.get("env_prefix") or "")
        for field_name, field in cls.model_fields.items():
            alias = field.validation_alias
            if isinstance(alias, AliasChoices):
                names |= {choice.upper() for choice in alias.choices if isinstance(choice, str)}
            elif isinstance(alias, str):
                names.add(alias.upper())
            else:
                names.add(f"{prefix}{field_name}".upper())
    return names


def nameko_config_env_names(service: str) -> set[str]:
    """Variables the service's nameko config.yaml interpolates (`${VAR:default}`)."""
    text = (ROOT / "services" / service / "config.yaml").read_text(encoding="utf-8")
    return set(re.findall(r"\$\{([A-Z0-9_]+)", text))


def env_names_read_by(service: str) -> set[str]:
    if service == "gateway":
        from presscenter.gateway.auth.settings import AuthSettings
        from presscenter.gateway.settings import GatewaySettings
        from presscenter.gateway.stream import StreamSettings

        return settings_env_names(GatewaySettings, AuthSettings, StreamSettings)
    settings_classes = {
        "releases": "presscenter.releases.settings:ReleasesSettings",
        "feedback": "presscenter.feedback.settings:FeedbackSettings",
        "monitoring": "presscenter.monitoring.settings:MonitoringSettings",
        "media": "presscenter.media.settings:MediaSettings",
    }
    module_name, _, class_name = settings_classes[service].partition(":")
    module = __import__(module_name, fromlist=[class_name])
    return settings_env_names(getattr(module, class_name)) | nameko_config_env_names(service)


def health_port_in_config(service: str) -> int:
    text = (ROOT / "services" / service / "config.yaml").read_text(encoding="utf-8")
    match = re.search(r"WEB_SERVER_ADDRESS: .*\$\{HEALTH_ADDRESS:[0-9.]+:(\d+)\}", text)
    assert match, f"{service}: config.yaml does not serve HTTP on HEALTH_ADDRESS"
    return int(match.group(1))


def dockerfile_exposed_port(service: str) -> int:
    match = re.search(r"^EXPOSE (\d+)$", (ROOT / "services" / service / "Dockerfile").read_text(), re.MULTILINE)
    assert match, f"{service}: Dockerfile exposes no port"
    return int(match.group(1))


def compose() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((ROOT / "deploy" / "compose.yaml").read_text(encoding="utf-8"))
    return data


def test_nameko_services_serve_the_probed_health_routes() -> None:
    from presscenter.shared.plumbing.health import HealthEndpoints

    routes = {
        (entrypoint.method, entrypoint.url)
        for method in (HealthEndpoints.health_live, HealthEndpoints.health_ready)
        for entrypoint in method.nameko_entrypoints  # type: ignore[attr-defined]
    }
    assert routes == {("GET", "/health/live"), ("GET", "/health/ready")}
    for service in NAMEKO_SERVICES:
        module = __import__(f"presscenter.{service}.service", fromlist=["service"])
        service_classes = [
            value
            for value in vars(module).values()
            if isinstance(value, type) and getattr(value, "name", None) == service
        ]
        assert len(service_classes) == 1, f"{service}: no nameko service class named {service!r}"
        assert issubclass(service_classes[0], HealthEndpoints), f"{service} does not serve the health routes"


def test_the_gateway_serves_the_probed_health_routes() -> None:
    from presscenter.gateway.app import create_app
    from presscenter.gateway.settings import GatewaySettings

    # an included router is listed without a path of its own
    paths = {getattr(route, "path", None) for route in create_app(GatewaySettings()).routes}
    assert {"/healthz", "/readyz", "/metrics"} <= paths


@pytest.mark.parametrize("service", NAMEKO_SERVICES)
def test_probes_config_image_and_compose_use_the_same_health_port(rendered: Any, service: str) -> None:
    port = health_port_in_config(service)
    assert dockerfile_exposed_port(service) == port
    deployment = rendered.get("Deployment", service)
    container = next(rendered.containers(deployment))
    (container_port,) = container["ports"]
    assert container_port["containerPort"] == port
    for probe, path in (("startupProbe", "/health/live"), ("livenessProbe", "/health/live"),
                        ("readinessProbe", "/health/ready")):  # fmt: skip
        assert container[probe]["httpGet"] == {"path": path, "port": container_port["name"]}
    config = rendered.get("ConfigMap", container["envFrom"][0]["configMapRef"]["name"])["data"]
    assert config["HEALTH_ADDRESS"] == f"0.0.0.0:{port}"
    published = compose()["services"][service]["ports"]
    assert [entry.rsplit(":", 1)[1] for entry in published] == [str(port)]


def test_gateway_probes_config_image_and_compose_use_port_8000(rendered: Any) -> None:
    assert dockerfile_exposed_port("gateway") == 8000
    container = next(rendered.containers(rendered.get("Deployment", "gateway")))
    assert container["ports"] == [{"name": "http", "containerPort": 8000, "protocol": "TCP"}]
    assert container["startupProbe"]["httpGet"]["path"] == "/healthz"
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    config = rendered.get("ConfigMap", container["envFrom"][0]["configMapRef"]["name"])["data"]
    assert config["GATEWAY_PORT"] == "8000"
    assert compose()["services"]["gateway"]["environment"]["GATEWAY_PORT"] == "8000"


@pytest.mark.parametrize("service", SERVICES)
def test_every_variable_the_manifests_set_is_read_by_the_service(rendered: Any, service: str) -> None:
    known = env_names_read_by(service)
    container = next(rendered.containers(rendered.get("Deployment", service)))
    config = rendered.get("ConfigMap", container["envFrom"][0]["configMapRef"]["name"])["data"]
    set_by_manifests = set(config) | {item["name"] for item in container["env"]}
    assert set_by_manifests - known == set(), f"{service}: variables nothing reads"


@pytest.mark.parametrize("service", SERVICES)
def test_every_variable_compose_sets_is_read_by_the_service(service: str) -> None:
    known = env_names_read_by(service)
    assert set(compose()["services"][service]["environment"]) - known == set()
