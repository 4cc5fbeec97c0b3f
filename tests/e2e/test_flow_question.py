"""Flow 2 of the product brief, end to end over HTTP: a journalist asks → feedback routes the
question by its words to the responsible unit (the routing decision and its reason are stored) →
the unit's officer takes it up → an editor escalates it up the unit tree → the city office's
officer answers → the journalist sees the answer and the whole history, escalation chain included,
and no other journalist sees the question at all.
"""

from __future__ import annotations

import pytest
from e2e_press import Press, problem, random_letters

pytestmark = pytest.mark.anyio


async def test_a_question_is_routed_escalated_answered_and_its_history_seen(press: Press) -> None:
    token = random_letters()
    asked = await press.post(
        "journalist",
        "/v1/questions",
        201,
        json={
            "title": f"Vụ ngộ độc thực phẩm tại bếp ăn trường học {token}",
            "body": "Sở có thông tin gì về số học sinh bị ngộ độc thực phẩm và nguyên nhân không?",
            "category": "health",
        },
    )
    path = f"/v1/questions/{asked['id']}"
    assert (asked["status"], asked["unit_code"]) == ("routed", "so-yte")
    [routing] = asked["legs"]
    assert (routing["unit_code"], routing["level"], routing["via"]) == ("so-yte", 0, "routed")
    assert routing["rule"] and routing["reason"], routing  # the decision is kept with its reason
    assert asked["sla"]["due_at"] and asked["priority"] == "normal"

    queue = (await press.get("officer", "/v1/questions"))["items"]
    assert asked["id"] in {item["id"] for item in queue}  # the unit's queue has it
    started = await press.act("officer", f"{path}/start", asked)
    assert started["status"] == "in_progress"

    reason = f"Cần ý kiến chỉ đạo của Thành phố ({token})."
    escalated = await press.act("editor", f"{path}/escalate", started, reason=reason)
    assert (escalated["unit_code"], escalated["legs"][-1]["level"]) == ("ubnd-hn", 1)
    assert (await press.get("city_officer", path))["unit_code"] == "ubnd-hn"

    text = f"Có 12 học sinh nhập viện, đều đã ổn định; nguyên nhân đang được xét nghiệm ({token})."
    await press.act("city_officer", f"{path}/answer", escalated, text=text)

    seen = await press.get("journalist", path)
    assert seen["status"] == "answered" and seen["answers"][-1]["text"] == text
    assert seen["answers"][-1]["unit_code"] == "ubnd-hn"
    chain = [(leg["unit_code"], leg["level"], leg["via"]) for leg in seen["legs"]]
    assert chain[0] == ("so-yte", 0, "routed") and chain[-1][:2] == ("ubnd-hn", 1), chain
    assert seen["legs"][0]["outcome"] == "escalated" and reason in seen["legs"][-1]["reason"]
    actions = [entry["action"] for entry in seen["history"]]
    for step in ("received", "routed", "started", "escalated", "answered"):
        assert step in actions, actions
    assert actions.index("escalated") < actions.index("answered")

    assert problem(await press.http.get(path, headers=press.as_("entitled")), 404)  # another journalist's
