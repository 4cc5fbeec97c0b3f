"""What the National Government Portal sends us, and how it enters the release workflow.

The gateway verifies the portal's signature (`presscenter.shared.signing`) and forwards the
JSON body over RPC. Two kinds:

- `release`: a ninjs-like news item (`guid` or `uri`, `headline`, `description`, `body_text`,
  `language`, `subjects`, optional `unit_code`, optional `embargoed`). It becomes a submission of
  the unit it names, or of the city office (`ubnd-hn`) when it names none.
- `directive`: an instruction from the national level (`guid`, `title`, `body`,
  `target_unit_codes`, optional `deadline`). It becomes a submission of the city office with the
  category `directive` and the targeted units as its places; the deadline, which a release has
  no field for, is appended to the body as a last line. Editors then review it like any release.

Both map to a `DepartmentReleaseSubmitted` payload with `external_id` = the portal's guid (its
`uri` when there is no guid), so the intake's idempotency by external id applies. Unknown fields
are ignored (the portal may send full ninjs); a bad payload is refused with `InvalidInput`
naming the field as the portal spelt it.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    TypeAdapter,
    ValidationError,
    field_validator,
    model_validator,
)

from presscenter.shared.events.common import UnitCode
from presscenter.shared.events.departments import DepartmentReleaseSubmitted
from presscenter.shared.rpc.errors import InvalidInput

PORTAL_SOURCE = "portal"
CITY_OFFICE_UNIT = "ubnd-hn"
DIRECTIVE_CATEGORY = "directive"
MAX_EXTERNAL_ID = 128
MAX_CATEGORY = 100

ExternalId = Annotated[str, Field(min_length=1, max_length=MAX_EXTERNAL_ID, pattern=r"^\S(.*\S)?$")]


class _Inbound(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore", str_strip_whitespace=True)


class PortalSubject(_Inbound):
    """A ninjs subject: its `literal`, else its `name`, becomes a category."""

    name: str | None = Field(default=None, max_length=MAX_CATEGORY)
    literal: str | None = Field(default=None, max_length=MAX_CATEGORY)
    uri: str | None = Field(default=None, max_length=2_000)

    @model_validator(mode="before")
    @classmethod
    def _from_text(cls, value: Any) -> Any:
        return {"literal": value} if isinstance(value, str) else value

    @property
    def category(self) -> str | None:
        return self.literal or self.name or None


def _language(value: Any) -> Any:
    """BCP 47 `vi-VN` / `en-GB` → `vi` / `en`; anything else is left for the Literal to refuse."""
    return value.split("-")[0].strip().lower() if isinstance(value, str) else value


class PortalRelease(_Inbound):
    kind: Literal["release"]
    guid: ExternalId | None = None
    uri: str | None = Field(default=None, max_length=2_000)
    headline: str = Field(min_length=1, max_length=500)
    description: str = Field(default="", max_length=5_000)
    body_text: str = Field(min_length=1, max_length=200_000)
    language: Literal["vi", "en"] = "vi"
    subjects: list[PortalSubject] = Field(default_factory=list, max_length=50, description="Objects or plain text.")
    unit_code: UnitCode | None = None
    embargoed: AwareDatetime | None = None

    _normalise_language = field_validator("language", mode="before")(_language)

    @property
    def external_id(self) -> str:
        if self.guid:
            return self.guid
        if not self.uri:
            raise InvalidInput("the portal item needs a guid (or a uri)", field="guid")
        if len(self.uri) > MAX_EXTERNAL_ID:
            raise InvalidInput(f"without a guid the uri is the id: at most {MAX_EXTERNAL_ID} characters", field="uri")
        return self.uri

    @property
    def categories(self) -> list[str]:
        return list(dict.fromkeys(s.category for s in self.subjects if s.category))


class PortalDirective(_Inbound):
    kind: Literal["directive"]
    guid: ExternalId
    title: str = Field(min_length=1, max_length=500)
    body: str = Field(min_length=1, max_length=190_000)
    language: Literal["vi", "en"] = "vi"
    target_unit_codes: list[UnitCode] = Field(min_length=1, max_length=200)
    deadline: AwareDatetime | None = None

    _normalise_language = field_validator("language", mode="before")(_language)

    @property
    def external_id(self) -> str:
        return self.guid


PortalPayload = Annotated[PortalRelease | PortalDirective, Field(discriminator="kind")]
_PAYLOAD: TypeAdapter[PortalRelease | PortalDirective] = TypeAdapter(PortalPayload)


def _field(loc: tuple[int | str, ...]) -> str:
    """`("release", "subjects", 0, "name")` → `subjects.0.name` (the first part is the union's tag)."""
    parts = [str(p) for p in loc]
    if parts and parts[0] in ("release", "directive"):
        parts = parts[1:]
    return ".".join(parts) or "kind"


def parse_inbound(data: Mapping[str, Any]) -> PortalRelease | PortalDirective:
    """Validate a forwarded portal payload; `InvalidInput(field=...)` names the first bad field."""
    if not isinstance(data, Mapping):
        raise InvalidInput("the portal payload must be a JSON object", field="kind")
    kind = data.get("kind")
    if kind not in ("release", "directive"):
        raise InvalidInput("kind must be 'release' or 'directive'", field="kind")
    try:
        item = _PAYLOAD.validate_python(dict(data))
    except ValidationError as exc:
        first = exc.errors()[0]
        raise InvalidInput(first["msg"], field=_field(first["loc"])) from None
    _ = item.external_id  # a release without guid or usable uri is refused here
    return item


def _deadline_line(deadline: datetime, language: str) -> str:
    label = "Hạn thực hiện" if language == "vi" else "Deadline"
    return f"**{label}:** {deadline.isoformat()}"


def to_department_submission(
    payload: PortalRelease | PortalDirective | Mapping[str, Any],
) -> DepartmentReleaseSubmitted:
    """The `department_release_submitted` payload for a portal release or directive (pure)."""
    item = payload if isinstance(payload, PortalRelease | PortalDirective) else parse_inbound(payload)
    if isinstance(item, PortalRelease):
        fields: dict[str, Any] = {
            "external_id": item.external_id,
            "unit_code": item.unit_code or CITY_OFFICE_UNIT,
            "title": item.headline,
            "lead": item.description,
            "body": item.body_text,
            "language": item.language,
            "categories": item.categories,
            "embargoed_until": item.embargoed,
        }
        names = {"title": "headline", "lead": "description", "body": "body_text", "categories": "subjects"}
    else:
        body = item.body
        if item.deadline is not None:
            body = f"{body}\n\n{_deadline_line(item.deadline, item.language)}"
        fields = {
            "external_id": item.external_id,
            "unit_code": CITY_OFFICE_UNIT,
            "title": item.title,
            "body": body,
            "language": item.language,
            "categories": [DIRECTIVE_CATEGORY],
            "places": list(dict.fromkeys(item.target_unit_codes)),
        }
        names = {"places": "target_unit_codes"}
    try:
        return DepartmentReleaseSubmitted(**fields)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = str(first["loc"][0]) if first["loc"] else "kind"
        raise InvalidInput(first["msg"], field=names.get(field, field)) from None
