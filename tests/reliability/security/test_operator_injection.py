"""MongoDB operators smuggled into the API never reach a query.

`{"$gt": ""}`, `$ne`, `$where`, `$regex` and friends, as JSON values, as bracketed query or form
keys (`status[$ne]=x`, what Express-style parsers turn into objects) and as path ids: each request
is refused (400/404/422) or the operator is kept as a literal string that matches nothing. Logins
with operator "credentials" fail as wrong passwords do. Searches are made against data that
exists (a published release, a question, the caller's own account) so "matches nothing" means the
operator was not applied.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

import httpx
import pytest

from presscenter.gateway.testing.accounts import ADMIN

from .conftest import OFFICER_UNIT, Cast

GT = {"$gt": ""}
NE = {"$ne": None}
WHERE = {"$where": "function() { return true; }"}
OPERATOR_TEXTS = [json.dumps(GT), json.dumps(NE), json.dumps(WHERE), '{"$regex": ".*"}', "$where", ".*"]
SAFE_STATUSES = (400, 404, 422)


def items_of(body: Any) -> list[Any]:
    """The listed things of a list answer (`items`, or an Open311 array)."""
    if isinstance(body, list):
        return body
    for key in ("items", "service_requests"):
        if isinstance(body, dict) and key in body:
            return list(body[key])
    raise AssertionError(f"not a list answer: {str(body)[:200]}")


@pytest.fixture(scope="module")
def existing(http: httpx.Client, cast: Cast) -> dict[str, str]:
    """Data every query below could match if an operator got through."""
    officer, editor = cast.headers("officer"), cast.headers("editor")
    content = {"title": "Thông cáo để dò toán tử", "lead": "Ha Noi", "body": "Nội dung.", "categories": ["health"]}
    created = http.post("/v1/releases", json={"unit_code": OFFICER_UNIT, "content": content}, headers=officer)
    assert created.status_code == 201, created.text
    release = created.json()
    for who, action in ((officer, "submit"), (editor, "approve"), (editor, "publish")):
        current = http.get(f"/v1/releases/{release['id']}", headers=editor).json()
        headers = {**who, "If-Match": f'"{current["revision"]}"'}
        assert http.post(f"/v1/releases/{release['id']}/{action}", headers=headers).status_code == 200
    question = http.post(
        "/v1/questions",
        json={"title": "Câu hỏi để dò", "body": "Có bao nhiêu ca?", "category": "health", "place": OFFICER_UNIT},
        headers=cast.headers("journalist"),
    )
    assert question.status_code == 201, question.text
    public = http.get("/v1/releases").json()
    assert public["items"], "a published release is there for the public to find"
    return {"release": release["id"], "question": question.json()["id"]}


def attempts(cast: Cast, existing: dict[str, str]) -> list[tuple[str, str, str, dict[str, Any], str]]:
    """(name, method, path, httpx kwargs, role)."""
    out: list[tuple[str, str, str, dict[str, Any], str]] = []
    # JSON bodies: operators where strings belong
    out += [
        ("refresh token as operator", "POST", "/v1/auth/refresh", {"json": {"refresh_token": GT}}, "anonymous"),
        ("logout token as operator", "POST", "/v1/auth/logout", {"json": {"refresh_token": NE}}, "anonymous"),
        (
            "me: account username $ne",
            "POST",
            "/v1/admin/accounts",
            {"json": {"username": NE, "role": "editor"}},
            "admin",
        ),
        ("reset password $gt", "POST", "/v1/admin/accounts/x/password", {"json": {"password": GT}}, "admin"),
        (
            "api token for account $ne",
            "POST",
            "/v1/admin/api-tokens",
            {"json": {"account_id": NE, "name": "n"}},
            "admin",
        ),
        ("release unit $gt", "POST", "/v1/releases", {"json": {"unit_code": GT, "content": {"title": "x"}}}, "editor"),
        (
            "question category $where",
            "POST",
            "/v1/questions",
            {"json": {"title": "t", "body": "b", "category": WHERE, "place": OFFICER_UNIT}},
            "journalist",
        ),
        ("claim with $set", "POST", "/v1/monitoring/claims", {"json": {"$set": {"status": "debunked"}}}, "editor"),
        ("media access $ne", "PUT", "/v1/media/assets/a-1/access", {"json": {"access": NE}}, "editor"),
        (
            "answer text $where",
            "POST",
            f"/v1/questions/{existing['question']}/answer",
            {"json": {"text": WHERE}},
            "editor",
        ),
    ]
    # query parameters: operator text and bracketed keys
    for text in OPERATOR_TEXTS:
        out += [
            (f"search q={text}", "GET", "/v1/releases", {"params": {"q": text}}, "editor"),
            (f"search unit_code={text}", "GET", "/v1/releases", {"params": {"unit_code": text}}, "editor"),
            (f"questions unit_code={text}", "GET", "/v1/questions", {"params": {"unit_code": text}}, "editor"),
            (f"accounts role={text}", "GET", "/v1/admin/accounts", {"params": {"role": text}}, "admin"),
            (f"units q={text}", "GET", "/v1/units", {"params": {"q": text, "kind": text}}, "anonymous"),
            (f"assets tag={text}", "GET", "/v1/media/assets", {"params": {"tag": text}}, "editor"),
            (f"claims status={text}", "GET", "/v1/monitoring/claims", {"params": {"status": text}}, "editor"),
            (
                f"open311 service_code={text}",
                "GET",
                "/open311/v2/requests.json",
                {"params": {"service_code": text}},
                "anonymous",
            ),
        ]
    # ids
    for text in OPERATOR_TEXTS:
        quoted = quote(text, safe="")
        out += [
            (f"release id {text}", "GET", f"/v1/releases/{quoted}", {}, "editor"),
            (f"question id {text}", "GET", f"/v1/questions/{quoted}", {}, "editor"),
            (f"account id {text}", "GET", f"/v1/admin/accounts/{quoted}", {}, "admin"),
            (f"unit code {text}", "GET", f"/v1/units/{quoted}", {}, "anonymous"),
            (f"asset id {text}", "GET", f"/v1/media/assets/{quoted}", {}, "editor"),
            (f"claim id {text}", "GET", f"/v1/monitoring/claims/{quoted}", {}, "editor"),
            (f"open311 request id {text}", "GET", f"/open311/v2/requests/{quoted}.json", {}, "anonymous"),
        ]
    return out


def test_operators_in_bodies_queries_and_ids_never_reach_a_query(
    http: httpx.Client, cast: Cast, existing: dict[str, str], figures: Any
) -> None:
    wrong: list[str] = []
    cases = attempts(cast, existing)
    for name, method, path, kwargs, role in cases:
        response = http.request(method, path, headers=cast.headers(role), **kwargs)
        if response.status_code in SAFE_STATUSES:
            continue
        if response.status_code == 200 and method == "GET" and "{" not in path:
            matched = items_of(response.json())
            if not matched:
                continue  # kept as a literal: nothing matches
            wrong.append(f"{name}: matched {len(matched)} item(s)")
            continue
        wrong.append(f"{name}: {method} {path} -> {response.status_code} {response.text[:200]}")
    figures.bad_inputs(len(cases), len(cases) - len(wrong))
    assert not wrong, "\n".join(wrong)


def test_bracketed_keys_are_ignored_not_applied(http: httpx.Client, cast: Cast, existing: dict[str, str]) -> None:
    """`status[$ne]=x` is a parameter nobody declared: the answer is the unfiltered one, not a widened one."""
    bent_keys = {"owner[$ne]": "x", "status[$ne]": "x", "unit_code[$ne]": "x", "q[$regex]": ".*"}
    entitled = cast.headers("entitled")
    plain = http.get("/v1/questions", headers=entitled).json()
    bent = http.get("/v1/questions", params=bent_keys, headers=entitled)
    assert bent.status_code == 200 and bent.json()["items"] == plain["items"]
    assert existing["question"] not in {item["id"] for item in bent.json()["items"]}  # another journalist's
    plain_311 = http.get("/open311/v2/requests.json")
    bent_311 = http.get("/open311/v2/requests.json", params={"service_request_id[$gt]": "", **bent_keys})
    assert bent_311.status_code == plain_311.status_code == 200
    assert bent_311.json() == plain_311.json()


@pytest.mark.parametrize(
    "username, password", [(json.dumps(GT), json.dumps(GT)), (ADMIN[0], json.dumps(NE)), (".*", ".*")]
)
def test_operator_credentials_fail_like_wrong_passwords(http: httpx.Client, username: str, password: str) -> None:
    form = {"grant_type": "password", "username": username, "password": password}
    response = http.post("/v1/auth/token", data=form)
    assert response.status_code == 400, response.text
    assert response.json().get("error") == "invalid_grant" or "access_token" not in response.text


def test_login_refuses_json_and_bracketed_form_keys(http: httpx.Client) -> None:
    as_json = http.post("/v1/auth/token", json={"grant_type": "password", "username": GT, "password": GT})
    assert as_json.status_code in (400, 415, 422), as_json.text
    bracketed = http.post("/v1/auth/token", data={"grant_type": "password", "username[$gt]": "", "password[$gt]": ""})
    assert bracketed.status_code in (400, 422) and "access_token" not in bracketed.text
