"""The questions API end to end: a real gateway (uvicorn) in front of the real feedback service
(`nameko run` subprocess) on the real broker, accounts and questions on the embedded datastore.

One feedback service and one gateway for the module; each test asks its own questions.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from presscenter.gateway.routes import question_bodies as bodies
from presscenter.gateway.testing.accounts import ADMIN, SignedIn, login
from presscenter.gateway.testing.sse_client import EventStreamReader, SseEvent
from presscenter.gateway.testing.stack import gateway_and_services, ok, problem
from presscenter.shared.rpc.feedback import CategoryList, PublicAnswerPage, Question, QuestionPage, Scorecards

CAST: dict[str, dict[str, Any]] = {
    "editor": {"username": "editor.questions", "role": "editor"},
    "officer": {"username": "officer.csgt", "role": "unit_officer", "unit_code": "csgt-ca-hn"},
    "other_officer": {"username": "officer.soyte", "role": "unit_officer", "unit_code": "so-yte"},
    "journalist": {"username": "journalist.hnm", "role": "journalist", "outlet": "Báo Hà Nội Mới"},
    "other_journalist": {"username": "journalist.vne", "role": "journalist", "outlet": "VnExpress"},
}
BODY_MODELS = (
    bodies.NewQuestion,
    bodies.ClarificationRequest,
    bodies.ClarificationReply,
    bodies.AnswerBody,
    bodies.Closing,
    bodies.Reopening,
    bodies.Rerouting,
    bodies.Escalation,
)


@pytest.fixture(scope="module")
def gateway_url(tmp_path_factory: pytest.TempPathFactory, embedded_mongo: Any) -> Iterator[str]:
    workdir = tmp_path_factory.mktemp("questions")
    with gateway_and_services(
        embedded_mongo.uri, workdir, {"feedback": {"WORKING_CALENDAR": "always"}}, vhost_prefix="gateway-questions"
    ) as stack:
        yield stack.url


def question_body(**extra: Any) -> dict[str, Any]:
    return {
        "title": "Phạt nguội trên đường Láng",
        "body": "Tháng 11 có bao nhiêu trường hợp bị phạt nguội trên đường Láng?",
        "category": "traffic",
        "place": "csgt-ca-hn",
        **extra,
    }


def asked(http: httpx.Client, who: SignedIn, **extra: Any) -> dict[str, Any]:
    return ok(http.post("/v1/questions", json=question_body(**extra), headers=who.headers), 201)


def step(http: httpx.Client, who: SignedIn, question: dict[str, Any], action: str, **body: Any) -> dict[str, Any]:
    headers = {**who.headers, "If-Match": f'"{question["revision"]}"'}
    response = http.post(f"/v1/questions/{question['id']}/{action}", json=body or None, headers=headers)
    changed = ok(response)
    assert response.headers["etag"] == f'"{changed["revision"]}"' and changed["revision"] > question["revision"]
    return changed


def api_token(http: httpx.Client, account_id: str, scopes: list[str]) -> dict[str, str]:
    admin = {"Authorization": f"Bearer {login(http, *ADMIN)}"}
    issued = http.post(
        "/v1/admin/api-tokens", json={"account_id": account_id, "name": "app", "scopes": scopes}, headers=admin
    )
    return {"Authorization": f"Bearer {ok(issued, 201)['token']}"}


def test_a_question_is_asked_worked_on_answered_and_its_history_seen(
    http: httpx.Client, cast: dict[str, SignedIn]
) -> None:
    journalist, officer = cast["journalist"], cast["officer"]
    tag = uuid.uuid4().hex[:8]
    created = http.post("/v1/questions", json=question_body(title=f"Phạt nguội {tag}"), headers=journalist.headers)
    question = ok(created, 201)
    assert created.headers["location"] == f"/v1/questions/{question['id']}"
    assert created.headers["etag"] == f'"{question["revision"]}"'
    assert (question["status"], question["unit_code"], question["outlet"]) == ("routed", "csgt-ca-hn", "Báo Hà Nội Mới")
    assert question["journalist_id"] == journalist.account_id and question["legs"][0]["rule"] == "place-serves-topic"

    queue = http.get("/v1/questions", headers=officer.headers)
    assert question["id"] in {item.id for item in QuestionPage.model_validate(ok(queue)).items}
    assert queue.headers["cache-control"] == "private, no-cache" and queue.headers["vary"] == "Authorization"
    question = step(http, officer, question, "start")
    question = step(http, officer, question, "clarification-request", request="Đoạn đường Láng nào?")
    assert question["status"] == "awaiting_clarification"
    question = step(http, journalist, question, "clarification", text="Từ Ngã Tư Sở đến Cầu Giấy.")
    question = step(http, officer, question, "answer", text=f"Có 1.200 trường hợp ({tag}).", public=True)
    assert question["status"] == "answered"

    read = http.get(f"/v1/questions/{question['id']}", headers=journalist.headers)
    mine = Question.model_validate(ok(read))
    assert read.headers["etag"] == f'"{mine.revision}"' and mine.answers[0].text == f"Có 1.200 trường hợp ({tag})."
    assert [(entry.action, entry.actor.id) for entry in mine.history if entry.actor.kind == "user"] == [
        ("received", journalist.account_id),
        ("routed", journalist.account_id),
        ("started", officer.account_id),
        ("clarification_requested", officer.account_id),
        ("clarified", journalist.account_id),
        ("answered", officer.account_id),
    ]
    again = http.get(
        f"/v1/questions/{question['id']}", headers={**journalist.headers, "If-None-Match": read.headers["etag"]}
    )
    assert again.status_code == 304 and not again.content
    own = ok(http.get("/v1/questions", params={"status": "answered"}, headers=journalist.headers))
    assert question["id"] in {item["id"] for item in own["items"]}

    public = http.get("/v1/public-answers", params={"q": f"phat nguoi {tag}"})
    page = PublicAnswerPage.model_validate(ok(public))
    assert [item.id for item in page.items] == [question["id"]]
    assert public.headers["cache-control"] == "public, max-age=30"
    assert http.get("/v1/public-answers", params={"q": f"phat nguoi {tag}"},
                    headers={"If-None-Match": public.headers["etag"]}).status_code == 304  # fmt: skip
    closed = step(http, journalist, question, "close", reason="Đã đủ thông tin.")
    assert closed["status"] == "closed"
    reopened = step(http, journalist, closed, "reopen", reason="Cần số liệu theo tuần.")
    assert reopened["status"] == "routed" and reopened["sla"]["round"] == 2


def test_nobody_reads_or_acts_on_a_question_that_is_not_theirs(http: httpx.Client, cast: dict[str, SignedIn]) -> None:
    question = asked(http, cast["journalist"])
    path = f"/v1/questions/{question['id']}"
    for who in ("other_journalist", "other_officer"):
        headers = cast[who].headers
        assert problem(http.get(path, headers=headers), 404)["detail"] == f"no question {question['id']}"
    assert problem(http.post(f"{path}/close", headers=cast["other_journalist"].headers), 404)
    assert problem(
        http.post(f"{path}/clarification", json={"text": "x"}, headers=cast["other_journalist"].headers), 404
    )
    assert problem(http.post(f"{path}/answer", json={"text": "x"}, headers=cast["other_officer"].headers), 404)
    foreign_queue = http.get("/v1/questions", params={"unit_code": "csgt-ca-hn"}, headers=cast["other_officer"].headers)
    assert problem(foreign_queue, 403)["type"] == "urn:presscenter:problem:forbidden"
    assert question["id"] not in {
        i["id"] for i in ok(http.get("/v1/questions", headers=cast["other_journalist"].headers))["items"]
    }
    # anonymous: no writes, no queue, no question
    assert problem(http.post("/v1/questions", json=question_body()), 401)["status"] == 401
    assert problem(http.get("/v1/questions"), 401) and problem(http.get(path), 401)
    assert problem(http.post(f"{path}/start"), 401)
    # roles the action is never for
    assert problem(http.post("/v1/questions", json=question_body(), headers=cast["officer"].headers), 403)
    assert problem(http.post(f"{path}/answer", json={"text": "x"}, headers=cast["journalist"].headers), 403)
    assert problem(http.post(f"{path}/escalate", json={"reason": "x"}, headers=cast["officer"].headers), 403)
    stored = ok(http.get(path, headers=cast["editor"].headers))
    assert (stored["status"], stored["revision"]) == ("routed", question["revision"])  # nothing happened


def test_bad_input_is_a_problem_naming_the_field(http: httpx.Client, cast: dict[str, SignedIn]) -> None:
    journalist, officer = cast["journalist"], cast["officer"]
    missing = problem(
        http.post("/v1/questions", json={"body": "x", "category": "traffic"}, headers=journalist.headers), 422
    )
    assert missing["field"] == "body.title" and missing["type"] == "urn:presscenter:problem:request-validation"
    forged = question_body(actor={"kind": "user", "id": "someone", "role": "journalist"})
    assert problem(http.post("/v1/questions", json=forged, headers=journalist.headers), 422)["field"] == "body.actor"
    unknown = problem(
        http.post("/v1/questions", json=question_body(category="weather"), headers=journalist.headers), 422
    )
    assert unknown["field"] == "category" and "known categories" in unknown["detail"]
    nowhere = problem(
        http.post("/v1/questions", json=question_body(place="phuong-khong-co"), headers=journalist.headers), 422
    )
    assert nowhere["field"] == "place"
    assert (
        problem(http.get("/v1/questions", params={"limit": 0}, headers=journalist.headers), 422)["field"]
        == "query.limit"
    )
    assert problem(http.get("/v1/questions", params={"status": "lost"}, headers=journalist.headers), 422)
    question = asked(http, journalist)
    path = f"/v1/questions/{question['id']}"
    stale = problem(http.post(f"{path}/start", headers={**officer.headers, "If-Match": '"7"'}), 409)
    assert stale["current_revision"] == question["revision"] and stale["field"] == "expected_revision"
    bad_tag = problem(http.post(f"{path}/start", headers={**officer.headers, "If-Match": "two"}), 400)
    assert bad_tag["field"] == "If-Match"
    disagree = http.post(f"{path}/start", json={"expected_revision": 1}, headers={**officer.headers, "If-Match": '"2"'})
    assert problem(disagree, 400)["field"] == "expected_revision"
    empty = problem(http.post(f"{path}/answer", json={"text": ""}, headers=officer.headers), 422)
    assert empty["field"] == "body.text"
    wrong_state = problem(http.post(f"{path}/reopen", json={"reason": "x"}, headers=journalist.headers), 409)
    assert wrong_state["type"] == "urn:presscenter:problem:invalid-transition"
    started = ok(http.post(f"{path}/start", headers={**officer.headers, "If-Match": "*"}))  # any revision
    assert started["status"] == "in_progress"


def test_editors_reroute_and_escalate_and_read_scorecards(http: httpx.Client, cast: dict[str, SignedIn]) -> None:
    editor, officer = cast["editor"], cast["officer"]
    question = asked(http, cast["journalist"])
    rerouted = step(http, editor, question, "reroute", unit_code="so-yte", reason="Thuộc Sở Y tế.")
    assert rerouted["unit_code"] == "so-yte" and rerouted["legs"][-1]["via"] == "rerouted"
    assert (
        ok(http.get(f"/v1/questions/{question['id']}", headers=cast["other_officer"].headers))["unit_code"] == "so-yte"
    )
    escalated = step(http, editor, rerouted, "escalate", reason="Cần ý kiến Thành phố.")
    assert (escalated["unit_code"], escalated["legs"][-1]["level"]) == ("ubnd-hn", 1)
    queue = ok(http.get("/v1/questions", params={"unit_code": "ubnd-hn"}, headers=editor.headers))
    assert question["id"] in {item["id"] for item in queue["items"]}

    cards = Scorecards.model_validate(ok(http.get("/v1/scorecards", params={"unit_code": ["csgt-ca-hn", "so-yte"]},
                                                  headers=editor.headers)))  # fmt: skip
    assert {card.unit_code for card in cards.items} == {"csgt-ca-hn", "so-yte"}
    own = ok(http.get("/v1/scorecards", headers=officer.headers))
    assert [card["unit_code"] for card in own["items"]] == ["csgt-ca-hn"]
    other = problem(http.get("/v1/scorecards", params={"unit_code": "so-yte"}, headers=officer.headers), 403)
    assert other["field"] == "unit_code" and "so-yte" in other["detail"]
    assert problem(http.get("/v1/scorecards", headers=cast["journalist"].headers), 403)
    assert problem(http.get("/v1/scorecards"), 401)


def about_question(question_id: str, event: str) -> Any:
    def match(found: SseEvent) -> bool:
        return found.event == event and found.json().get("question_id") == question_id

    return match


@pytest.mark.anyio
async def test_each_step_of_a_question_reaches_its_journalist_the_units_concerned_and_editors_live(
    gateway_url: str, cast: dict[str, SignedIn]
) -> None:
    """`/v1/stream` carries every step of a question to those who may read it (a clarification asked for
    included: the journalist must act on it): nobody else hears of it."""
    journalist, officer, editor = cast["journalist"], cast["officer"], cast["editor"]
    async with (
        httpx.AsyncClient(base_url=gateway_url, timeout=10) as http,
        EventStreamReader(http, "/v1/stream", headers=journalist.headers) as asker,
        EventStreamReader(http, "/v1/stream", headers=cast["other_journalist"].headers) as other_journalist,
        EventStreamReader(http, "/v1/stream", headers=officer.headers) as traffic_police,
        EventStreamReader(http, "/v1/stream", headers=cast["other_officer"].headers) as health_dept,
        EventStreamReader(http, "/v1/stream", headers=editor.headers) as desk,
        EventStreamReader(http, "/v1/stream") as anonymous,
    ):
        created = await http.post("/v1/questions", json=question_body(), headers=journalist.headers)
        question = ok(created, 201)
        qid = question["id"]
        for reader in (asker, desk):
            received = (await reader.until(about_question(qid, "question_received"), timeout=5)).json()
            assert (received["status"], received["title"], received["href"]) == (
                "received", question["title"], f"/v1/questions/{qid}"
            )  # fmt: skip
            assert "body" not in received and "journalist_id" not in received
        for reader in (asker, traffic_police, desk):
            routed = (await reader.until(about_question(qid, "question_routed"), timeout=5)).json()
            assert (routed["unit_code"], routed["rerouted"], routed["due_at"]) == (
                "csgt-ca-hn", False, question["legs"][0]["due_at"]
            )  # fmt: skip

        async def act(who: SignedIn, action: str, **body: Any) -> None:
            nonlocal question
            headers = {**who.headers, "If-Match": f'"{question["revision"]}"'}
            question = ok(await http.post(f"/v1/questions/{qid}/{action}", json=body or None, headers=headers))

        await act(officer, "clarification-request", request="Đoạn đường Láng nào?")
        for reader in (asker, traffic_police, desk):
            update = (await reader.until(about_question(qid, "question_updated"), timeout=5)).json()
            assert (update["action"], update["status"], update["due_at"]) == (
                "clarification_requested", "awaiting_clarification", None
            )  # fmt: skip
            assert "request" not in update  # what is asked is read with GET href
        await act(journalist, "clarification", text="Từ Ngã Tư Sở đến Cầu Giấy.")
        await act(officer, "answer", text="Có 1.200 trường hợp.", public=False)
        for reader in (asker, traffic_police, desk):
            answered = (await reader.until(about_question(qid, "question_answered"), timeout=5)).json()
            assert (answered["status"], answered["unit_code"], answered["public"]) == ("answered", "csgt-ca-hn", False)
            assert "text" not in answered and "answer" not in answered  # the answer is read with GET href

        # The desk heard every step: whatever was meant for the others has been written to them too.
        await asyncio.sleep(0.3)
        for reader in (other_journalist, health_dept, anonymous):
            assert [e for e in reader.drain() if e.json().get("question_id") == qid] == []


def test_categories_are_public_and_cacheable(http: httpx.Client) -> None:
    found = http.get("/v1/question-categories", params={"language": "en"})
    categories = CategoryList.model_validate(ok(found))
    traffic = next(item for item in categories.items if item.code == "traffic")
    assert (traffic.name, traffic.normal_hours, traffic.urgent_hours) == ("Traffic and transport", 12, 3)
    assert found.headers["cache-control"] == "public, max-age=300"
    again = http.get(
        "/v1/question-categories", params={"language": "en"}, headers={"If-None-Match": found.headers["etag"]}
    )
    assert again.status_code == 304
    assert problem(http.get("/v1/question-categories", params={"language": "fr"}), 422)["field"] == "query.language"


def test_api_tokens_need_the_questions_write_scope(http: httpx.Client, cast: dict[str, SignedIn]) -> None:
    journalist = cast["journalist"].account_id
    reading = api_token(http, journalist, ["releases:write"])
    refused = problem(http.post("/v1/questions", json=question_body(), headers=reading), 403)
    assert refused["type"] == "urn:presscenter:problem:missing-scope"
    assert ok(http.get("/v1/questions", headers=reading))["items"] is not None  # reads need no scope
    writing = api_token(http, journalist, ["questions:write"])
    question = ok(http.post("/v1/questions", json=question_body(), headers=writing), 201)
    assert question["journalist_id"] == journalist


def test_openapi_documents_every_route_with_examples(http: httpx.Client) -> None:
    spec = ok(http.get("/openapi.json"))
    prefixes = ("/v1/questions", "/v1/public-answers", "/v1/scorecards", "/v1/question-categories")
    operations = {
        (method, path): operation
        for path, item in spec["paths"].items()
        if path.startswith(prefixes)
        for method, operation in item.items()
    }
    assert len(operations) == 14
    for (method, path), operation in operations.items():
        success = next(code for code in operation["responses"] if code.startswith("2"))
        media = operation["responses"][success]["content"]
        assert any("example" in entry for entry in media.values()), (method, path)
        assert operation.get("summary") and operation.get("tags") == ["questions"], (method, path)
    schemas = spec["components"]["schemas"]
    for model in BODY_MODELS:
        examples = schemas[model.__name__]["examples"]
        assert examples and all(model.model_validate(example) for example in examples)
