"""The national portal's webhook on the running platform: only a fresh, correctly signed push gets in.

Wrong secret, bent signature, a body changed after signing, a timestamp outside the tolerance,
missing headers and a replayed nonce are each a 401 problem, and none of them reaches the releases
service (no release is made for its guid). The accepted push is taken in once.
"""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

import httpx

from presscenter.shared import signing

from .conftest import PORTAL_WEBHOOK_SECRET, Cast

URL = "/v1/webhooks/portal"


def push(**extra: Any) -> bytes:
    payload = {
        "kind": "release",
        "guid": f"portal-{uuid.uuid4().hex[:12]}",
        "headline": "Chỉ đạo của Chính phủ về phòng chống bão",
        "description": "Các địa phương chủ động ứng phó.",
        "body_text": "Trực ban 24/24.",
        "language": "vi-VN",
        **extra,
    }
    return json.dumps(payload, ensure_ascii=False).encode()


def signed(body: bytes, secret: str = PORTAL_WEBHOOK_SECRET, now: float | None = None) -> dict[str, str]:
    headers = signing.sign(body, secret, now=time.time() if now is None else now)
    return {**headers, "Content-Type": "application/json"}


def test_only_a_fresh_correct_signature_gets_in(http: httpx.Client, cast: Cast, figures: Any) -> None:
    body = push()
    good = signed(body)
    bent = good[signing.SIGNATURE_HEADER][:-4] + (
        "0000" if not good[signing.SIGNATURE_HEADER].endswith("0000") else "1111"
    )
    attempts = {
        "wrong secret": (body, signed(body, "not the portal's secret at all 000")),
        "bent signature": (body, {**good, signing.SIGNATURE_HEADER: bent}),
        "body changed after signing": (push(headline="Tin giả"), good),
        "timestamp an hour old": (body, signed(body, now=time.time() - 3600)),
        "timestamp an hour ahead": (body, signed(body, now=time.time() + 3600)),
        "no signature": (body, {k: v for k, v in good.items() if k != signing.SIGNATURE_HEADER}),
        "no nonce": (body, {k: v for k, v in good.items() if k != signing.NONCE_HEADER}),
        "no headers at all": (body, {"Content-Type": "application/json"}),
    }
    wrong = []
    for name, (content, headers) in attempts.items():
        response = http.post(URL, content=content, headers=headers)
        if response.status_code != 401 or not response.headers["content-type"].startswith("application/problem+json"):
            wrong.append(f"{name}: {response.status_code} {response.text[:200]}")
    accepted = http.post(URL, content=body, headers=good)
    assert accepted.status_code == 202, accepted.text
    replayed = http.post(URL, content=body, headers=good)
    same_nonce = signing.sign(body, PORTAL_WEBHOOK_SECRET, now=time.time() + 1, nonce=good[signing.NONCE_HEADER])
    replayed_fresh_time = http.post(URL, content=body, headers={**same_nonce, "Content-Type": "application/json"})
    if replayed.status_code != 401:
        wrong.append(f"replayed push: {replayed.status_code}")
    if replayed_fresh_time.status_code != 401:
        wrong.append(f"replayed nonce under a new timestamp: {replayed_fresh_time.status_code}")
    figures.bad_inputs(len(attempts) + 2, len(attempts) + 2 - len(wrong))
    assert not wrong, "\n".join(wrong)
    again = http.post(URL, content=body, headers=signed(body))  # the portal resends, freshly signed
    assert again.status_code in (200, 202), again.text
    assert again.json()["release_id"] == accepted.json()["release_id"]  # taken in once per guid
