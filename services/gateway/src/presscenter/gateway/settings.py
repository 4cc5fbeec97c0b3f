"""Settings of the gateway, from environment variables (names in the field descriptions)."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlsplit, urlunsplit

from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from presscenter.shared.settings import DEFAULT_AMQP_URI

# kombu (nameko) spells the AMQP 0-9-1 transport `pyamqp://`; aio-pika only knows amqp(s)://.
_KOMBU_SCHEMES = {"pyamqp": "amqp", "py-amqp": "amqp", "librabbitmq": "amqp", "pyamqps": "amqps"}


def aio_pika_url(uri: str) -> str:
    """The same broker address as aio-pika wants it: `pyamqp://` becomes `amqp://`."""
    parts = urlsplit(uri)
    scheme = _KOMBU_SCHEMES.get(parts.scheme.lower(), parts.scheme)
    return urlunsplit(parts._replace(scheme=scheme))


def _split_commas(value: Any) -> Any:
    if isinstance(value, str):
        return [item.strip() for item in value.split(",") if item.strip()]
    return value


class GatewaySettings(BaseSettings):
    """Environment variable = field name upper-cased unless the description says otherwise."""

    model_config = SettingsConfigDict(extra="ignore", case_sensitive=False, frozen=True, populate_by_name=True)

    amqp_uri: str = Field(DEFAULT_AMQP_URI, description="RabbitMQ URI (AMQP_URI), as the services use it.")
    host: str = Field(
        "0.0.0.0", validation_alias=AliasChoices("GATEWAY_HOST", "host"), description="Bind address (GATEWAY_HOST)."
    )
    port: int = Field(
        8000, ge=1, le=65535, validation_alias=AliasChoices("GATEWAY_PORT", "port"), description="GATEWAY_PORT."
    )
    log_level: str = Field("INFO", description="LOG_LEVEL.")

    # -- calling the services ----------------------------------------------------------------
    rpc_timeout: float = Field(10.0, gt=0, description="Seconds an RPC call waits for its reply (RPC_TIMEOUT).")
    rpc_connect_timeout: float = Field(
        5.0, gt=0, description="Seconds one attempt to connect to the broker may take (RPC_CONNECT_TIMEOUT)."
    )
    amqp_reconnect_interval: float = Field(
        1.0, gt=0, description="Seconds between reconnection attempts after the broker went away."
    )
    rpc_consumer_check_interval: float = Field(
        1.0,
        ge=0,
        description="How long (s) a service's consumer count is trusted: a service whose queue has no consumer "
        "is answered 503 at once instead of timing out (RPC_CONSUMER_CHECK_INTERVAL; 0 turns the check off).",
    )
    rpc_retry_after: int = Field(5, ge=1, description="Retry-After (s) of a 503 for an unavailable service.")

    # -- readiness ---------------------------------------------------------------------------
    readiness_timeout: float = Field(3.0, gt=0, description="Seconds /readyz waits for each check.")
    readiness_services: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Services whose `health` RPC /readyz also calls (READINESS_SERVICES, comma separated).",
    )
    readiness_require_services: bool = Field(
        False,
        description="When true a failing service makes /readyz answer 503; otherwise it reports `degraded` "
        "with 200, so one backend down does not take every gateway replica out of rotation.",
    )

    # -- HTTP limits -------------------------------------------------------------------------
    max_body_bytes: int = Field(1_048_576, ge=0, description="Largest request body accepted (MAX_BODY_BYTES).")
    rate_limit_ip_per_second: float = Field(
        20.0, ge=0, description="Sustained requests per second per client address (0 = no limit)."
    )
    rate_limit_ip_burst: int = Field(60, ge=1, description="Requests a client address may send at once.")
    rate_limit_token_per_second: float = Field(
        10.0, ge=0, description="Sustained requests per second per bearer or API token (0 = no limit)."
    )
    rate_limit_token_burst: int = Field(30, ge=1, description="Requests one token may send at once.")
    cors_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=list, description="Browser origins allowed to call the API (CORS_ORIGINS, comma separated)."
    )

    # -- media's local object store --------------------------------------------------------------
    media_http_url: str = Field(
        "http://127.0.0.1:8104",
        description="The media service's HTTP server (its HEALTH_ADDRESS) as the gateway reaches it "
        "(MEDIA_HTTP_URL): /v1/media/blobs/* streams the local store's signed URLs to and from it.",
    )
    media_http_timeout: float = Field(
        60.0, gt=0, description="Seconds one read or write of a blob transfer may wait (MEDIA_HTTP_TIMEOUT)."
    )

    # -- the national portal's webhook (POST /v1/webhooks/portal) -------------------------------
    portal_webhook_secrets: Annotated[list[SecretStr], NoDecode] = Field(
        default_factory=list,
        description="HMAC secrets the portal may sign with (PORTAL_WEBHOOK_SECRETS, comma separated; any one "
        "matching is enough, so a new secret can be added before the old one is removed). None: the webhook "
        "answers 503.",
    )
    portal_webhook_tolerance_seconds: float = Field(
        300.0, gt=0, description="Largest clock difference accepted on a signed timestamp, either way."
    )
    portal_webhook_max_bytes: int = Field(
        1_048_576, ge=1, description="Largest portal payload accepted (PORTAL_WEBHOOK_MAX_BYTES); more is 413."
    )

    @field_validator("portal_webhook_secrets", mode="before")
    @classmethod
    def _split_secrets(cls, value: Any) -> Any:
        return _split_commas(value)

    # -- telemetry ---------------------------------------------------------------------------
    otel_exporter_otlp_endpoint: str | None = Field(
        None, description="OTLP/HTTP collector endpoint (OTEL_EXPORTER_OTLP_ENDPOINT); no export when unset."
    )
    otel_service_name: str = Field("gateway", description="`service.name` of the gateway's spans.")

    @field_validator("cors_origins", "readiness_services", mode="before")
    @classmethod
    def _split(cls, value: Any) -> Any:
        return _split_commas(value)

    @property
    def broker_url(self) -> str:
        return aio_pika_url(self.amqp_uri)
