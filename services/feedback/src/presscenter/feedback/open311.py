"""Open311 GeoReport v2 (https://wiki.open311.org/GeoReport_v2/) over questions: pure mappings.

- service list = the question categories (`service_code` = category code, no extra metadata);
- a request record = a question: `status` is `closed` once answered or closed, else `open`;
  `status_notes` says where it is (unit, deadline, escalations) or carries the answer;
  `agency_responsible` is the unit holding it; times are in the city's offset (W3C format);
- a POST = a journalist's question (`origin` open311): `address_id` is a unit code,
  `address_string` an address matched like any place, `attribute[priority]` urgent or normal.
"""

from __future__ import annotations

from datetime import datetime, tzinfo
from typing import Literal

from presscenter.feedback.domain.routing import RoutingRules
from presscenter.shared.directory import UnitTree
from presscenter.shared.events.common import Language
from presscenter.shared.rpc.errors import InvalidInput
from presscenter.shared.rpc.feedback import (
    Ask,
    GeoReportCreate,
    GeoReportCreated,
    GeoReportRequest,
    GeoReportService,
    Question,
)

TITLE_LENGTH = 120
NOTE_LENGTH = 1_000
CLOSED_STATUSES = ("answered", "closed")


def w3c(moment: datetime, tz: tzinfo) -> str:
    """`2026-11-27T17:28:27+07:00`: the W3C date-time GeoReport uses, in the city's offset."""
    return moment.astimezone(tz).isoformat(timespec="seconds")


def georeport_status(question: Question) -> Literal["open", "closed"]:
    return "closed" if question.status in CLOSED_STATUSES else "open"


def statuses_for(status: Literal["open", "closed"]) -> list[str]:
    """The question statuses a GeoReport `status` filter stands for."""
    if status == "closed":
        return list(CLOSED_STATUSES)
    return ["received", "routed", "in_progress", "awaiting_clarification"]


def service_list(rules: RoutingRules, locale: Language = "vi") -> list[GeoReportService]:
    services = []
    for category in rules.categories.values():
        name = category.name_vi if locale == "vi" else category.name_en
        other = category.name_en if locale == "vi" else category.name_vi
        services.append(
            GeoReportService(
                service_code=category.code,
                service_name=name,
                description=other,
                keywords=", ".join(category.topics),
                group=category.group,
            )
        )
    return services


def _unit_name(tree: UnitTree, code: str, locale: Language) -> str:
    unit = tree.get(code)
    if unit is None:
        return code
    return unit.name.en if locale == "en" and unit.name.en else unit.name.vi


def _clip(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def status_notes(question: Question, tree: UnitTree, tz: tzinfo, locale: Language = "vi") -> str:
    """Where the question stands, in a sentence; the answer itself once answered."""
    vi = locale == "vi"
    unit = _unit_name(tree, question.unit_code, locale)
    answer = question.answer
    if question.status in CLOSED_STATUSES and answer is not None:
        by = _unit_name(tree, answer.unit_code, locale)
        when = w3c(answer.answered_at, tz)
        head = f"{by} đã trả lời lúc {when}: " if vi else f"Answered by {by} at {when}: "
        return _clip(head + answer.text, NOTE_LENGTH)
    if question.status == "closed":
        reason = question.close_reason or ("không có lý do" if vi else "no reason given")
        return f"Đã đóng: {reason}" if vi else f"Closed: {reason}"
    if question.status == "awaiting_clarification":
        request = question.clarifications[-1].request if question.clarifications else ""
        head = f"{unit} đề nghị làm rõ: " if vi else f"{unit} asks for clarification: "
        return _clip(head + request, NOTE_LENGTH)
    due = question.leg.due_at
    when = w3c(due, tz) if due else ("tạm dừng" if vi else "paused")
    level = question.escalation_level
    if vi:
        note = f"Đang xử lý tại {unit}, hạn {when}"
        return note + (f"; đã chuyển lên cấp trên {level} lần" if level else "")
    note = f"With {unit}, due {when}"
    return note + (f"; escalated {level} time{'s' if level > 1 else ''}" if level else "")


def request_record(
    question: Question, tree: UnitTree, tz: tzinfo, rules: RoutingRules, locale: Language = "vi"
) -> GeoReportRequest:
    category = rules.categories.get(question.category)
    service_name = (category.name_vi if locale == "vi" else category.name_en) if category else question.category
    place_is_code = question.place is not None and question.place == question.place_unit_code
    address = None if question.place is None or place_is_code else question.place
    if address is None and question.place_unit_code:
        address = _unit_name(tree, question.place_unit_code, locale)
    due = question.sla.due_at
    return GeoReportRequest(
        service_request_id=question.id,
        status=georeport_status(question),
        status_notes=status_notes(question, tree, tz, locale),
        service_name=service_name,
        service_code=question.category,
        description=question.body,
        agency_responsible=_unit_name(tree, question.unit_code, locale),
        service_notice=None,
        requested_datetime=w3c(question.created_at, tz),
        updated_datetime=w3c(question.updated_at, tz),
        expected_datetime=w3c(due, tz) if due is not None and georeport_status(question) == "open" else None,
        address=address,
        address_id=question.place_unit_code,
    )


def ask_from_georeport(create: GeoReportCreate, rules: RoutingRules) -> Ask:
    """A GeoReport POST as a journalist's question; refuses what the spec's client got wrong."""
    if create.service_code not in rules.categories:
        raise InvalidInput(f"unknown service_code {create.service_code!r}; see services.json", "service_code")
    priority = create.attribute.get("priority", "normal")
    if priority not in ("normal", "urgent"):
        raise InvalidInput("attribute[priority] is urgent or normal", "attribute.priority")
    if create.address_id and create.address_string:
        raise InvalidInput("give address_id or address_string, not both", "address_id")
    description = create.description.strip()
    if not description:
        raise InvalidInput("description is blank", "description")
    title = (create.title or "").strip() or _clip(description.split("\n", 1)[0], TITLE_LENGTH)
    body = description if not create.media_url else f"{description}\n\nMedia: {create.media_url}"
    return Ask(
        actor=create.actor,
        outlet=create.outlet,
        title=title,
        body=body,
        category=create.service_code,
        place=create.address_id or create.address_string,
        priority=priority,
        language=create.locale,
        origin="open311",
    )


def created(question: Question, tree: UnitTree, tz: tzinfo, locale: Language = "vi") -> GeoReportCreated:
    """The GeoReport POST response: the new request's id and where it went."""
    unit = _unit_name(tree, question.unit_code, locale)
    due = question.leg.due_at
    when = w3c(due, tz) if due else ""
    notice = f"Đã chuyển đến {unit}, hạn trả lời {when}" if locale == "vi" else f"Sent to {unit}, due {when}"
    return GeoReportCreated(
        requests=[{"service_request_id": question.id, "service_notice": notice, "account_id": None}]
    )
