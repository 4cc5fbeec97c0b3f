"""JWT access tokens, opaque tokens, settings and the principal's views, without a datastore.

Run: .venv/bin/pytest services/gateway/tests -q --no-eventlet -p no:nameko
"""

from __future__ import annotations

import base64
import json
import time
from typing import Any

import jwt
import pytest
from pydantic import SecretStr, ValidationError

from presscenter.gateway.auth.access_tokens import AccessTokenCodec, InvalidAccessToken
from presscenter.gateway.auth.opaque_tokens import (
    api_token_id,
    hashes_match,
    is_api_token,
    is_refresh_token,
    new_api_token,
    new_refresh_token,
    token_hash,
)
from presscenter.gateway.auth.principal import PUBLIC_VIEWER, Principal, viewer_for
from presscenter.gateway.auth.schemas import NewAccount
from presscenter.gateway.auth.settings import AuthSettings
from presscenter.shared.events.common import Actor
from presscenter.shared.rpc.releases import Viewer

SECRET = "s" * 40
OLD_SECRET = "o" * 40
CLAIMS = {
    "sub": "acc-1",
    "preferred_username": "lan@vnexpress.example",
    "role": "journalist",
    "unit_code": None,
    "outlet": "VnExpress",
    "embargo_entitled": True,
}


def settings(**overrides: Any) -> AuthSettings:
    values: dict[str, Any] = {"jwt_secret": SECRET, "jwt_kid": "k2", "jwt_previous_keys": {"k1": OLD_SECRET}}
    return AuthSettings(**{**values, **overrides})


@pytest.fixture
def codec() -> AccessTokenCodec:
    return AccessTokenCodec(settings())


def full_claims(**overrides: Any) -> dict[str, Any]:
    now = int(time.time())
    claims = {
        **CLAIMS,
        "iat": now,
        "exp": now + 600,
        "iss": "presscenter-gateway",
        "aud": "presscenter-api",
        "jti": "j-1",
    }
    return {**claims, **overrides}


def forge(claims: dict[str, Any], key: str | None = SECRET, **header: Any) -> str:
    headers = {"kid": "k2", "typ": "at+jwt", **header}
    algorithm = headers.pop("alg", "HS256")
    return jwt.encode(claims, key, algorithm=algorithm, headers=headers)


def refusal(codec: AccessTokenCodec, token: str) -> str:
    with pytest.raises(InvalidAccessToken) as caught:
        codec.verify(token)
    return str(caught.value)


def b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def test_an_issued_token_verifies_to_the_principal_it_names(codec: AccessTokenCodec) -> None:
    issued = codec.issue(CLAIMS)
    principal = codec.verify(issued.token)
    assert principal == Principal(
        id="acc-1",
        role="journalist",
        username="lan@vnexpress.example",
        outlet="VnExpress",
        embargo_entitled=True,
        auth="password",
        token_id=issued.jti,
    )
    header = jwt.get_unverified_header(issued.token)
    assert header == {"alg": "HS256", "kid": "k2", "typ": "at+jwt"}
    claims = jwt.decode(issued.token, options={"verify_signature": False})
    assert set(claims) >= {"sub", "role", "unit_code", "outlet", "embargo_entitled", "iat", "exp", "iss", "aud", "jti"}
    assert claims["exp"] - claims["iat"] == issued.expires_in == 600


def test_expired_tokens_are_refused_beyond_the_leeway(codec: AccessTokenCodec) -> None:
    old = AccessTokenCodec(settings(), clock=lambda: time.time() - 600 - 30)
    assert refusal(codec, old.issue(CLAIMS).token) == "token expired"
    within_leeway = AccessTokenCodec(settings(), clock=lambda: time.time() - 600 + 2)
    assert codec.verify(within_leeway.issue(CLAIMS).token).id == "acc-1"


def test_a_tampered_payload_or_signature_is_refused(codec: AccessTokenCodec) -> None:
    header, payload, signature = codec.issue(CLAIMS).token.split(".")
    promoted = {**json.loads(base64.urlsafe_b64decode(payload + "==")), "role": "admin"}
    assert refusal(codec, f"{header}.{b64(promoted)}.{signature}") == "bad signature"
    flipped = signature[:-2] + ("AA" if signature[-2:] != "AA" else "BB")
    assert refusal(codec, f"{header}.{payload}.{flipped}") == "bad signature"
    assert refusal(codec, forge(full_claims(), key="x" * 40)) == "bad signature"


def test_the_none_algorithm_and_other_algorithms_are_refused(codec: AccessTokenCodec) -> None:
    unsigned = forge(full_claims(), key=None, alg="none")
    assert unsigned.endswith(".")
    assert refusal(codec, unsigned) == "unexpected signing algorithm"
    # header says HS256 but the signature is stripped
    header, payload, _ = forge(full_claims()).split(".")
    assert refusal(codec, f"{header}.{payload}.") == "bad signature"
    assert refusal(codec, forge(full_claims(), key=SECRET * 2, alg="HS512")) == "unexpected signing algorithm"
    # a hand-written header claiming `None`, `nOnE`
    for alg in ("None", "nOnE"):
        assert refusal(codec, f"{b64({'alg': alg, 'kid': 'k2', 'typ': 'at+jwt'})}.{b64(full_claims())}.") == (
            "unexpected signing algorithm"
        )


def test_wrong_audience_or_issuer_is_refused(codec: AccessTokenCodec) -> None:
    assert refusal(codec, forge(full_claims(aud="another-api"))) == "wrong audience"
    assert refusal(codec, forge(full_claims(iss="someone-else"))) == "wrong issuer"
    other = AccessTokenCodec(settings(jwt_audience="presscenter-admin"))
    assert refusal(codec, other.issue(CLAIMS).token) == "wrong audience"


def test_unknown_or_missing_kid_is_refused_and_previous_keys_still_verify(codec: AccessTokenCodec) -> None:
    assert refusal(codec, forge(full_claims(), kid="k9")) == "unknown key id"
    no_kid = jwt.encode(full_claims(), SECRET, algorithm="HS256", headers={"typ": "at+jwt"})
    assert refusal(codec, no_kid) == "unknown key id"
    # signed during the previous rotation: still valid
    assert codec.verify(forge(full_claims(), key=OLD_SECRET, kid="k1")).id == "acc-1"
    # the old key under the new kid does not pass
    assert refusal(codec, forge(full_claims(), key=OLD_SECRET, kid="k2")) == "bad signature"
    # once retired, tokens of k1 are refused
    retired = AccessTokenCodec(settings(jwt_previous_keys={}))
    assert refusal(retired, forge(full_claims(), key=OLD_SECRET, kid="k1")) == "unknown key id"


def test_other_jwts_and_bad_claims_are_refused(codec: AccessTokenCodec) -> None:
    assert refusal(codec, forge(full_claims(), typ="JWT")) == "not an access token"
    without_jti = full_claims()
    del without_jti["jti"]
    assert refusal(codec, forge(without_jti)) == "invalid token"
    assert refusal(codec, forge(full_claims(role="superuser"))) == "invalid claims"
    assert refusal(codec, forge(full_claims(iat=int(time.time()) + 3600))) == "invalid token"
    assert refusal(codec, "not-a-jwt") == "malformed token"
    assert refusal(codec, "") == "malformed token"


def test_opaque_tokens_carry_256_bits_and_are_kept_as_hashes() -> None:
    fresh = new_api_token()
    assert is_api_token(fresh.token) and api_token_id(fresh.token) == fresh.id
    assert fresh.hash == token_hash(fresh.token) != fresh.token and len(fresh.hash) == 64
    assert hashes_match(fresh.hash, fresh.token) and not hashes_match(fresh.hash, fresh.token + "x")
    assert api_token_id(fresh.token[:-1]) is None and api_token_id("pc_nothex0000000000_" + "a" * 43) is None
    assert len({new_api_token().token for _ in range(50)}) == 50
    refresh = new_refresh_token()
    assert is_refresh_token(refresh) and not is_api_token(refresh) and not is_refresh_token(fresh.token)
    assert len(base64.urlsafe_b64decode(refresh.removeprefix("pcr_") + "=")) == 32


def test_principal_views_for_events_and_reads() -> None:
    officer = Principal(id="acc-2", role="unit_officer", unit_code="so-tttt", token_id="t")
    assert Actor.model_validate(officer.as_actor()) == Actor(
        kind="user", id="acc-2", role="unit_officer", unit_code="so-tttt"
    )
    system = Principal(id="acc-3", role="system", unit_code="so-yte", auth="api_token", token_id="t", scopes=("a:b",))
    assert system.as_actor()["kind"] == "system"
    assert system.has_scope("a:b") and not system.has_scope("c") and officer.has_scope("anything")
    reporter = Principal(id="acc-1", role="journalist", outlet="VnExpress", embargo_entitled=True, token_id="t")
    assert viewer_for(reporter) == Viewer(id="acc-1", role="journalist", embargo_entitled=True)
    assert viewer_for(None) == PUBLIC_VIEWER and PUBLIC_VIEWER.role == "public" and not PUBLIC_VIEWER.embargo_entitled


def test_settings_come_from_the_environment_and_refuse_weak_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MONGO_URI", "mongodb://u:pw@db:27017")
    monkeypatch.setenv("JWT_SECRET", "k" * 32)
    monkeypatch.setenv("JWT_PREVIOUS_KEYS", json.dumps({"old": "p" * 32}))
    monkeypatch.setenv("ACCESS_TOKEN_TTL_SECONDS", "300")
    monkeypatch.setenv("GATEWAY_ADMIN_USERNAME", "root")
    monkeypatch.setenv("GATEWAY_ADMIN_PASSWORD", "a long admin password")
    loaded = AuthSettings()
    assert loaded.mongo_db == "presscenter_gateway" and loaded.access_token_ttl_seconds == 300
    assert loaded.verification_keys() == {"old": b"p" * 32, "k1": b"k" * 32}
    assert "pw" not in repr(loaded) and "a long admin password" not in repr(loaded)
    assert not loaded.ephemeral_key
    monkeypatch.setenv("JWT_SECRET", "short")
    with pytest.raises(ValidationError, match="shorter than 32"):
        AuthSettings()
    monkeypatch.setenv("JWT_SECRET", "k" * 32)
    monkeypatch.delenv("GATEWAY_ADMIN_PASSWORD")
    with pytest.raises(ValidationError, match="GATEWAY_ADMIN_PASSWORD"):
        AuthSettings()
    monkeypatch.delenv("GATEWAY_ADMIN_USERNAME")
    monkeypatch.delenv("JWT_SECRET")
    assert AuthSettings().ephemeral_key and len(AuthSettings().signing_key) == 32


def test_new_accounts_fit_their_role() -> None:
    password = SecretStr("a good long password")
    journalist = NewAccount(username="  Lan@VnExpress.Example ", password=password, role="journalist", outlet="VnE")
    assert journalist.username == "lan@vnexpress.example"
    refused: list[dict[str, Any]] = [
        {"role": "journalist", "password": password},  # no outlet
        {"role": "unit_officer", "password": password},  # no unit
        {"role": "editor", "password": password, "outlet": "VnE"},
        {"role": "editor", "password": password, "embargo_entitled": True},
        {"role": "admin", "password": password, "unit_code": "so-yte"},
        {"role": "editor"},  # no password
        {"role": "system", "password": password},  # systems use API tokens
        {"role": "unit_officer", "password": password, "unit_code": "Not A Code"},
        {"role": "superuser", "password": password},
    ]
    for fields in refused:
        with pytest.raises(ValidationError):
            NewAccount(username="someone", **fields)
    for bad_name in ("ab", "-dash", "white space", "x" * 129, "a$b{}"):
        with pytest.raises(ValidationError):
            NewAccount(username=bad_name, role="editor", password=password)
    assert NewAccount(username="cms-q3", role="system", unit_code="quan-3").password is None
