"""Accounts for gateway tests, made through the admin API of a running gateway and logged in.

cast = sign_in(http, ADMIN, PRESS_CAST)    # name -> SignedIn (account id, access token)
http.get("/v1/releases", headers=cast["editor"].headers)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

PASSWORD = "test password 0001"
ADMIN = ("root.admin", "admin password 0001")
# argon2 parameters that keep logins fast in tests
FAST_HASHING = {"password_hash_time_cost": 1, "password_hash_memory_kib": 1024, "password_hash_parallelism": 1}

PRESS_CAST: dict[str, dict[str, Any]] = {
    "editor": {"username": "editor.ubnd", "role": "editor"},
    "officer": {"username": "officer.soyte", "role": "unit_officer", "unit_code": "so-yte"},
    "journalist": {"username": "journalist.plain", "role": "journalist", "outlet": "Báo Hà Nội Mới"},
    "entitled": {
        "username": "journalist.entitled",
        "role": "journalist",
        "outlet": "Thông tấn xã Việt Nam",
        "embargo_entitled": True,
    },
}


@dataclass(frozen=True)
class SignedIn:
    account_id: str
    access_token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.access_token}"}


def login(http: httpx.Client, username: str, password: str) -> str:
    form = {"grant_type": "password", "username": username, "password": password}
    response = http.post("/v1/auth/token", data=form)
    response.raise_for_status()
    return str(response.json()["access_token"])


def sign_in(
    http: httpx.Client, admin: tuple[str, str], cast: dict[str, dict[str, Any]] = PRESS_CAST
) -> dict[str, SignedIn]:
    """Create every account of `cast` (password `PASSWORD`) as the admin, then log each in."""
    admin_headers = {"Authorization": f"Bearer {login(http, *admin)}"}
    signed: dict[str, SignedIn] = {}
    for name, account in cast.items():
        response = http.post("/v1/admin/accounts", json={**account, "password": PASSWORD}, headers=admin_headers)
        response.raise_for_status()
        signed[name] = SignedIn(response.json()["id"], login(http, account["username"], PASSWORD))
    return signed
