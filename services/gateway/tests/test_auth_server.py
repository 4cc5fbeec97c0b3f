"""Identity and access through a real uvicorn server, and the `presscenter-gateway-admin` command.

Run: .venv/bin/pytest services/gateway/tests -q --no-eventlet -p no:nameko
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi import FastAPI

from presscenter.gateway.auth import AuthSettings, install_auth
from presscenter.shared.testing.embedded_mongo import free_port

SECRET = "server-test-signing-key-0123456789abcdef"
ADMIN = ("boot.admin", "bootstrap admin password")
FAST_HASHING = {"PASSWORD_HASH_TIME_COST": "1", "PASSWORD_HASH_MEMORY_KIB": "1024", "PASSWORD_HASH_PARALLELISM": "1"}


def wait_listening(port: int, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise AssertionError(f"nothing listens on port {port}")


@pytest.fixture
def environment(mongo_uri: str, mongo_db_name: str) -> dict[str, str]:
    return {"MONGO_URI": mongo_uri, "MONGO_DB": mongo_db_name, "JWT_SECRET": SECRET, **FAST_HASHING}


@pytest.fixture
def server(environment: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The auth routes on an app served by uvicorn in a thread, configured from the environment."""
    for name, value in {**environment, "GATEWAY_ADMIN_USERNAME": ADMIN[0], "GATEWAY_ADMIN_PASSWORD": ADMIN[1]}.items():
        monkeypatch.setenv(name, value)
    app = FastAPI()
    install_auth(app, AuthSettings())
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    wait_listening(port)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)
    assert not thread.is_alive()


def admin_command() -> list[str]:
    installed = shutil.which("presscenter-gateway-admin", path=str(Path(sys.executable).parent))
    return [installed] if installed else [sys.executable, "-m", "presscenter.gateway.auth.cli"]


def run_admin(environment: dict[str, str], *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*admin_command(), *args],
        input=stdin,
        env={**os.environ, **environment},
        capture_output=True,
        text=True,
        timeout=60,
    )


def login(client: httpx.Client, username: str, password: str) -> httpx.Response:
    return client.post("/v1/auth/token", data={"grant_type": "password", "username": username, "password": password})


def test_the_password_flow_over_a_real_server(server: str) -> None:
    with httpx.Client(base_url=server, timeout=15) as client:
        token = login(client, *ADMIN)
        assert token.status_code == 200, token.text
        admin = {"Authorization": f"Bearer {token.json()['access_token']}"}
        account: dict[str, Any] = {
            "username": "officer.q1",
            "password": "officer password 1",
            "role": "unit_officer",
            "unit_code": "quan-1",
        }
        created = client.post("/v1/admin/accounts", json=account, headers=admin)
        assert created.status_code == 201, created.text
        pair = login(client, "officer.q1", "officer password 1").json()
        me = client.get("/v1/auth/me", headers={"Authorization": f"Bearer {pair['access_token']}"}).json()
        assert me["role"] == "unit_officer" and me["unit_code"] == "quan-1" and me["auth"] == "password"
        rotated = client.post("/v1/auth/refresh", json={"refresh_token": pair["refresh_token"]})
        assert rotated.status_code == 200
        assert client.post("/v1/auth/refresh", json={"refresh_token": pair["refresh_token"]}).status_code == 401
        assert login(client, "officer.q1", "wrong").status_code == 400
        missing = client.get("/v1/auth/me")
        assert missing.status_code == 401 and missing.headers["www-authenticate"].startswith("Bearer")
        schema = client.get("/openapi.json").json()
        assert {"OAuth2Password", "ApiToken"} <= set(schema["components"]["securitySchemes"])
        assert schema["components"]["securitySchemes"]["OAuth2Password"]["flows"]["password"]["tokenUrl"] == (
            "/v1/auth/token"
        )


def test_the_admin_command_creates_users_and_issues_tokens(server: str, environment: dict[str, str]) -> None:
    created = run_admin(
        environment,
        "create-user",
        "--username",
        "Reporter@TuoiTre.example",
        "--role",
        "journalist",
        "--outlet",
        "Tuổi Trẻ",
        "--embargo-entitled",
        "--password-stdin",
        stdin="reporter password 1\n",
    )
    assert created.returncode == 0, created.stderr
    account = json.loads(created.stdout)
    assert account["username"] == "reporter@tuoitre.example" and account["outlet"] == "Tuổi Trẻ"
    assert account["embargo_entitled"] is True and "reporter password 1" not in created.stdout + created.stderr
    again = run_admin(
        environment, "create-user", "--username", "reporter@tuoitre.example", "--role", "journalist",
        "--outlet", "X", "--password-stdin", stdin="reporter password 1\n",
    )  # fmt: skip
    assert again.returncode == 1 and "taken" in again.stderr
    invalid = run_admin(
        environment, "create-user", "--username", "e", "--role", "editor", "--password-stdin", stdin="p"
    )
    assert invalid.returncode == 1 and invalid.stderr.startswith("error:")

    system = run_admin(environment, "create-user", "--username", "cms-q5", "--role", "system", "--unit-code", "quan-5")
    assert system.returncode == 0, system.stderr
    issued = run_admin(
        environment, "issue-token", "--username", "cms-q5", "--name", "CMS", "--scope", "releases:submit"
    )
    assert issued.returncode == 0, issued.stderr
    token = json.loads(issued.stdout)["token"]
    with httpx.Client(base_url=server, timeout=15) as client:
        assert login(client, "reporter@tuoitre.example", "reporter password 1").status_code == 200
        me = client.get("/v1/auth/me", headers={"Authorization": f"Bearer {token}"}).json()
        assert me["role"] == "system" and me["unit_code"] == "quan-5" and me["scopes"] == ["releases:submit"]
        reset = run_admin(
            environment, "reset-password", "--username", "REPORTER@tuoitre.example", "--password-stdin",
            stdin="reporter password 2\n",
        )  # fmt: skip
        assert reset.returncode == 0, reset.stderr
        assert login(client, "reporter@tuoitre.example", "reporter password 1").status_code == 400
        assert login(client, "reporter@tuoitre.example", "reporter password 2").status_code == 200
        assert run_admin(environment, "deactivate", "--username", "cms-q5").returncode == 0
        assert client.get("/v1/auth/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    unknown = run_admin(environment, "deactivate", "--username", "nobody")
    assert unknown.returncode == 1 and "no account named" in unknown.stderr
