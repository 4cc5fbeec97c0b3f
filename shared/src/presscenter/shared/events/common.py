"""Value types shared by several payloads."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AwareDatetime, Field

from presscenter.shared.events.envelope import ContractModel

UnitCode = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_.-]{0,63}$", description="Directory unit code.")]
Language = Literal["vi", "en"]
Priority = Literal["urgent", "normal"]


class LocalizedText(ContractModel):
    """Vietnamese first, English optional."""

    vi: str = Field(min_length=1, max_length=20_000)
    en: str | None = Field(default=None, max_length=20_000)


class Actor(ContractModel):
    """Who did something: a person's account, a unit's system or a service."""

    kind: Literal["user", "system", "service"]
    id: str = Field(min_length=1, max_length=128)
    role: str | None = Field(default=None, max_length=32)
    unit_code: UnitCode | None = None


class Contact(ContractModel):
    name: str = Field(min_length=1, max_length=200)
    phone: str | None = Field(default=None, max_length=40)
    email: str | None = Field(default=None, max_length=200)


class TimeWindow(ContractModel):
    start: AwareDatetime
    end: AwareDatetime
