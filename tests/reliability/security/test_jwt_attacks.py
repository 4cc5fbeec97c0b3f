"""Forged and bent bearer tokens against the running gateway's real routes: every one is a 401.

The codec's own tests (services/gateway/tests/test_auth_tokens.py) and the probe-route tests
(test_auth_http.py) cover the verifier; here each forgery is sent over HTTP to real operations of
the whole platform (who-am-I, an admin listing, a release write, the live stream, an Open311
post), including the cases those tests leave out: wrong issuer, a role raised in a re-signed or
unsigned token, HS512 under the right key, and an API token with a bent secret.
"""

from __future__ import annotations

import base64
import json
import time
import warnings
from typing import Any

import httpx
import jwt
import pytest
from jwt.warnings import InsecureKeyLengthWarning

from .conftest import JWT_AUDIENCE, JWT_ISSUER, JWT_SECRET, Cast

HEADERS = {"kid": "k1", "typ": "at+jwt"}
TARGETS = [
    ("GET", "/v1/auth/me", None),
    ("GET", "/v1/admin/accounts", None),
    ("POST", "/v1/releases", {"unit_code": "so-yte", "content": {"title": "x"}}),
    ("GET", "/v1/questions", None),
    ("GET", "/v1/monitoring/trends", None),
]


def _b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def hs512(claims: dict[str, Any]) -> str:
    with warnings.catch_warnings():  # "key too short for SHA512": it is the HS256 key, that is the point
        warnings.simplefilter("ignore", InsecureKeyLengthWarning)
        return jwt.encode(claims, JWT_SECRET, algorithm="HS512", headers=HEADERS)


def forgeries(real: str) -> dict[str, str]:
    claims = jwt.decode(real, options={"verify_signature": False})
    now = int(time.time())
    sign = lambda body, **kw: jwt.encode(body, JWT_SECRET, algorithm="HS256", headers=HEADERS, **kw)  # noqa: E731
    head, payload, signature = real.split(".")
    return {
        "expired": sign({**claims, "iat": now - 7200, "exp": now - 3600}),
        "tampered payload": f"{head}.{_b64({**claims, 'role': 'admin'})}.{signature}",
        "tampered signature": f"{head}.{payload}.{signature[:-4]}AAAA",
        "alg none": jwt.encode({**claims, "role": "admin"}, None, algorithm="none", headers=HEADERS),
        "alg none, hand-made": f"{_b64({'alg': 'none', 'typ': 'at+jwt', 'kid': 'k1'})}.{_b64(claims)}.",
        "alg None": f"{_b64({'alg': 'None', 'typ': 'at+jwt', 'kid': 'k1'})}.{_b64(claims)}.",
        "HS512 under the right key": hs512(claims),
        "wrong audience": sign({**claims, "aud": "another-api"}),
        "wrong issuer": sign({**claims, "iss": "https://evil.example"}),
        "no audience": sign({k: v for k, v in claims.items() if k != "aud"}),
        "no expiry": sign({k: v for k, v in claims.items() if k != "exp"}),
        "role raised, signed with another key": jwt.encode(
            {**claims, "role": "admin"}, "another key of at least thirty-two chars", algorithm="HS256", headers=HEADERS
        ),
        "unknown kid": jwt.encode(claims, JWT_SECRET, algorithm="HS256", headers={**HEADERS, "kid": "k9"}),
        "not an access token (typ JWT)": jwt.encode(
            claims, JWT_SECRET, algorithm="HS256", headers={**HEADERS, "typ": "JWT"}
        ),
        "garbage": "not.a.jwt",
    }


@pytest.fixture(scope="module")
def forged(cast: Cast) -> dict[str, str]:
    real = cast.signed["editor"].access_token
    claims = jwt.decode(real, JWT_SECRET, algorithms=["HS256"], audience=JWT_AUDIENCE, issuer=JWT_ISSUER)
    assert claims["role"] == "editor"  # the suite signs with the key the forgeries use
    made = forgeries(real)
    made["API token with a bent secret"] = cast.system_token[:-4] + (
        "AAAA" if cast.system_token[-4:] != "AAAA" else "BBBB"
    )
    return made


def test_the_real_tokens_are_accepted(http: httpx.Client, cast: Cast) -> None:
    me = http.get("/v1/auth/me", headers=cast.headers("editor"))
    assert me.status_code == 200 and me.json()["role"] == "editor"
    assert http.get("/v1/auth/me", headers=cast.headers("system")).json()["role"] == "system"


@pytest.mark.parametrize("method, path, body", TARGETS, ids=[f"{m} {p}" for m, p, _ in TARGETS])
def test_every_forgery_is_401_with_a_bearer_challenge(
    http: httpx.Client, forged: dict[str, str], figures: Any, method: str, path: str, body: Any
) -> None:
    wrong = []
    for name, token in forged.items():
        response = http.request(method, path, json=body, headers={"Authorization": f"Bearer {token}"})
        challenge = response.headers.get("www-authenticate", "")
        if response.status_code != 401 or not challenge.startswith("Bearer"):
            wrong.append(f"{name}: {response.status_code} {response.text[:200]}")
        assert token not in response.text  # the refusal never echoes the credential
    figures.bad_inputs(len(forged), len(forged) - len(wrong))
    assert not wrong, "\n".join(wrong)


def test_forgeries_are_refused_on_the_stream_and_open311_too(http: httpx.Client, forged: dict[str, str]) -> None:
    for name in ("alg none", "wrong issuer", "expired", "API token with a bent secret"):
        token = forged[name]
        with http.stream("GET", "/v1/stream", params={"access_token": token}, timeout=10) as response:
            assert response.status_code == 401, name
        with http.stream("GET", "/v1/stream", headers={"Authorization": f"Bearer {token}"}, timeout=10) as response:
            assert response.status_code == 401, name
        post = http.post(
            "/open311/v2/requests.json",
            data={"api_key": token, "service_code": "urban-order", "description": "Rác tồn đọng tại ngõ 12 phố Huế."},
        )
        assert post.status_code in (400, 401, 403), (name, post.status_code, post.text)  # 400: too long for a key
