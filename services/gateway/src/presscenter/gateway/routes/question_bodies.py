"""Request bodies of the questions and directory APIs, and the examples their OpenAPI documents show.

Bodies never carry who acts: the actor is the verified caller. Unknown members are refused (422),
so a client sending `actor` learns that at once. Every example is built through the shared
contract models at import, so it cannot drift from them.
"""

from __future__ import annotations

from typing import Any

from pydantic import ConfigDict, Field

from presscenter.gateway.routes.release_bodies import Body, RevisionBody
from presscenter.shared.events.common import Language, Priority
from presscenter.shared.rpc.feedback import (
    MAX_ATTACHMENTS,
    MAX_BODY,
    MAX_REASON,
    MAX_TITLE,
    CategoryList,
    PublicAnswerPage,
    Question,
    QuestionPage,
    Scorecards,
    UnitDetail,
    UnitPage,
)

_JOURNALIST = {"kind": "user", "id": "5b8e2f0a7c1d4e3f9a6b0c2d4e6f8a1b", "role": "journalist"}
_OFFICER = {"kind": "user", "id": "9c4d2e1f0a3b5c7d9e1f2a4b6c8d0e2f", "role": "unit_officer", "unit_code": "csgt-ca-hn"}
_ROUTED_BECAUSE = "the place csgt-ca-hn (Phòng Cảnh sát giao thông - Công an Thành phố Hà Nội) handles 'traffic' itself"

QUESTION_EXAMPLE: dict[str, Any] = Question.model_validate(
    {
        "id": "q-3f9a6b0c2d4e6f8a",
        "revision": 3,
        "status": "answered",
        "origin": "journalist",
        "journalist_id": _JOURNALIST["id"],
        "outlet": "Báo Hà Nội Mới",
        "title": "Phạt nguội trên đường Láng",
        "body": "Tháng 11 có bao nhiêu trường hợp bị phạt nguội trên đường Láng?",
        "category": "traffic",
        "place": "csgt-ca-hn",
        "place_unit_code": "csgt-ca-hn",
        "priority": "normal",
        "language": "vi",
        "unit_code": "csgt-ca-hn",
        "created_at": "2026-11-27T02:00:00Z",
        "updated_at": "2026-11-27T03:30:00Z",
        "sla": {
            "round": 1,
            "started_at": "2026-11-27T02:00:00Z",
            "budget_seconds": 43200,
            "warning_at": "2026-11-28T03:00:00Z",
            "due_at": "2026-11-28T08:00:00Z",
            "very_overdue_at": "2026-12-01T08:00:00Z",
            "stage": "on_time",
        },
        "legs": [
            {
                "unit_code": "csgt-ca-hn",
                "level": 0,
                "via": "routed",
                "rule": "place-serves-topic",
                "reason": _ROUTED_BECAUSE,
                "started_at": "2026-11-27T02:00:00Z",
                "budget_seconds": 28800,
                "due_at": "2026-11-27T09:00:00Z",
                "ended_at": "2026-11-27T03:30:00Z",
                "outcome": "answered",
                "response_seconds": 5400,
            }
        ],
        "answers": [
            {
                "round": 1,
                "text": "Trong tháng 11 có 1.200 trường hợp bị xử phạt qua hình ảnh trên đường Láng.",
                "unit_code": "csgt-ca-hn",
                "answered_by": _OFFICER,
                "answered_at": "2026-11-27T03:30:00Z",
                "within_deadline": True,
            }
        ],
        "public": True,
        "reopen_until": "2026-12-04T03:30:00Z",
        "history": [
            {
                "at": "2026-11-27T02:00:00Z",
                "actor": _JOURNALIST,
                "action": "received",
                "from_status": None,
                "to_status": "received",
                "revision": 1,
                "unit_code": "csgt-ca-hn",
                "note": "category traffic, normal",
            },
            {
                "at": "2026-11-27T02:00:00Z",
                "actor": _JOURNALIST,
                "action": "routed",
                "from_status": "received",
                "to_status": "routed",
                "revision": 1,
                "unit_code": "csgt-ca-hn",
                "note": f"place-serves-topic: {_ROUTED_BECAUSE}",
            },
            {
                "at": "2026-11-27T02:10:00Z",
                "actor": _OFFICER,
                "action": "started",
                "from_status": "routed",
                "to_status": "in_progress",
                "revision": 2,
                "unit_code": "csgt-ca-hn",
            },
            {
                "at": "2026-11-27T03:30:00Z",
                "actor": _OFFICER,
                "action": "answered",
                "from_status": "in_progress",
                "to_status": "answered",
                "revision": 3,
                "unit_code": "csgt-ca-hn",
            },
        ],
    }
).model_dump(mode="json")

QUEUE_EXAMPLE: dict[str, Any] = QuestionPage.model_validate(
    {
        "items": [
            {
                "id": "q-7d1c2b3a4f5e6d7c",
                "revision": 2,
                "title": "Ùn tắc tại nút giao Ngã Tư Sở",
                "category": "traffic",
                "priority": "urgent",
                "status": "routed",
                "origin": "journalist",
                "unit_code": "csgt-ca-hn",
                "journalist_id": _JOURNALIST["id"],
                "escalation_level": 0,
                "created_at": "2026-11-27T02:00:00Z",
                "updated_at": "2026-11-27T02:00:00Z",
                "due_at": "2026-11-27T05:00:00Z",
                "unit_due_at": "2026-11-27T04:00:00Z",
                "stage": "on_time",
                "paused": False,
            }
        ],
        "next_cursor": "WzE3NjQyMTI0MDAwMDAwMDAsICJxLTdkMWMyYjNhNGY1ZTZkN2MiXQ==",
    }
).model_dump(mode="json")

PUBLIC_ANSWERS_EXAMPLE: dict[str, Any] = PublicAnswerPage.model_validate(
    {
        "items": [
            {
                "id": QUESTION_EXAMPLE["id"],
                "title": QUESTION_EXAMPLE["title"],
                "body": QUESTION_EXAMPLE["body"],
                "category": "traffic",
                "unit_code": "csgt-ca-hn",
                "asked_at": "2026-11-27T02:00:00Z",
                "answered_at": "2026-11-27T03:30:00Z",
                "answer": QUESTION_EXAMPLE["answers"][0]["text"],
                "escalation_level": 0,
                "within_deadline": True,
            }
        ],
        "next_cursor": None,
    }
).model_dump(mode="json")

SCORECARDS_EXAMPLE: dict[str, Any] = Scorecards.model_validate(
    {
        "items": [
            {
                "unit_code": "csgt-ca-hn",
                "name": "Phòng Cảnh sát giao thông - Công an Thành phố Hà Nội",
                "received": 12,
                "answered": 10,
                "answered_on_time": 9,
                "on_time_share": 0.9,
                "median_response_hours": 3.5,
                "escalated_away": 1,
                "overdue_open": 0,
                "open": 1,
            }
        ],
        "computed_at": "2026-11-27T09:00:00Z",
    }
).model_dump(mode="json")

CATEGORIES_EXAMPLE: dict[str, Any] = CategoryList.model_validate(
    {
        "items": [
            {
                "code": "traffic",
                "name": "Giao thông",
                "group": "city",
                "topics": ["traffic", "transport", "public-transport", "roads"],
                "normal_hours": 12,
                "urgent_hours": 3,
            }
        ]
    }
).model_dump(mode="json")

_CITY = {
    "code": "ubnd-hn",
    "name": {"vi": "Văn phòng UBND Thành phố Hà Nội", "en": "Office of the Hanoi People's Committee"},
    "kind": "city_office",
    "parent_code": None,
    "topics": ["general", "administration", "public-services", "emergencies"],
    "contacts": [{"name": "Nguyễn Thị Minh Hằng", "phone": "024 3825 3536", "email": "vpubnd@hanoi.gov.vn"}],
    "calendar": "vn-gov",
    "depth": 0,
    "child_count": 46,
}
_POLICE = {
    "code": "ca-hn",
    "name": {"vi": "Công an Thành phố Hà Nội", "en": "Hanoi City Police"},
    "kind": "sector",
    "parent_code": "ubnd-hn",
    "topics": ["security", "public-order", "crime", "fire-safety"],
    "calendar": "vn-gov",
    "depth": 1,
    "child_count": 1,
}
_TRAFFIC_POLICE = {
    "code": "csgt-ca-hn",
    "name": {
        "vi": "Phòng Cảnh sát giao thông - Công an Thành phố Hà Nội",
        "en": "Traffic Police Division, Hanoi City Police",
    },
    "kind": "agency",
    "parent_code": "ca-hn",
    "topics": ["traffic", "traffic-safety", "traffic-violations"],
    "calendar": "vn-gov",
    "depth": 2,
    "child_count": 0,
}
UNIT_PAGE_EXAMPLE: dict[str, Any] = UnitPage.model_validate(
    {"items": [_POLICE, _TRAFFIC_POLICE], "next_cursor": None, "revision": "2025-07-01.1"}
).model_dump(mode="json")
UNIT_DETAIL_EXAMPLE: dict[str, Any] = UnitDetail.model_validate(
    {"unit": _POLICE, "ancestors": [_CITY], "children": [_TRAFFIC_POLICE], "revision": "2025-07-01.1"}
).model_dump(mode="json")


# -- bodies ---------------------------------------------------------------------------------------


class NewQuestion(Body):
    """A journalist's question (the RPC's `Ask` without the actor: that is the caller)."""

    outlet: str | None = Field(default=None, max_length=200, description="The caller's outlet when omitted.")
    title: str = Field(min_length=1, max_length=MAX_TITLE)
    body: str = Field(min_length=1, max_length=MAX_BODY)
    category: str = Field(min_length=1, max_length=64, description="A code of GET /v1/question-categories.")
    place: str | None = Field(
        default=None, max_length=500, description="A unit code, or an address naming the ward or commune."
    )
    priority: Priority = "normal"
    language: Language = "vi"
    attachments: tuple[str, ...] = Field(default=(), max_length=MAX_ATTACHMENTS, description="Media asset ids.")

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "title": "Phạt nguội trên đường Láng",
                    "body": "Tháng 11 có bao nhiêu trường hợp bị phạt nguội trên đường Láng?",
                    "category": "traffic",
                    "place": "csgt-ca-hn",
                },
                {
                    "title": "Rác thải tồn đọng",
                    "body": "Rác tồn đọng nhiều ngày tại ngõ 12 phố Huế.",
                    "category": "urban-order",
                    "place": "ngõ 12 phố Huế, phường Hai Bà Trưng",
                    "priority": "urgent",
                },
            ]
        },
    )


def _revision_example(**fields: Any) -> ConfigDict:
    return ConfigDict(extra="forbid", json_schema_extra={"examples": [{**fields, "expected_revision": 2}]})


class ClarificationRequest(RevisionBody):
    request: str = Field(min_length=1, max_length=MAX_BODY, description="What the unit needs to know.")

    model_config = _revision_example(request="Anh/chị hỏi về đoạn đường Láng nào?")


class ClarificationReply(RevisionBody):
    text: str = Field(min_length=1, max_length=MAX_BODY)

    model_config = _revision_example(text="Đoạn từ Ngã Tư Sở đến Cầu Giấy.")


class AnswerBody(RevisionBody):
    text: str = Field(min_length=1, max_length=MAX_BODY)
    public: bool = Field(default=False, description="Show the question and answer in the public Q&A.")

    model_config = _revision_example(text="Trong tháng 11 có 1.200 trường hợp.", public=True)


class Closing(RevisionBody):
    reason: str = Field(default="", max_length=MAX_REASON)

    model_config = _revision_example(reason="Đã nhận đủ thông tin.")


class Reopening(RevisionBody):
    reason: str = Field(min_length=1, max_length=MAX_REASON)

    model_config = _revision_example(reason="Câu trả lời chưa nêu số liệu theo tuần.")


class Rerouting(RevisionBody):
    unit_code: str = Field(min_length=1, max_length=64, description="The unit that should answer instead.")
    reason: str = Field(min_length=1, max_length=MAX_REASON)

    model_config = _revision_example(unit_code="so-xd", reason="Thuộc thẩm quyền của Sở Xây dựng.")


class Escalation(RevisionBody):
    reason: str = Field(min_length=1, max_length=MAX_REASON)
    to_unit_code: str | None = Field(default=None, max_length=64, description="An ancestor; the parent if omitted.")

    model_config = _revision_example(reason="Cần ý kiến của Công an Thành phố.", to_unit_code="ca-hn")
