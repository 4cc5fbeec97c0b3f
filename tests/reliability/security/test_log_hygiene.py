"""No secret, token or password in any log line of any process of the platform.

Runs after every other security test (see conftest's `pytest_collection_modifyitems`), so the
logs hold what the whole suite made the platform do, at LOG_LEVEL=DEBUG: logins right and wrong,
refresh and logout, API tokens, forged JWTs, signed and replayed portal webhooks, uploads. It then
reads every log in RUN_DIR (the launcher's, with the datastore, four services and gateway, and the
rate-limited replica's) for each secret the platform was given or issued.
"""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

import httpx

from presscenter.gateway.testing.accounts import PASSWORD, login
from presscenter.shared import signing

from .conftest import CAST, PORTAL_WEBHOOK_SECRET, Cast, Platform


def exercise_secrets(http: httpx.Client, platform: Platform, cast: Cast) -> None:
    """Put each kind of secret through the platform once more, keeping what it issues."""
    username = CAST["journalist"]["username"]
    pair = http.post("/v1/auth/token", data={"grant_type": "password", "username": username, "password": PASSWORD})
    assert pair.status_code == 200, pair.text
    tokens = pair.json()
    rotated = http.post("/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]}).json()
    http.post("/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]})  # a replay: revokes the family
    http.post("/v1/auth/logout", json={"refresh_token": rotated["refresh_token"]})
    wrong = "a wrong password 0042"
    http.post("/v1/auth/token", data={"grant_type": "password", "username": username, "password": wrong})
    http.get("/v1/auth/me", headers={"Authorization": f"Bearer {cast.system_token}"})
    http.get("/v1/auth/me", headers={"Authorization": f"Bearer {tokens['access_token']}x"})
    platform.secrets |= {tokens["access_token"], tokens["refresh_token"], rotated["access_token"], wrong}
    platform.secrets |= {rotated["refresh_token"], login(http, username, PASSWORD)}

    payload = {
        "kind": "release",
        "guid": f"portal-{uuid.uuid4().hex[:12]}",
        "headline": "Chỉ đạo về phòng chống bão",
        "description": "Các địa phương chủ động ứng phó.",
        "body_text": "Trực ban 24/24.",
        "language": "vi-VN",
    }
    body = json.dumps(payload, ensure_ascii=False).encode()
    headers = {**signing.sign(body, PORTAL_WEBHOOK_SECRET, now=time.time()), "Content-Type": "application/json"}
    accepted = http.post("/v1/webhooks/portal", content=body, headers=headers)
    assert accepted.status_code == 202, accepted.text
    assert http.post("/v1/webhooks/portal", content=body, headers=headers).status_code == 401  # replayed nonce
    platform.secrets.add(headers[signing.SIGNATURE_HEADER].split("=", 1)[1])


def test_no_secret_reaches_any_log_line(http: httpx.Client, platform: Platform, cast: Cast, figures: Any) -> None:
    exercise_secrets(http, platform, cast)
    time.sleep(1.0)  # the processes' last lines reach their files
    logs = platform.log_files()
    assert {path.name for path in logs} >= {"suite.log"}, logs
    text = {path.name: path.read_text(errors="replace") for path in logs}
    assert sum(len(t.splitlines()) for t in text.values()) > 500, "DEBUG logs were expected to be plentiful"
    for name in ("releases", "feedback", "monitoring", "media", "gateway"):
        assert f"{name} |" in text["suite.log"], f"no line of {name} in the launcher's log"
    secrets = sorted(s for s in platform.secrets if len(s) >= 8)
    leaks = [
        f"{name}: {line.strip().replace(secret, '<SECRET>')[:200]!r}"
        for name, content in text.items()
        for line in content.splitlines()
        for secret in secrets
        if secret in line
    ]
    assert len(secrets) >= 15, len(secrets)
    assert not leaks, "\n".join(leaks[:20])
