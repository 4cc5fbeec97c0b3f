"""The health RPC every backend service answers (`<service>.health`)."""

from __future__ import annotations

from typing import Literal

from pydantic import AwareDatetime, Field

from presscenter.shared.events.envelope import ContractModel


class CheckResult(ContractModel):
    ok: bool
    latency_ms: float = Field(ge=0)
    error: str | None = None


class HealthReport(ContractModel):
    """Readiness of one service: every dependency it really touched."""

    service: str
    status: Literal["ok", "degraded", "down"]
    version: str
    checked_at: AwareDatetime
    checks: dict[str, CheckResult]
