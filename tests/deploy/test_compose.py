"""deploy/compose.yaml: the real stack on one host, locked down like the Kubernetes pods, with one
database user per service and every credential taken from deploy/dev.env."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
SERVICES = ("releases", "feedback", "monitoring", "media", "gateway")
INFRASTRUCTURE = ("rabbitmq", "mongodb", "minio", "minio-setup")
TRACING = ("otel-collector", "jaeger")


@pytest.fixture(scope="module")
def stack() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((DEPLOY / "compose.yaml").read_text(encoding="utf-8"))
    return data


def dev_env() -> dict[str, str]:
    values = {}
    for line in (DEPLOY / "dev.env").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            key, _, value = line.partition("=")
            values[key] = value
    return values


def test_the_stack_has_the_platform_and_tracing_behind_a_profile(stack: dict[str, Any]) -> None:
    assert set(stack["services"]) == {*SERVICES, *INFRASTRUCTURE, *TRACING}
    for name, service in stack["services"].items():
        assert service.get("profiles", []) == (["tracing"] if name in TRACING else []), name
    assert stack["services"]["rabbitmq"]["image"].endswith("-management")


@pytest.mark.parametrize("name", SERVICES)
def test_each_service_builds_from_its_own_dockerfile_at_the_repository_root(stack: dict[str, Any], name: str) -> None:
    build = stack["services"][name]["build"]
    assert (DEPLOY / build["context"]).resolve() == ROOT
    assert build["dockerfile"] == f"services/{name}/Dockerfile"
    assert (ROOT / build["dockerfile"]).is_file()
    assert re.fullmatch(rf"presscenter/{name}:\$\{{PRESSCENTER_TAG:-[0-9a-z.-]+\}}", stack["services"][name]["image"])


def test_every_container_is_locked_down_and_publishes_on_loopback_only(stack: dict[str, Any]) -> None:
    for name, service in stack["services"].items():
        assert service.get("read_only") is True, f"{name}: writable root filesystem"
        assert "/tmp" in service.get("tmpfs", []), f"{name}: no /tmp"
        assert service.get("cap_drop") == ["ALL"], f"{name}: capabilities kept"
        assert "no-new-privileges:true" in service.get("security_opt", []), f"{name}: may gain privileges"
        for port in service.get("ports", []):
            assert port.startswith("127.0.0.1:"), f"{name}: {port} is published on every interface"
        image = service.get("image", "")
        assert image and not image.endswith(":latest") and ":" in image, f"{name}: image {image!r} not pinned"


def test_infrastructure_images_match_the_kubernetes_components(stack: dict[str, Any]) -> None:
    components = "\n".join(p.read_text() for p in (DEPLOY / "k8s" / "components").rglob("*.yaml"))
    for name in (*INFRASTRUCTURE, *TRACING):
        assert f"image: {stack['services'][name]['image']}" in components, f"{name}: image differs from k8s"


def interpolate(value: str, env: dict[str, str]) -> str:
    """Compose's `${VAR}`, `${VAR:-default}` and `${VAR:?message}` substitution."""

    def substitute(match: re.Match[str]) -> str:
        name, operator, operand = match.group(1), match.group(2) or "", match.group(3) or ""
        if env.get(name):
            return env[name]
        assert operator != ":?", f"{name} is required and not set"
        return operand if operator == ":-" else ""

    return re.sub(r"\$\{([A-Z0-9_]+)(:[-?])?([^}]*)\}", substitute, value)


@pytest.mark.parametrize("name", SERVICES)
def test_each_service_uses_its_own_database_user_and_broker_user(stack: dict[str, Any], name: str) -> None:
    env = dev_env()
    environment = {key: interpolate(str(value), env) for key, value in stack["services"][name]["environment"].items()}
    mongo = urlsplit(environment["MONGO_URI"])
    assert (mongo.username, mongo.hostname, mongo.path) == (name, "mongodb", f"/presscenter_{name}")
    assert mongo.query == f"authSource=presscenter_{name}"
    assert mongo.password == env[f"{name.upper()}_DB_PASSWORD"]
    assert environment["MONGO_DB"] == f"presscenter_{name}"
    amqp = urlsplit(environment["AMQP_URI"])
    assert (amqp.username, amqp.hostname, amqp.path) == (name, "rabbitmq", "/presscenter")
    assert amqp.password == env[f"{name.upper()}_AMQP_PASSWORD"]
    assert stack["services"][name]["depends_on"]["mongodb"] == {"condition": "service_healthy"}
    assert stack["services"][name]["depends_on"]["rabbitmq"] == {"condition": "service_healthy"}


def test_mongodb_creates_one_user_per_service_on_first_boot(stack: dict[str, Any]) -> None:
    mongodb = stack["services"]["mongodb"]
    assert {f"{name.upper()}_DB_PASSWORD" for name in SERVICES} <= set(mongodb["environment"])
    mount = "./k8s/components/mongodb/init-users.js:/docker-entrypoint-initdb.d/10-users.js:ro"
    assert mount in mongodb["volumes"]
    script = (DEPLOY / "k8s" / "components" / "mongodb" / "init-users.js").read_text(encoding="utf-8")
    listed = re.search(r"const services = \[([^\]]*)\]", script)
    assert listed and re.findall(r'"([a-z]+)"', listed.group(1)) == list(SERVICES)
    assert 'roles: [{ role: "readWrite", db: name }]' in script


def test_media_waits_for_the_bucket_and_uses_its_own_minio_user(stack: dict[str, Any]) -> None:
    media = stack["services"]["media"]
    assert media["depends_on"]["minio-setup"] == {"condition": "service_completed_successfully"}
    assert media["environment"]["MEDIA_S3_ACCESS_KEY"] == "${MEDIA_ACCESS_KEY:?}"
    assert media["environment"]["MEDIA_STORAGE"] == "s3"
    setup = stack["services"]["minio-setup"]
    assert setup["environment"]["MEDIA_ACCESS_KEY"] == "${MEDIA_ACCESS_KEY:?}"


def test_every_mounted_file_exists(stack: dict[str, Any]) -> None:
    for name, service in stack["services"].items():
        for volume in service.get("volumes", []):
            source = volume.split(":", 1)[0]
            if source.startswith("."):
                assert (DEPLOY / source).is_file(), f"{name}: mounts missing {source}"


def test_every_required_variable_is_in_dev_env() -> None:
    text = (DEPLOY / "compose.yaml").read_text(encoding="utf-8")
    required = set(re.findall(r"\$\{([A-Z0-9_]+):\?", text))
    assert required, "compose.yaml requires no variable: credentials would be hard-coded"
    assert required - set(dev_env()) == set()
