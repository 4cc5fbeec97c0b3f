"""deploy/tools/dev_secrets.py: the dev overlay's Secrets and RabbitMQ definitions follow deploy/dev.env,
and its password hashes are the ones RabbitMQ accepts (checked against the local broker)."""

from __future__ import annotations

import base64
import importlib.util
import json
import os
import urllib.error
import urllib.request
import uuid
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
TOOL = ROOT / "deploy" / "tools" / "dev_secrets.py"
SERVICES = ("releases", "feedback", "monitoring", "media", "gateway")


@pytest.fixture(scope="module")
def tool() -> ModuleType:
    spec = importlib.util.spec_from_file_location("dev_secrets", TOOL)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def env(tool: ModuleType) -> dict[str, str]:
    values: dict[str, str] = tool.read_env_file(tool.DEV_ENV)
    return values


@pytest.fixture(scope="module")
def definitions(tool: ModuleType) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((tool.DEV_SECRETS / "rabbitmq-definitions.json").read_text(encoding="utf-8"))
    return data


def test_the_committed_dev_secrets_are_rendered_from_dev_env(tool: ModuleType, env: dict[str, str]) -> None:
    assert tool.stale_files(env) == [], "run `make dev-secrets`"


def test_a_changed_password_makes_the_files_stale(tool: ModuleType, env: dict[str, str]) -> None:
    changed = {**env, "MEDIA_DB_PASSWORD": "another"}
    assert sorted(tool.stale_files(changed)) == ["media.env", "mongodb-media.env"]


def test_every_user_hash_verifies_with_its_dev_password(
    tool: ModuleType, env: dict[str, str], definitions: dict[str, Any]
) -> None:
    passwords = {env["RABBITMQ_ADMIN_USER"]: env["RABBITMQ_ADMIN_PASSWORD"]}
    passwords |= {name: env[f"{name.upper()}_AMQP_PASSWORD"] for name in (*SERVICES, "departments")}
    users = {user["name"]: user for user in definitions["users"]}
    assert set(users) == set(passwords)
    for name, password in passwords.items():
        assert users[name]["hashing_algorithm"] == "rabbit_password_hashing_sha256"
        assert tool.verify_password(users[name]["password_hash"], password), name
        assert not tool.verify_password(users[name]["password_hash"], password + "x")
    assert users[env["RABBITMQ_ADMIN_USER"]]["tags"] == ["administrator"]
    assert all(users[name]["tags"] == [] for name in (*SERVICES, "departments"))


def test_the_vhost_defaults_to_quorum_queues_with_a_delivery_limit(definitions: dict[str, Any]) -> None:
    (vhost,) = definitions["vhosts"]
    assert vhost["name"] == "presscenter"
    assert vhost["default_queue_type"] == vhost["metadata"]["default_queue_type"] == "quorum"
    (policy,) = definitions["policies"]
    assert (policy["vhost"], policy["apply-to"], policy["pattern"]) == ("presscenter", "quorum_queues", ".*")
    assert policy["definition"]["delivery-limit"] > 0


def test_departments_may_only_publish_to_event_exchanges(tool: ModuleType, definitions: dict[str, Any]) -> None:
    import re

    permissions = {p["user"]: p for p in definitions["permissions"]}
    departments = permissions["departments"]
    assert departments["read"] == "^$"
    pattern = re.compile(departments["write"])
    assert pattern.match("departments.events") and pattern.match("releases.events")
    assert not pattern.match("nameko-rpc") and not pattern.match("evt-departments-x--releases.handle")
    assert departments["configure"] == departments["write"]
    assert set(permissions) == {"presscenter-admin", *SERVICES, "departments"}


def _management(method: str, path: str, auth: tuple[str, str], body: dict[str, Any] | None = None) -> int:
    base = os.environ.get("RABBITMQ_MANAGEMENT_URL", "http://127.0.0.1:15672")
    token = base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode()
    request = urllib.request.Request(
        base + path,
        method=method,
        data=json.dumps(body).encode() if body is not None else None,
        headers={"content-type": "application/json", "authorization": f"Basic {token}"},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)


@pytest.mark.broker
def test_rabbitmq_accepts_the_generated_password_hash(tool: ModuleType) -> None:
    """A user created from `password_hash` logs in with the password and not with another one."""
    admin = ("guest", "guest")
    user, password = f"deploy-hash-{uuid.uuid4().hex[:8]}", "s3cr3t-ÿ-password"
    created = _management(
        "PUT",
        f"/api/users/{user}",
        admin,
        {
            "password_hash": tool.password_hash(password),
            "hashing_algorithm": tool.HASHING_ALGORITHM,
            "tags": "management",
        },
    )
    assert created in (201, 204), f"cannot create a user on the local RabbitMQ ({created})"
    try:
        assert _management("GET", "/api/whoami", (user, password)) == 200
        assert _management("GET", "/api/whoami", (user, password + "!")) == 401
    finally:
        _management("DELETE", f"/api/users/{user}", admin)
