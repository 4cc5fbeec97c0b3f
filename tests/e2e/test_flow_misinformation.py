"""Flow 3 of the product brief, end to end over HTTP and the SDK: the monitoring desk registers a
false claim → crawlers send items spreading it (`item_observed`, paraphrased, without diacritics)
→ `misinformation_alert` for the responsible unit → feedback opens one urgent internal question to
that unit for the alert, and releases leaves a draft refutation in the unit's queue → the unit
writes the official text into that draft, an editor publishes it → the claim is marked refuted, and
its spread shows rumour and refutation side by side.
"""

from __future__ import annotations

from typing import Any

import pytest
from e2e_press import Press, eventually, observed_item, random_letters

pytestmark = pytest.mark.anyio

CLAIM = "Cầu Long Biên sẽ bị phá dỡ vào cuối năm nay"
RUMOUR = [
    "Cuối năm nay cầu Long Biên sẽ bị tháo dỡ, ai muốn chụp ảnh thì tranh thủ",
    "NÓNG: Cuoi nam nay cau Long Bien se bi thao do, ai muon chup anh thi tranh thu",
    "Tiếc quá, cầu Long Biên sẽ bị phá dỡ vào cuối năm nay. Chia sẻ cho mọi người cùng biết!!!",
]
REFUTATION = "Sở Văn hóa và Thể thao bác bỏ thông tin cầu Long Biên sẽ bị phá dỡ vào cuối năm nay"


async def test_a_known_false_claim_spreads_is_alerted_questioned_refuted_and_tracked(press: Press) -> None:
    claim_id = f"c-e2e-{random_letters(8)}"
    registered = await press.post(
        "editor",
        "/v1/monitoring/claims",
        201,
        json={"claim_id": claim_id, "text": CLAIM, "rating": "false", "topic": "di sản", "unit_code": "so-vhtt"},
    )
    assert (registered["status"], registered["spread_items"]) == ("active", 0)
    with press.department("crawler-e2e") as crawler:
        for n, text in enumerate(RUMOUR):
            crawler.emit("item_observed", observed_item(f"fb-group-{n}.example", text, minutes_ago=30 - 10 * n))

    async def alerted() -> list[dict[str, Any]]:
        return list((await press.get("editor", "/v1/monitoring/alerts", params={"claim_id": claim_id}))["items"])

    [alert] = await eventually(alerted, "a misinformation_alert for the claim")
    assert (alert["kind"], alert["responsible_unit_code"]) == ("known_claim", "so-vhtt")

    async def urgent_question() -> dict[str, Any] | None:
        queue = await press.get("officer_vhtt", "/v1/questions", params={"status": "routed"})
        for item in queue["items"]:
            if item["origin"] == "misinformation_alert":
                question = await press.get("officer_vhtt", f"/v1/questions/{item['id']}")
                if question["alert_id"] == alert["alert_id"]:
                    return question  # type: ignore[no-any-return]
        return None

    question = await eventually(urgent_question, "the urgent question feedback opens for the alert")
    assert (question["priority"], question["unit_code"]) == ("urgent", "so-vhtt")
    assert CLAIM in question["title"] and question["legs"][0]["rule"] == "alert"

    async def refutation_draft() -> dict[str, Any] | None:
        drafts = await press.get("officer_vhtt", "/v1/releases", params={"status": "draft", "unit_code": "so-vhtt"})
        for item in drafts["items"]:
            release = await press.get("officer_vhtt", f"/v1/releases/{item['id']}")
            if claim_id in release["content"]["refutes_claim_ids"]:
                return release  # type: ignore[no-any-return]
        return None

    prepared = await eventually(refutation_draft, "the draft refutation releases leaves for the alert")
    assert prepared["created_by"]["kind"] == "service" and CLAIM in prepared["content"]["title"]
    content = {
        **prepared["content"],
        "title": REFUTATION,
        "body": "Cầu Long Biên là di tích được bảo tồn; không có kế hoạch phá dỡ.",
        "categories": ["culture"],
    }
    draft = await press.put("officer_vhtt", f"/v1/releases/{prepared['id']}/content", prepared, content=content)
    submitted = await press.release_step("officer_vhtt", draft, "submit")
    approved = await press.release_step("editor", submitted, "approve")
    published = await press.release_step("editor", approved, "publish")
    assert published["status"] == "published"
    started = await press.act("officer_vhtt", f"/v1/questions/{question['id']}/start", question)
    answer = f"Đã phát hành thông cáo phản bác {published['id']}."
    answered = await press.act("officer_vhtt", f"/v1/questions/{question['id']}/answer", started, text=answer)
    assert answered["status"] == "answered"

    with press.department("crawler-e2e") as crawler:
        crawler.emit("item_observed", observed_item("dantri.example", REFUTATION, source_type="news"))

    async def side_by_side() -> dict[str, Any] | None:
        spread = await press.get("editor", f"/v1/monitoring/claims/{claim_id}/spread", params={"bucket_minutes": 15})
        done = spread["refuted_by_release"] == published["id"] and spread["refutation_items"] >= 1
        return spread if done and spread["rumour_items"] >= len(RUMOUR) else None

    spread = await eventually(side_by_side, "the spread of rumour and refutation", 30)
    assert spread["first_rumour_at"] < spread["first_refutation_at"]
    assert sum(p["rumour_items"] for p in spread["points"]) >= len(RUMOUR)
    assert sum(p["refutation_items"] for p in spread["points"]) >= 1
    claim = await press.get("editor", f"/v1/monitoring/claims/{claim_id}")
    assert claim["refuted_by_release"] == published["id"] and claim["refuted_at"]
