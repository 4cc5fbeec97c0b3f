"""Identity and access over HTTP (httpx over ASGI) with the real embedded datastore (nx-27017).

Run: .venv/bin/pytest services/gateway/tests -q --no-eventlet -p no:nameko
"""

from __future__ import annotations

import asyncio
import logging
import statistics
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Annotated, Any

import anyio
import httpx
import jwt
import pytest
from fastapi import APIRouter, Depends, FastAPI

from presscenter.gateway.auth import (
    AuthService,
    AuthSettings,
    Principal,
    current_principal,
    install_auth,
    require_roles,
    require_scope,
    viewer_for,
)
from presscenter.shared.testing.tcp_proxy import TcpProxy

pytestmark = pytest.mark.anyio

SECRET = "test-signing-key-0123456789-abcdefghij"
ADMIN = ("root.admin", "admin password 0001")
FAST_HASHING = {"password_hash_time_cost": 1, "password_hash_memory_kib": 1024, "password_hash_parallelism": 1}
CLIENT = ("198.51.100.7", 40000)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@dataclass
class Clock:
    """The service's clock for datastore times (throttle windows, refresh and API token expiry)."""

    now: float = field(default_factory=time.time)

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


# --- a tiny router standing in for the services' routers -----------------------------------------------

probe = APIRouter(prefix="/probe")


@probe.get("/viewer")
async def viewer(principal: Annotated[Principal | None, Depends(current_principal)]) -> dict[str, Any]:
    return viewer_for(principal).model_dump(mode="json")


@probe.get("/editorial")
async def editorial(principal: Annotated[Principal, Depends(require_roles("editor", "admin"))]) -> dict[str, Any]:
    return principal.as_actor()


@probe.get("/submit")
async def submit(principal: Annotated[Principal, Depends(require_scope("releases:submit"))]) -> dict[str, Any]:
    return principal.as_actor()


@dataclass
class Gateway:
    app: FastAPI
    client: httpx.AsyncClient
    clock: Clock

    @property
    def service(self) -> AuthService:
        return self.app.state.auth_service  # type: ignore[no-any-return]

    def from_address(self, host: str) -> httpx.AsyncClient:
        transport = httpx.ASGITransport(app=self.app, client=(host, 40000))
        return httpx.AsyncClient(transport=transport, base_url="http://gateway")

    async def login(
        self, username: str, password: str, client: httpx.AsyncClient | None = None, **extra: str
    ) -> httpx.Response:
        form = {"grant_type": "password", "username": username, "password": password, **extra}
        return await (client or self.client).post("/v1/auth/token", data=form)

    async def bearer(self, username: str, password: str) -> dict[str, str]:
        response = await self.login(username, password)
        assert response.status_code == 200, response.text
        return {"Authorization": f"Bearer {response.json()['access_token']}"}

    async def create(self, admin: dict[str, str], **account: Any) -> dict[str, Any]:
        response = await self.client.post("/v1/admin/accounts", json=account, headers=admin)
        assert response.status_code == 201, response.text
        return response.json()  # type: ignore[no-any-return]


@asynccontextmanager
async def running_gateway(mongo_uri: str, mongo_db: str, **overrides: Any) -> AsyncIterator[Gateway]:
    values: dict[str, Any] = {
        "mongo_uri": mongo_uri,
        "mongo_db": mongo_db,
        "jwt_secret": SECRET,
        "admin_username": ADMIN[0],
        "admin_password": ADMIN[1],
        **FAST_HASHING,
    }
    settings = AuthSettings(**{**values, **overrides})
    clock = Clock()
    app = FastAPI()
    install_auth(app, settings, clock)
    app.include_router(probe)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, client=CLIENT)
        async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as client:
            yield Gateway(app, client, clock)


@pytest.fixture
async def gateway(mongo_uri: str, mongo_db_name: str) -> AsyncIterator[Gateway]:
    async with running_gateway(mongo_uri, mongo_db_name) as running:
        yield running


@pytest.fixture
async def admin(gateway: Gateway) -> dict[str, str]:
    return await gateway.bearer(*ADMIN)


JOURNALIST = {
    "username": "Lan@VnExpress.example",
    "password": "journalist password 1",
    "role": "journalist",
    "outlet": "VnExpress",
    "embargo_entitled": True,
    "display_name": "Nguyễn Thị Lan",
}
EDITOR = {"username": "editor.minh", "password": "editor password 0001", "role": "editor"}


# --- login ------------------------------------------------------------------------------------------------


async def test_login_issues_a_jwt_that_identifies_the_account(gateway: Gateway, admin: dict[str, str]) -> None:
    created = await gateway.create(admin, **JOURNALIST)
    assert created["username"] == "lan@vnexpress.example" and created["has_password"]
    assert "password" not in created and "password_hash" not in created
    response = await gateway.login("  LAN@vnexpress.EXAMPLE", JOURNALIST["password"])
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert body["token_type"] == "bearer" and body["expires_in"] == 600
    assert body["refresh_token"].startswith("pcr_") and body["refresh_expires_in"] == 14 * 86400
    claims = jwt.decode(body["access_token"], options={"verify_signature": False})
    assert claims["sub"] == created["id"] and claims["role"] == "journalist"
    assert claims["outlet"] == "VnExpress" and claims["embargo_entitled"] is True and claims["unit_code"] is None
    assert claims["iss"] == "presscenter-gateway" and claims["aud"] == "presscenter-api"
    headers = {"Authorization": f"Bearer {body['access_token']}"}
    me = (await gateway.client.get("/v1/auth/me", headers=headers)).json()
    assert me == {
        "id": created["id"],
        "username": "lan@vnexpress.example",
        "display_name": "Nguyễn Thị Lan",
        "role": "journalist",
        "unit_code": None,
        "outlet": "VnExpress",
        "embargo_entitled": True,
        "auth": "password",
        "scopes": ["*"],
    }
    viewer = (await gateway.client.get("/probe/viewer", headers=headers)).json()
    assert viewer == {"id": created["id"], "role": "journalist", "unit_code": None, "embargo_entitled": True}


async def test_wrong_password_unknown_user_and_inactive_account_get_the_same_answer(
    gateway: Gateway, admin: dict[str, str]
) -> None:
    await gateway.create(admin, **JOURNALIST)
    sleeper = await gateway.create(admin, **{**EDITOR, "username": "sleeper"})
    await gateway.client.post(f"/v1/admin/accounts/{sleeper['id']}/deactivate", headers=admin)
    answers = [
        await gateway.login("lan@vnexpress.example", "not the password"),
        await gateway.login("nobody@nowhere.example", "not the password"),
        await gateway.login("sleeper", EDITOR["password"]),
    ]
    assert {r.status_code for r in answers} == {400}
    assert len({r.content for r in answers}) == 1, [r.text for r in answers]
    assert len({tuple(sorted((k, v) for k, v in r.headers.items() if k != "date")) for r in answers}) == 1
    assert answers[0].json()["detail"] == "invalid username or password"


async def test_the_failure_path_costs_about_as_much_for_unknown_users(mongo_uri: str, mongo_db_name: str) -> None:
    costly = {"password_hash_time_cost": 2, "password_hash_memory_kib": 32768, "password_hash_parallelism": 1}
    async with running_gateway(mongo_uri, mongo_db_name, login_max_failures_per_username=100, **costly) as gateway:
        await gateway.login("warm-up", "x")  # the dummy hash is made on first use

        async def median_seconds(username: str) -> float:
            durations = []
            for _ in range(5):
                start = time.perf_counter()
                assert (await gateway.login(username, "wrong password")).status_code == 400
                durations.append(time.perf_counter() - start)
            return statistics.median(durations)

        known, unknown = await median_seconds(ADMIN[0]), await median_seconds("no-such-user")
    assert 0.4 < unknown / known < 2.5, (known, unknown)
    assert min(known, unknown) > 0.01  # argon2 ran in both


async def test_grant_types_other_than_password_are_refused(gateway: Gateway) -> None:
    response = await gateway.login(*ADMIN, grant_type="client_credentials")
    assert response.status_code == 422
    assert (await gateway.client.post("/v1/auth/token", json={"username": ADMIN[0]})).status_code == 422


# --- throttling ---------------------------------------------------------------------------------------------


async def test_failed_logins_per_username_are_throttled_with_retry_after(gateway: Gateway) -> None:
    for _ in range(5):
        assert (await gateway.login(ADMIN[0], "wrong")).status_code == 400
    refused = await gateway.login(*ADMIN)  # even the right password, from another address
    async with gateway.from_address("203.0.113.50") as elsewhere:
        assert (await gateway.login(*ADMIN, client=elsewhere)).status_code == 429
    assert refused.status_code == 429
    assert 890 <= int(refused.headers["retry-after"]) <= 900
    gateway.clock.advance(600)
    retry_after = int((await gateway.login(*ADMIN)).headers["retry-after"])
    assert 290 <= retry_after <= 300
    gateway.clock.advance(retry_after)
    assert (await gateway.login(*ADMIN)).status_code == 200


async def test_unknown_usernames_are_throttled_alike(gateway: Gateway) -> None:
    statuses = [(await gateway.login("ghost", "wrong")).status_code for _ in range(6)]
    assert statuses == [400] * 5 + [429]


async def test_a_success_clears_the_username_counter(gateway: Gateway) -> None:
    for _ in range(4):
        await gateway.login(ADMIN[0], "wrong")
    assert (await gateway.login(*ADMIN)).status_code == 200
    for _ in range(4):
        assert (await gateway.login(ADMIN[0], "wrong")).status_code == 400
    assert (await gateway.login(*ADMIN)).status_code == 200


async def test_failed_logins_per_address_are_throttled(mongo_uri: str, mongo_db_name: str) -> None:
    async with running_gateway(mongo_uri, mongo_db_name, login_max_failures_per_ip=3) as gateway:
        for name in ("a-user", "b-user", "c-user"):
            assert (await gateway.login(name, "wrong")).status_code == 400
        response = await gateway.login(*ADMIN)
        assert response.status_code == 429 and int(response.headers["retry-after"]) > 0
        async with gateway.from_address("203.0.113.9") as other:
            assert (await gateway.login(*ADMIN, client=other)).status_code == 200


# --- refresh tokens -----------------------------------------------------------------------------------------


async def test_refresh_rotates_and_a_replayed_token_revokes_the_session(gateway: Gateway) -> None:
    first = (await gateway.login(*ADMIN)).json()
    other_session = (await gateway.login(*ADMIN)).json()
    second = await gateway.client.post("/v1/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert second.status_code == 200 and second.headers["cache-control"] == "no-store"
    rotated = second.json()
    assert rotated["refresh_token"] != first["refresh_token"]
    assert rotated["access_token"] != first["access_token"]
    me = await gateway.client.get("/v1/auth/me", headers={"Authorization": f"Bearer {rotated['access_token']}"})
    assert me.status_code == 200
    # the used token comes back: theft or replay; the whole family dies
    replay = await gateway.client.post("/v1/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert replay.status_code == 401 and replay.headers["www-authenticate"].startswith("Bearer")
    after = await gateway.client.post("/v1/auth/refresh", json={"refresh_token": rotated["refresh_token"]})
    assert after.status_code == 401
    # another login of the same account is another family
    untouched = await gateway.client.post("/v1/auth/refresh", json={"refresh_token": other_session["refresh_token"]})
    assert untouched.status_code == 200


async def test_logout_revokes_the_session(gateway: Gateway) -> None:
    pair = (await gateway.login(*ADMIN)).json()
    rotated = (await gateway.client.post("/v1/auth/refresh", json={"refresh_token": pair["refresh_token"]})).json()
    assert (
        await gateway.client.post("/v1/auth/logout", json={"refresh_token": rotated["refresh_token"]})
    ).status_code == 204
    assert (
        await gateway.client.post("/v1/auth/refresh", json={"refresh_token": rotated["refresh_token"]})
    ).status_code == 401
    # unknown or malformed tokens: the same silent 204
    for token in ("pcr_" + "A" * 43, "garbage"):
        assert (await gateway.client.post("/v1/auth/logout", json={"refresh_token": token})).status_code == 204


async def test_refresh_tokens_expire_and_junk_is_refused(gateway: Gateway) -> None:
    pair = (await gateway.login(*ADMIN)).json()
    gateway.clock.advance(14 * 86400 + 1)
    expired = await gateway.client.post("/v1/auth/refresh", json={"refresh_token": pair["refresh_token"]})
    assert expired.status_code == 401 and expired.json()["detail"] == "invalid refresh token"
    for junk in ("pcr_" + "A" * 43, pair["access_token"], "x"):
        assert (await gateway.client.post("/v1/auth/refresh", json={"refresh_token": junk})).status_code == 401
    assert (await gateway.client.post("/v1/auth/refresh", json={"refresh_token": {"$gt": ""}})).status_code == 422


# --- bearer verification over HTTP ---------------------------------------------------------------------------


async def test_bad_bearers_are_401_with_a_bearer_challenge(gateway: Gateway) -> None:
    pair = (await gateway.login(*ADMIN)).json()
    claims = jwt.decode(pair["access_token"], options={"verify_signature": False})
    wrong_audience = jwt.encode(
        {**claims, "aud": "elsewhere"}, SECRET, algorithm="HS256", headers={"kid": "k1", "typ": "at+jwt"}
    )
    unsigned = jwt.encode(claims, None, algorithm="none", headers={"kid": "k1", "typ": "at+jwt"})
    expired = jwt.encode(
        {**claims, "iat": claims["iat"] - 3600, "exp": claims["exp"] - 3600},
        SECRET,
        algorithm="HS256",
        headers={"kid": "k1", "typ": "at+jwt"},
    )
    for authorization, reason in [
        (f"Bearer {wrong_audience}", "wrong audience"),
        (f"Bearer {unsigned}", "unexpected signing algorithm"),
        (f"Bearer {expired}", "token expired"),
        (f"Bearer {pair['access_token'][:-6]}AAAAAA", "bad signature"),
        (f"Bearer {pair['refresh_token']}", "malformed token"),
        ("Bearer pc_0000000000000000_" + "A" * 43, "invalid API token"),
        (f"Basic {pair['access_token']}", "expected a Bearer token"),
        ("Bearer", "expected a Bearer token"),
    ]:
        response = await gateway.client.get("/probe/viewer", headers={"Authorization": authorization})
        assert response.status_code == 401, (reason, response.text)
        assert response.json()["detail"] == reason
        assert response.headers["www-authenticate"] == (
            f'Bearer realm="presscenter", error="invalid_token", error_description="{reason}"'
        )
    anonymous = await gateway.client.get("/probe/viewer")
    assert anonymous.json() == {"id": "anonymous", "role": "public", "unit_code": None, "embargo_entitled": False}


async def test_roles_are_checked_by_require_roles(gateway: Gateway, admin: dict[str, str]) -> None:
    await gateway.create(admin, **JOURNALIST)
    await gateway.create(admin, **EDITOR)
    journalist = await gateway.bearer("lan@vnexpress.example", JOURNALIST["password"])
    editor = await gateway.bearer(EDITOR["username"], EDITOR["password"])
    anonymous = await gateway.client.get("/probe/editorial")
    assert anonymous.status_code == 401 and anonymous.headers["www-authenticate"] == 'Bearer realm="presscenter"'
    assert (await gateway.client.get("/probe/editorial", headers=journalist)).status_code == 403
    allowed = await gateway.client.get("/probe/editorial", headers=editor)
    assert allowed.status_code == 200 and allowed.json()["role"] == "editor" and allowed.json()["kind"] == "user"
    assert (await gateway.client.get("/probe/editorial", headers=admin)).status_code == 200
    # the admin endpoints are admin only
    for headers in (journalist, editor):
        assert (await gateway.client.get("/v1/admin/accounts", headers=headers)).status_code == 403
        response = await gateway.client.post("/v1/admin/accounts", json=EDITOR, headers=headers)
        assert response.status_code == 403
    assert (await gateway.client.get("/v1/admin/accounts")).status_code == 401
    with pytest.raises(ValueError):
        require_roles("superuser")  # type: ignore[arg-type]


# --- API tokens -----------------------------------------------------------------------------------------------


async def test_api_tokens_authenticate_a_system_until_revoked(gateway: Gateway, admin: dict[str, str]) -> None:
    system = await gateway.create(admin, username="cms-quan-3", role="system", unit_code="quan-3")
    assert not system["has_password"]
    issued = await gateway.client.post(
        "/v1/admin/api-tokens",
        json={"account_id": system["id"], "name": "District 3 CMS", "scopes": ["releases:submit"]},
        headers=admin,
    )
    assert issued.status_code == 201 and issued.headers["cache-control"] == "no-store"
    token = issued.json()["token"]
    assert token.startswith(f"pc_{issued.json()['id']}_")
    headers = {"Authorization": f"Bearer {token}"}
    me = (await gateway.client.get("/v1/auth/me", headers=headers)).json()
    assert me["id"] == system["id"] and me["role"] == "system" and me["unit_code"] == "quan-3"
    assert me["auth"] == "api_token" and me["scopes"] == ["releases:submit"]
    actor = (await gateway.client.get("/probe/submit", headers=headers)).json()
    assert actor == {"kind": "system", "id": system["id"], "role": "system", "unit_code": "quan-3"}
    assert (await gateway.client.get("/probe/editorial", headers=headers)).status_code == 403
    listed = (await gateway.client.get(f"/v1/admin/api-tokens?account_id={system['id']}", headers=admin)).json()
    assert len(listed) == 1 and "token" not in listed[0] and "token_hash" not in listed[0]
    assert listed[0]["last_used_at"] is not None and listed[0]["created_by"] is not None
    # the datastore never holds the secret
    stored = await gateway.service.datastore.api_tokens.find_one({"_id": issued.json()["id"]})
    assert stored is not None and token not in str(stored)
    # a token with the right id but another secret is refused
    forged = token[: -len("secret")] + "secret"
    assert (await gateway.client.get("/v1/auth/me", headers={"Authorization": f"Bearer {forged}"})).status_code == 401
    revoked = await gateway.client.post(f"/v1/admin/api-tokens/{issued.json()['id']}/revoke", headers=admin)
    assert revoked.status_code == 200 and revoked.json()["revoked_at"] is not None
    refused = await gateway.client.get("/v1/auth/me", headers=headers)
    assert refused.status_code == 401 and refused.json()["detail"] == "API token revoked"
    assert (await gateway.client.post("/v1/admin/api-tokens/0123456789abcdef/revoke", headers=admin)).status_code == 404


async def test_api_token_scopes_expiry_and_inactive_accounts(gateway: Gateway, admin: dict[str, str]) -> None:
    system = await gateway.create(admin, username="cms-so-yte", role="system", unit_code="so-yte")

    async def issue(**body: Any) -> dict[str, str]:
        response = await gateway.client.post(
            "/v1/admin/api-tokens", json={"account_id": system["id"], "name": "app", **body}, headers=admin
        )
        assert response.status_code == 201, response.text
        return {"Authorization": f"Bearer {response.json()['token']}"}

    narrow = await issue(scopes=["feeds:read"], expires_in_days=1)
    assert (await gateway.client.get("/probe/submit", headers=narrow)).status_code == 403
    everything = await issue()
    assert (await gateway.client.get("/probe/submit", headers=everything)).status_code == 200
    gateway.clock.advance(86400 + 1)
    assert (await gateway.client.get("/v1/auth/me", headers=narrow)).json()["detail"] == "API token expired"
    assert (await gateway.client.get("/v1/auth/me", headers=everything)).status_code == 200
    await gateway.client.post(f"/v1/admin/accounts/{system['id']}/deactivate", headers=admin)
    assert (await gateway.client.get("/v1/auth/me", headers=everything)).json()["detail"] == "account inactive"
    too_long = await gateway.client.post(
        "/v1/admin/api-tokens", json={"account_id": system["id"], "name": "x", "expires_in_days": 5000}, headers=admin
    )
    assert too_long.status_code == 422
    unknown = await gateway.client.post("/v1/admin/api-tokens", json={"account_id": "nope", "name": "x"}, headers=admin)
    assert unknown.status_code == 404


# --- administration --------------------------------------------------------------------------------------------


async def test_admin_creates_lists_deactivates_and_resets(gateway: Gateway, admin: dict[str, str]) -> None:
    journalist = await gateway.create(admin, **JOURNALIST)
    duplicate = await gateway.client.post(
        "/v1/admin/accounts", json={**JOURNALIST, "username": "LAN@vnexpress.example"}, headers=admin
    )
    assert duplicate.status_code == 409
    weak = await gateway.client.post("/v1/admin/accounts", json={**EDITOR, "password": "short"}, headers=admin)
    assert weak.status_code == 422
    injected = await gateway.client.post("/v1/admin/accounts", json={**EDITOR, "username": {"$gt": ""}}, headers=admin)
    assert injected.status_code == 422
    for index in range(3):
        await gateway.create(admin, **{**EDITOR, "username": f"editor-{index}"})
    page = (await gateway.client.get("/v1/admin/accounts?role=editor&limit=2", headers=admin)).json()
    assert [a["username"] for a in page["items"]] == ["editor-0", "editor-1"] and page["next_after"] == "editor-1"
    rest = (
        await gateway.client.get(f"/v1/admin/accounts?role=editor&after={page['next_after']}", headers=admin)
    ).json()
    assert [a["username"] for a in rest["items"]] == ["editor-2"] and rest["next_after"] is None
    assert (await gateway.client.get(f"/v1/admin/accounts/{journalist['id']}", headers=admin)).json() == journalist

    session = (await gateway.login("lan@vnexpress.example", JOURNALIST["password"])).json()
    reset = await gateway.client.post(
        f"/v1/admin/accounts/{journalist['id']}/password", json={"password": "a brand new password"}, headers=admin
    )
    assert reset.status_code == 204
    assert (await gateway.login("lan@vnexpress.example", JOURNALIST["password"])).status_code == 400
    assert (
        await gateway.client.post("/v1/auth/refresh", json={"refresh_token": session["refresh_token"]})
    ).status_code == 401
    session = (await gateway.login("lan@vnexpress.example", "a brand new password")).json()

    deactivated = await gateway.client.post(f"/v1/admin/accounts/{journalist['id']}/deactivate", headers=admin)
    assert deactivated.status_code == 200 and deactivated.json()["active"] is False
    assert (await gateway.login("lan@vnexpress.example", "a brand new password")).status_code == 400
    assert (
        await gateway.client.post("/v1/auth/refresh", json={"refresh_token": session["refresh_token"]})
    ).status_code == 401
    inactive = (await gateway.client.get("/v1/admin/accounts?active=false", headers=admin)).json()["items"]
    assert [a["id"] for a in inactive] == [journalist["id"]]
    await gateway.client.post(f"/v1/admin/accounts/{journalist['id']}/activate", headers=admin)
    assert (await gateway.login("lan@vnexpress.example", "a brand new password")).status_code == 200

    me = (await gateway.client.get("/v1/auth/me", headers=admin)).json()
    assert (await gateway.client.post(f"/v1/admin/accounts/{me['id']}/deactivate", headers=admin)).status_code == 409
    assert (await gateway.client.post("/v1/admin/accounts/nope/deactivate", headers=admin)).status_code == 404


async def test_the_bootstrap_admin_is_created_once(mongo_uri: str, mongo_db_name: str) -> None:
    async with running_gateway(mongo_uri, mongo_db_name) as gateway:
        assert (await gateway.login(*ADMIN)).status_code == 200
    # restarted with another password in the environment: the existing admin is left as it is
    async with running_gateway(mongo_uri, mongo_db_name, admin_password="another password 02") as gateway:
        assert (await gateway.login(*ADMIN)).status_code == 200
        assert (await gateway.login(ADMIN[0], "another password 02")).status_code == 400
        admins = await gateway.service.list_accounts(role="admin")
        assert [a.username for a in admins] == [ADMIN[0]]


async def test_no_password_or_token_reaches_the_logs(
    gateway: Gateway, admin: dict[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    secrets = [ADMIN[1], JOURNALIST["password"], "a wrong password 77", "a brand new password"]
    created = await gateway.create(admin, **JOURNALIST)
    await gateway.login("lan@vnexpress.example", "a wrong password 77")
    pair = (await gateway.login("lan@vnexpress.example", JOURNALIST["password"])).json()
    rotated = (await gateway.client.post("/v1/auth/refresh", json={"refresh_token": pair["refresh_token"]})).json()
    await gateway.client.post("/v1/auth/refresh", json={"refresh_token": pair["refresh_token"]})  # reuse
    await gateway.client.post("/v1/auth/logout", json={"refresh_token": rotated["refresh_token"]})
    await gateway.client.post(
        f"/v1/admin/accounts/{created['id']}/password", json={"password": "a brand new password"}, headers=admin
    )
    system = await gateway.create(admin, username="cms-1", role="system", unit_code="quan-1")
    issued = (
        await gateway.client.post("/v1/admin/api-tokens", json={"account_id": system["id"], "name": "n"}, headers=admin)
    ).json()
    await gateway.client.get("/v1/auth/me", headers={"Authorization": f"Bearer {issued['token']}"})
    await gateway.client.post(f"/v1/admin/api-tokens/{issued['id']}/revoke", headers=admin)
    await gateway.client.get("/v1/auth/me", headers={"Authorization": f"Bearer {issued['token']}"})
    await gateway.client.get("/v1/auth/me", headers={"Authorization": f"Bearer {pair['access_token']}x"})
    secrets += [
        admin["Authorization"].split()[1],
        pair["access_token"],
        pair["refresh_token"],
        rotated["access_token"],
        rotated["refresh_token"],
        issued["token"],
        issued["token"].rsplit("_", 1)[1],
    ]
    assert any(r.name.startswith("presscenter.gateway.auth") for r in caplog.records)
    assert any(r.name.startswith("pymongo") for r in caplog.records)  # DEBUG really was captured
    text = "\n".join(f"{r.getMessage()} {r.exc_text or ''} {r.__dict__}" for r in caplog.records) + caplog.text
    leaked = [secret for secret in secrets if secret in text]
    assert not leaked, leaked


# --- the datastore out of reach -----------------------------------------------------------------------------


@pytest.fixture
def mongo_proxy(mongo_uri: str) -> Iterator[TcpProxy]:
    """A TCP proxy in front of the embedded datastore, to cut it off."""
    port = int(mongo_uri.rsplit(":", 1)[1])
    proxy = TcpProxy(target_port=port).start()
    yield proxy
    proxy.stop()


async def test_an_unreachable_datastore_is_a_fast_503_and_jwts_keep_working(
    mongo_proxy: TcpProxy, mongo_db_name: str
) -> None:
    uri = f"mongodb://127.0.0.1:{mongo_proxy.port}"
    async with running_gateway(uri, mongo_db_name, mongo_timeout_seconds=0.5) as gateway:
        admin = await gateway.bearer(*ADMIN)
        mongo_proxy.stop()
        start = time.monotonic()
        down = await gateway.login(*ADMIN)
        assert down.status_code == 503 and down.headers["retry-after"] == "5", down.text
        assert time.monotonic() - start < 3
        listing = await gateway.client.get("/v1/admin/accounts", headers=admin)
        assert listing.status_code == 503
        api_token = {"Authorization": "Bearer pc_0123456789abcdef_" + "A" * 43}
        assert (await gateway.client.get("/probe/viewer", headers=api_token)).status_code == 503
        # a JWT needs no datastore
        assert (await gateway.client.get("/probe/editorial", headers=admin)).status_code == 200
        mongo_proxy.start()
        # pymongo sees the datastore back at its next server check (at most one every 0.5 s, the
        # same as the selection timeout here), so the first login may still be refused
        deadline = time.monotonic() + 5
        while (back := await gateway.login(*ADMIN)).status_code != 200:
            assert back.status_code == 503 and time.monotonic() < deadline, back.text
            await asyncio.sleep(0.1)


async def test_startup_goes_on_without_the_datastore_and_catches_up(mongo_proxy: TcpProxy, mongo_db_name: str) -> None:
    uri = f"mongodb://127.0.0.1:{mongo_proxy.port}"
    mongo_proxy.stop()
    async with running_gateway(uri, mongo_db_name, mongo_timeout_seconds=0.3) as gateway:
        assert not gateway.service.ready
        refused = await gateway.login(*ADMIN)
        assert refused.status_code == 503 and refused.headers["retry-after"] == "5"
        mongo_proxy.start()
        deadline = time.monotonic() + 15
        while not gateway.service.ready and time.monotonic() < deadline:
            await anyio.sleep(0.1)
        assert gateway.service.ready
        # the bootstrap admin was created meanwhile; the client's pool may need one more server check
        deadline = time.monotonic() + 5
        while (status := (await gateway.login(*ADMIN)).status_code) == 503 and time.monotonic() < deadline:
            await anyio.sleep(0.2)
        assert status == 200


async def test_remembered_api_tokens_revoked_here_at_once_elsewhere_within_the_bound(
    mongo_uri: str, mongo_db_name: str
) -> None:
    """API_TOKEN_CACHE_SECONDS=5: a revocation or deactivation through this gateway is refused on the
    next request; one made elsewhere (another replica, the admin CLI: here straight in the datastore)
    within 5 s of the service's clock."""
    async with running_gateway(mongo_uri, mongo_db_name, api_token_cache_seconds=5) as gateway:
        admin = await gateway.bearer(*ADMIN)
        system = await gateway.create(admin, username="cms-q1", role="system", unit_code="quan-1")

        async def issue() -> tuple[str, dict[str, str]]:
            response = await gateway.client.post(
                "/v1/admin/api-tokens", json={"account_id": system["id"], "name": "cms"}, headers=admin
            )
            assert response.status_code == 201, response.text
            return response.json()["id"], {"Authorization": f"Bearer {response.json()['token']}"}

        async def me(headers: dict[str, str]) -> httpx.Response:
            return await gateway.client.get("/v1/auth/me", headers=headers)

        token_id, headers = await issue()
        assert (await me(headers)).status_code == 200 and len(gateway.service.api_token_cache) == 1
        await gateway.client.post(f"/v1/admin/api-tokens/{token_id}/revoke", headers=admin)
        assert (await me(headers)).json()["detail"] == "API token revoked"

        token_id, headers = await issue()
        assert (await me(headers)).status_code == 200
        await gateway.service.datastore.api_tokens.update_one(
            {"_id": token_id}, {"$set": {"revoked": True, "revoked_at": 1.0}}
        )
        assert (await me(headers)).status_code == 200  # remembered: the bounded delay
        gateway.clock.advance(5)
        assert (await me(headers)).json()["detail"] == "API token revoked"

        _, headers = await issue()
        assert (await me(headers)).status_code == 200
        await gateway.client.post(f"/v1/admin/accounts/{system['id']}/deactivate", headers=admin)
        assert (await me(headers)).json()["detail"] == "account inactive"
