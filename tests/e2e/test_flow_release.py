"""Flow 1 of the product brief, end to end over HTTP and the SDK: a department's system submits a
release (`department_release_submitted`) → an editor approves and publishes it through the API →
a journalist's live stream gets `release_published`, the Atom and JSON feeds list it, the national
portal gets a signed push (on the local suite, whose portal endpoint the test runs), and monitoring
holds it as an official statement: an item stating another figure for one of its facts raises
`misinformation_alert` (kind `contradicts_release`) naming it, for its unit.
"""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import pytest
from e2e_press import Press, eventually, observed_item, problem, random_letters
from e2e_targets import PortalReceiver

from presscenter.gateway.testing.sse_client import EventStreamReader
from presscenter.shared import signing

pytestmark = pytest.mark.anyio

TITLE = "Lễ hội sách mùa thu khai mạc tại phường Ba Đình"
BODY = (
    "Chiều nay, lễ hội đã khai mạc với sự tham gia của hàng nghìn người dân. "
    "Ban tổ chức cho biết chương trình kéo dài 4 ngày, từ ngày 5/10 đến ngày 8/10."
)
CONTRADICTION = "Ban tổ chức cho biết chương trình kéo dài 10 ngày với nhiều hoạt động."


async def test_a_departments_release_is_published_and_reaches_stream_feeds_and_monitoring(press: Press) -> None:
    token = random_letters()
    payload = {
        "external_id": f"e2e-{token}",
        "unit_code": "so-vhtt",
        "title": TITLE,
        "lead": f"Mã tham chiếu {token}.",
        "body": BODY,
        "categories": ["culture"],
    }
    with press.department("so-vhtt") as department:
        department.emit("department_release_submitted", payload)

    async def in_review() -> list[dict[str, Any]]:
        return list((await press.get("editor", "/v1/releases", params={"q": token}))["items"])

    [summary] = await eventually(in_review, "the department's release in the editors' search")
    path = f"/v1/releases/{summary['id']}"
    release = await press.get("editor", path)
    assert release["status"] == "submitted" and release["intake"]["external_id"] == payload["external_id"]
    assert problem(await press.http.get(path, headers=press.as_("journalist")), 404)  # not for the press yet

    async with EventStreamReader(press.http, "/v1/stream", headers=press.as_("journalist")) as stream:
        release = await press.release_step("editor", release, "approve")
        release = await press.release_step("editor", release, "publish")
        assert (release["status"], release["version"]) == ("published", 1)
        live = await stream.until(
            lambda e: e.event == "release_published" and e.json()["release"]["release_id"] == release["id"],
            timeout=15,
        )
    shown = live.json()
    assert shown["embargoed"] is False and shown["release"]["title"] == TITLE
    assert shown["release"]["href"] == path
    assert (await press.get("journalist", path))["status"] == "published"

    async def in_feeds() -> bool:
        feed = await press.get(None, "/v1/feeds/releases.json")
        atom = await press.http.get("/v1/feeds/releases.atom")
        uri_end = f"/releases/{release['id']}"  # the release's stable URI (PUBLIC_BASE_URL...)
        listed = [item for item in feed["items"] if item["url"].endswith(uri_end)]
        return bool(listed) and listed[0]["title"] == TITLE and f"{uri_end}</id>" in atom.text

    await eventually(in_feeds, "the release in the JSON Feed and the Atom feed")
    if press.portal is not None:  # the compose stack pushes nowhere a test can see (PORTAL_ENDPOINT unset)
        await pushed_to_the_portal(press, press.portal, release)

    async def contradiction_alert() -> dict[str, Any] | None:
        # Monitoring takes the release in from `release_published` on its own queue: send a
        # contradicting item until one arrives after it (the cool-down keeps it to one alert).
        with press.department("crawler-e2e") as crawler:
            crawler.emit("item_observed", observed_item("fb-group-e2e.example", CONTRADICTION, title=TITLE))
        for _ in range(10):
            alerts = (await press.get("editor", "/v1/monitoring/alerts", params={"unit_code": "so-vhtt"}))["items"]
            found = [a for a in alerts if a.get("release_id") == release["id"]]
            if found:
                return found[0]  # type: ignore[no-any-return]
            await asyncio.sleep(0.3)
        return None

    alert = await eventually(contradiction_alert, "monitoring flagging an item that contradicts the release", 40)
    assert (alert["kind"], alert["responsible_unit_code"]) == ("contradicts_release", "so-vhtt")
    assert alert["claim_id"] is None  # no registered claim: the release itself is the reference
    for_unit = (await press.get("officer_vhtt", "/v1/monitoring/alerts"))["items"]
    assert alert["alert_id"] in {a["alert_id"] for a in for_unit}


async def pushed_to_the_portal(press: Press, portal: PortalReceiver, release: dict[str, Any]) -> None:
    """The release went to the national portal once, signed, and its delivery log says so."""

    async def delivered() -> list[dict[str, Any]] | None:
        items = (await press.get("editor", f"/v1/releases/{release['id']}/deliveries"))["items"]
        return items if items and all(item["state"] == "delivered" for item in items) else None

    [delivery] = await eventually(delivered, "the push of the release to the national portal")
    assert (delivery["version"], delivery["action"]) == (1, "published")
    [push] = [push for push in portal.pushes if release["id"] in push.body.decode()]
    signing.verify(push.body, push.headers, [portal.secret], now=time.time(), seen_nonce=lambda _n, _t: True)
    document = json.loads(push.body)
    assert TITLE in json.dumps(document, ensure_ascii=False), document
