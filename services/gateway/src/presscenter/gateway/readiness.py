"""Readiness of the gateway: its RPC client's live broker connection answers, and (optionally) each
backend service answers its `health` RPC in time.

Status `down` (HTTP 503) when the broker check fails, or when a service fails and services are
required; `degraded` (HTTP 200) when a service fails otherwise, so one backend down does not take
every gateway replica out of the load balancer.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from presscenter.gateway.rpc_client import RpcClient, describe_error
from presscenter.shared.events.envelope import utcnow
from presscenter.shared.rpc.health import CheckResult, HealthReport

SERVICE_CHECK_PREFIX = "service:"


async def timed_check(check: Callable[[], Awaitable[Any]], timeout: float) -> CheckResult:
    """Run `check`; its failure (or no answer within `timeout`) becomes a redacted error."""
    start = time.perf_counter()
    error: str | None = None
    try:
        async with asyncio.timeout(timeout):
            await check()
    except TimeoutError:
        error = f"TimeoutError: no answer within {timeout:g}s"
    except Exception as exc:
        error = describe_error(exc)
    return CheckResult(ok=error is None, latency_ms=round((time.perf_counter() - start) * 1000, 3), error=error)


async def service_health(rpc: RpcClient, service: str, timeout: float) -> None:
    """Raise unless `service.health` answers a report whose status is `ok`."""
    report = HealthReport.model_validate(await rpc.call(service, "health", timeout=timeout))
    if report.status != "ok":
        failing = ", ".join(sorted(name for name, check in report.checks.items() if not check.ok)) or "none"
        raise RuntimeError(f"{service} reports {report.status} (failing: {failing})")


async def readiness_report(
    rpc: RpcClient,
    timeout: float,
    version: str,
    services: Sequence[str] = (),
    require_services: bool = False,
) -> HealthReport:
    broker = await timed_check(lambda: rpc.check_broker(timeout), timeout)
    checks = {"amqp": broker}
    if broker.ok and services:
        results = await asyncio.gather(
            *(timed_check(lambda s=service: service_health(rpc, s, timeout), timeout) for service in services)
        )
        checks.update({f"{SERVICE_CHECK_PREFIX}{name}": result for name, result in zip(services, results, strict=True)})
    services_ok = all(result.ok for name, result in checks.items() if name.startswith(SERVICE_CHECK_PREFIX))
    down = not broker.ok or (require_services and not services_ok)
    status = "down" if down else ("ok" if services_ok else "degraded")
    return HealthReport(service="gateway", status=status, version=version, checked_at=utcnow(), checks=checks)
