"""Settings of the gateway, from environment variables (names in the field descriptions)."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlsplit, urlunsplit

from pydantic import AliasChoices, Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from presscenter.shared.settings import DEFAULT_AMQP_URI

# kombu (nameko) spells the AMQP 0-9-1 transport `pyamqp://`; aio-pika only knows amqp(s)://.
_KOMBU_SCHEMES = {"pyamqp": "amqp", "py-amqp": "amqp", "librabbitmq": "amqp", "pyamqps": "amqps"}


def aio_pika_url(uri: str) -> str:
    """The same broker address as aio-pika wants it: `pyamqp://` becomes `amqp://`."""
    parts = urlsplit(uri)
    scheme = _KOMBU_SCHEMES.get(parts.scheme.lower(), parts.scheme)
    return urlunsplit(parts._replace(scheme=scheme))


class GatewaySettings(BaseSettings):
    model_config = SettingsConfigDict(extra="ignore", case_sensitive=False, frozen=True, populate_by_name=True)

    amqp_uri: str = Field(DEFAULT_AMQP_URI, description="RabbitMQ URI (AMQP_URI), as the services use it.")
    host: str = Field(
        "0.0.0.0", validation_alias=AliasChoices("GATEWAY_HOST", "host"), description="Bind address (GATEWAY_HOST)."
    )
    port: int = Field(
        8000, ge=1, le=65535, validation_alias=AliasChoices("GATEWAY_PORT", "port"), description="GATEWAY_PORT."
    )
    cors_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=list, description="Browser origins allowed to call the API (CORS_ORIGINS, comma separated)."
    )
    readiness_timeout: float = Field(3.0, gt=0, description="Seconds /readyz waits for the broker (READINESS_TIMEOUT).")
    log_level: str = Field("INFO", description="LOG_LEVEL.")

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [origin.strip() for origin in value.split(",") if origin.strip()]
        return value

    @property
    def broker_url(self) -> str:
        return aio_pika_url(self.amqp_uri)
