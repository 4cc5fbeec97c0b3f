"""The authorization matrix: every operation of the live OpenAPI by every role: allowed or refused.

`MATRIX` names, for each operation, the roles that get past authorization; every other role must
be refused: 401 when anonymous, 403 when signed in. "Past authorization" means any answer but
401/403 (with placeholder ids most allowed calls end in 404, with the documented example body in
a 2xx or 409). `SIGNED` marks operations whose only credential is a signature (presigned blob
URLs, the portal's HMAC webhook): no role gets in without one. A new operation in the OpenAPI
that is missing from the table fails `test_every_operation_is_in_the_matrix`, and so does a row
whose operation is gone. The observed table is written to .run/security/authorization-matrix.md.
Object-level access (whose question, which unit, embargoes) is in test_object_access.py.
"""

from __future__ import annotations

import json
import re
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from .conftest import ROLES, ROOT, Cast, Platform

ANON, JOURNALIST, ENTITLED, OFFICER, OTHER_OFFICER, EDITOR, ADMIN, SYSTEM = ROLES
EVERYONE = ROLES
SIGNED_IN = tuple(r for r in ROLES if r != ANON)
ADMINS = (ADMIN,)
EDITORS = (EDITOR, ADMIN)
UNIT_SIDE = (OFFICER, OTHER_OFFICER, EDITOR, ADMIN)
JOURNALISTS = (JOURNALIST, ENTITLED)
QUESTION_READERS = (JOURNALIST, ENTITLED, OFFICER, OTHER_OFFICER, EDITOR, ADMIN)
ASKER_SIDE = (JOURNALIST, ENTITLED, EDITOR, ADMIN)
NO_SYSTEMS = tuple(r for r in ROLES if r != SYSTEM)  # Open311 reads and the media library: no systems
SIGNED = "signature only"

MATRIX: dict[str, tuple[str, ...] | str] = {
    # operations
    "GET /healthz": EVERYONE,
    "GET /readyz": EVERYONE,
    # identity
    "POST /v1/auth/token": EVERYONE,
    "POST /v1/auth/refresh": EVERYONE,
    "POST /v1/auth/logout": EVERYONE,
    "GET /v1/auth/me": SIGNED_IN,
    "POST /v1/admin/accounts": ADMINS,
    "GET /v1/admin/accounts": ADMINS,
    "GET /v1/admin/accounts/{account_id}": ADMINS,
    "POST /v1/admin/accounts/{account_id}/deactivate": ADMINS,
    "POST /v1/admin/accounts/{account_id}/activate": ADMINS,
    "POST /v1/admin/accounts/{account_id}/password": ADMINS,
    "POST /v1/admin/api-tokens": ADMINS,
    "GET /v1/admin/api-tokens": ADMINS,
    "POST /v1/admin/api-tokens/{token_id}/revoke": ADMINS,
    # releases: the public reads (the service filters), unit officers author, editors decide
    "POST /v1/releases": UNIT_SIDE,
    "GET /v1/releases": EVERYONE,
    "GET /v1/releases/{release_id}": EVERYONE,
    "GET /v1/releases/{release_id}/ninjs": EVERYONE,
    "GET /v1/releases/{release_id}/deliveries": UNIT_SIDE,
    "GET /v1/releases/{release_id}/recipients": UNIT_SIDE,
    "PUT /v1/releases/{release_id}/content": UNIT_SIDE,
    "POST /v1/releases/{release_id}/submit": UNIT_SIDE,
    "POST /v1/releases/{release_id}/embargo": UNIT_SIDE,
    "POST /v1/releases/{release_id}/approve": EDITORS,
    "POST /v1/releases/{release_id}/reject": EDITORS,
    "POST /v1/releases/{release_id}/schedule": EDITORS,
    "POST /v1/releases/{release_id}/unschedule": EDITORS,
    "POST /v1/releases/{release_id}/publish": EDITORS,
    "POST /v1/releases/{release_id}/force-publish": EDITORS,
    "POST /v1/releases/{release_id}/correct": EDITORS,
    "POST /v1/releases/{release_id}/withdraw": EDITORS,
    "GET /v1/feeds/releases.atom": EVERYONE,
    "GET /v1/feeds/releases.json": EVERYONE,
    "GET /v1/stream": EVERYONE,
    "POST /v1/webhooks/portal": SIGNED,
    # questions
    "POST /v1/questions": JOURNALISTS,
    "GET /v1/questions": QUESTION_READERS,
    "GET /v1/questions/{question_id}": QUESTION_READERS,
    "POST /v1/questions/{question_id}/start": UNIT_SIDE,
    "POST /v1/questions/{question_id}/clarification-request": UNIT_SIDE,
    "POST /v1/questions/{question_id}/answer": UNIT_SIDE,
    "POST /v1/questions/{question_id}/clarification": ASKER_SIDE,
    "POST /v1/questions/{question_id}/close": ASKER_SIDE,
    "POST /v1/questions/{question_id}/reopen": ASKER_SIDE,
    "POST /v1/questions/{question_id}/reroute": EDITORS,
    "POST /v1/questions/{question_id}/escalate": EDITORS,
    "GET /v1/public-answers": EVERYONE,
    "GET /v1/scorecards": UNIT_SIDE,
    "GET /v1/question-categories": EVERYONE,
    # Open311 GeoReport v2: public reads; posting is a journalist's (API token or bearer)
    "GET /open311/v2/discovery.{format}": EVERYONE,
    "GET /open311/v2/services.{format}": EVERYONE,
    "GET /open311/v2/services/{service_code}.{format}": EVERYONE,
    "GET /open311/v2/requests.{format}": NO_SYSTEMS,
    "GET /open311/v2/requests/{service_request_id}.{format}": NO_SYSTEMS,
    "POST /open311/v2/requests.{format}": JOURNALISTS,
    # directory
    "GET /v1/units": EVERYONE,
    "GET /v1/units/{code}": EVERYONE,
    # monitoring: the desk; unit officers read claims and alerts (of their unit: the service filters)
    "GET /v1/monitoring/trends": EDITORS,
    "GET /v1/monitoring/alerts": UNIT_SIDE,
    "GET /v1/monitoring/stories/{story_id}": EDITORS,
    "POST /v1/monitoring/claims": EDITORS,
    "GET /v1/monitoring/claims": UNIT_SIDE,
    "GET /v1/monitoring/claims/{claim_id}": UNIT_SIDE,
    "PATCH /v1/monitoring/claims/{claim_id}": EDITORS,
    "GET /v1/monitoring/claims/{claim_id}/spread": EDITORS,
    # media: authors upload and manage; reads are filtered by access (the service hides what is not yours)
    "POST /v1/media/uploads": UNIT_SIDE,
    "POST /v1/media/assets/{asset_id}/complete": UNIT_SIDE,
    "GET /v1/media/assets": NO_SYSTEMS,
    "GET /v1/media/assets/{asset_id}": NO_SYSTEMS,
    "PUT /v1/media/assets/{asset_id}/metadata": UNIT_SIDE,
    "PUT /v1/media/assets/{asset_id}/access": UNIT_SIDE,
    "POST /v1/media/assets/{asset_id}/download-url": NO_SYSTEMS,
    "GET /v1/media/assets/{asset_id}/downloads": UNIT_SIDE,
    "PUT /v1/media/blobs/{path}": SIGNED,
    "GET /v1/media/blobs/{path}": SIGNED,
    # web console (static)
    "GET /console/": EVERYONE,
}

# The documented example bodies of these name the unit so-yte: the other unit's officer, allowed the
# operation, is refused (403) for that unit's object.
FOREIGN_UNIT_EXAMPLE = {"POST /v1/releases", "POST /v1/media/uploads"}
# Credentials come from the caller's Authorization header, never from an example body.
EXAMPLE_CREDENTIALS = ("api_key",)

# Placeholder path values: well-formed, naming nothing that exists (a real unit for the directory).
PATH_VALUES = {"format": "json", "code": "so-yte", "path": "media/objects/probe/none"}
PLACEHOLDER = "probe-000000000000"
STREAM = "GET /v1/stream"
PROBES_AT_ONCE = 8


def live_operations(spec: dict[str, Any]) -> dict[str, dict[str, Any]]:
    methods = {"get", "put", "post", "patch", "delete"}
    return {
        f"{method.upper()} {path}": operation
        for path, item in spec["paths"].items()
        for method, operation in item.items()
        if method in methods
    }


def probe_body(operation: dict[str, Any], spec: dict[str, Any]) -> dict[str, Any]:
    """The documented example body of an operation, as `json=` or `data=` for httpx."""
    content = operation.get("requestBody", {}).get("content", {})
    for media_type, entry in content.items():
        example = entry.get("example")
        if example is None and entry.get("examples"):
            example = next(iter(entry["examples"].values())).get("value")
        if example is None:
            ref = entry.get("schema", {}).get("$ref", "")
            schema = spec["components"]["schemas"].get(ref.rsplit("/", 1)[-1], {}) if ref else entry.get("schema", {})
            example = (schema.get("examples") or [None])[0]
        if example is None:
            continue
        if isinstance(example, dict):
            example = {k: v for k, v in example.items() if k not in EXAMPLE_CREDENTIALS}
        return {"data": example} if media_type == "application/x-www-form-urlencoded" else {"json": example}
    return {"json": {}} if content else {}


def concrete_path(path: str) -> str:
    return re.sub(r"\{(\w+)(?::path)?\}", lambda m: PATH_VALUES.get(m.group(1), PLACEHOLDER), path)


def call(
    http: httpx.Client, label: str, operation: dict[str, Any], spec: dict[str, Any], headers: dict[str, str]
) -> int:
    method, path = label.split(" ", 1)
    url = concrete_path(path)
    if label == STREAM:  # never ends: the status line is the answer
        with http.stream("GET", url, headers=headers, timeout=10) as response:
            return response.status_code
    return http.request(method, url, headers=headers, **probe_body(operation, spec)).status_code


def verdict(label: str, role: str, status: int) -> str | None:
    """None when `status` is what the matrix expects for `role`, else what was expected."""
    rule = MATRIX[label]
    if status >= 500:
        return "no 5xx"
    if role == OTHER_OFFICER and label in FOREIGN_UNIT_EXAMPLE:
        return None if status == 403 else "refused with 403 (another unit's object)"
    if rule == SIGNED:
        return None if status in (401, 403) else "401/403 without a signature"
    if role in rule:
        return None if status not in (401, 403) else "allowed"
    expected = 401 if role == ANON else 403
    return None if status == expected else f"refused with {expected}"


@pytest.fixture(scope="module")
def spec(http: httpx.Client) -> dict[str, Any]:
    response = http.get("/openapi.json")
    response.raise_for_status()
    return response.json()  # type: ignore[no-any-return]


def test_every_operation_is_in_the_matrix(spec: dict[str, Any]) -> None:
    live = set(live_operations(spec))
    missing, stale = sorted(live - set(MATRIX)), sorted(set(MATRIX) - live)
    assert not missing, f"operations of the OpenAPI with no row in the authorization matrix: {missing}"
    assert not stale, f"rows of the authorization matrix for operations the OpenAPI no longer has: {stale}"


def test_every_role_is_allowed_or_refused_as_the_matrix_says(
    platform: Platform, cast: Cast, http: httpx.Client, spec: dict[str, Any], figures: Any
) -> None:
    operations = live_operations(spec)
    cells = [
        (label, role)
        for label in sorted(operations, key=lambda label: label.split(" ", 1)[::-1])
        if label in MATRIX  # a missing row is reported by test_every_operation_is_in_the_matrix
        for role in ROLES
    ]

    def probe(cell: tuple[str, str]) -> int:
        label, role = cell
        return call(http, label, operations[label], spec, cast.headers(role))

    with ThreadPoolExecutor(PROBES_AT_ONCE) as pool:
        statuses = list(pool.map(probe, cells))
    observed: dict[str, dict[str, int]] = {}
    wrong: list[str] = []
    refusals = refused = 0
    for (label, role), status in zip(cells, statuses, strict=True):
        observed.setdefault(label, {})[role] = status
        expected = verdict(label, role, status)
        if expected is not None:
            wrong.append(f"{label} as {role}: got {status}, expected {expected}")
        if MATRIX[label] == SIGNED or role not in MATRIX[label]:
            refusals += 1
            refused += expected is None
    write_table(platform, observed)
    figures.bad_inputs(refusals, refused)
    assert not wrong, "\n".join(wrong)
    assert len(observed) >= 60, sorted(observed)


def write_table(platform: Platform, observed: dict[str, dict[str, int]]) -> None:
    header = "| operation | " + " | ".join(ROLES) + " |"
    rows = [header, "|" + " --- |" * (len(ROLES) + 1)]
    for label, statuses in observed.items():
        rule = MATRIX[label]
        cells = [
            f"**{statuses[r]}**" if rule != SIGNED and r in rule else str(statuses[r])
            for r in ROLES  # bold: the role is allowed
        ]
        rows.append(f"| `{label}` | " + " | ".join(cells) + " |")
    kept = ROOT / ".run" / "security"  # outlives the run's temporary directory, beside reliability.json
    kept.mkdir(parents=True, exist_ok=True)
    for folder in (platform.run_dir, kept):
        (folder / "authorization-matrix.md").write_text("\n".join(rows) + "\n")
        (folder / "authorization-matrix.json").write_text(json.dumps(observed, indent=1))
