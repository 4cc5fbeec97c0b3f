"""Settings of the releases service: environment variables, over `ServiceSettings`' defaults."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field, field_validator
from pydantic_settings import NoDecode

from presscenter.shared.settings import ServiceSettings


class ReleasesSettings(ServiceSettings):
    """Database `presscenter_releases` unless MONGO_DB says otherwise."""

    service_name = "releases"

    public_base_url: str = Field(
        "http://127.0.0.1:8000", description="Where the public reads releases: ninjs uris and feed links."
    )
    feed_title: str = Field("Trung tâm Báo chí Thủ đô — Thông cáo báo chí")
    clock_interval: float = Field(0.2, gt=0, description="Seconds between scheduled-publication and embargo checks.")
    portal_endpoint: str | None = Field(None, description="National portal push URL; no pushes when unset.")
    portal_secrets: Annotated[list[str], NoDecode] = Field(
        default_factory=list, description="HMAC secrets, comma-separated; the first signs, all verify."
    )
    portal_timeout: float = Field(10.0, gt=0)
    portal_interval: float = Field(1.0, gt=0, description="Seconds between portal delivery passes.")

    @field_validator("portal_secrets", mode="before")
    @classmethod
    def _split_secrets(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value
