"""Settings: one pydantic model per service, read from environment variables.

`ServiceSettings` holds what every backend service shares; each service subclasses it with
its own fields and `service_name`. Inside a nameko container the values in `nameko.config`
(upper-case names, as in the service's `config.yaml`, or patched by tests) take precedence
over the process environment, so one service can be configured per container.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, ClassVar, Self

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

DEFAULT_AMQP_URI = "pyamqp://guest:guest@127.0.0.1:5672/"
DEFAULT_MONGO_URI = "mongodb://127.0.0.1:27017"


class ServiceSettings(BaseSettings):
    """Settings common to every backend service. Environment variable = field name upper-cased."""

    model_config = SettingsConfigDict(extra="ignore", case_sensitive=False, frozen=True)

    service_name: ClassVar[str] = "service"

    amqp_uri: str = Field(DEFAULT_AMQP_URI, description="RabbitMQ connection URI (AMQP_URI).")
    mongo_uri: str = Field(
        DEFAULT_MONGO_URI,
        description="MongoDB URI (MONGO_URI); `make run` starts the embedded nx-27017 server here.",
    )
    mongo_db: str = Field("", description="Database name; default `presscenter_<service>`.")
    otel_exporter_otlp_endpoint: str | None = Field(
        None, description="OTLP/HTTP collector endpoint; tracing exports nothing when unset."
    )
    outbox_relay_interval: float = Field(0.2, gt=0, description="Seconds between outbox relay passes.")
    outbox_batch_size: int = Field(200, ge=1, le=10_000)
    # NoDecode: "1000,5000" from the environment reaches the validator as text, not as JSON
    retry_delays_ms: Annotated[list[int], NoDecode] = Field(
        default_factory=lambda: [1_000, 5_000, 30_000],
        description="Backoff before each retry of a failing message; its length bounds the retries.",
    )
    processed_event_ttl_days: int = Field(14, ge=1, description="How long handled event ids are remembered.")
    job_poll_interval: float = Field(0.2, gt=0, description="Seconds between scheduled-job polls.")
    job_lease_seconds: float = Field(30.0, gt=0, description="A claimed job is re-run if not done by then.")
    log_level: str = Field("INFO")

    @field_validator("retry_delays_ms", mode="before")
    @classmethod
    def _split_delays(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [int(v) for v in value.replace(",", " ").split()]
        if isinstance(value, int):
            return [value]
        return value

    @property
    def database(self) -> str:
        return self.mongo_db or f"presscenter_{self.service_name}"

    @classmethod
    def load(cls, overrides: Mapping[str, Any] | None = None) -> Self:
        """Environment values, with `overrides` (e.g. `nameko.config`) taking precedence."""
        if overrides is None:
            try:
                from nameko import config as overrides  # type: ignore[no-redef]
            except ImportError:  # the SDK and tools run without nameko
                overrides = {}
        fields = {name for name in cls.model_fields}
        picked = {k.lower(): v for k, v in overrides.items() if isinstance(k, str) and k.lower() in fields}
        return cls(**picked)


def redact_uri(uri: str) -> str:
    """`scheme://user:secret@host` → `scheme://user:***@host`, for logs and spans."""
    from presscenter.shared.redaction import redact

    return redact(uri)
