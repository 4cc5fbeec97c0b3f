"""Readiness of the gateway: it can open a connection and a channel on the broker."""

from __future__ import annotations

import asyncio
import time

import aio_pika

from presscenter.shared.events.envelope import utcnow
from presscenter.shared.redaction import redact
from presscenter.shared.rpc.health import CheckResult, HealthReport


async def check_amqp(url: str, timeout: float) -> None:
    """Connect to the broker at `url`, open and close a channel; raise on failure or after `timeout`."""
    async with asyncio.timeout(timeout):
        connection = await aio_pika.connect(url, timeout=timeout)
        try:
            channel = await connection.channel()
            await channel.close()
        finally:
            await connection.close()


async def amqp_check_result(url: str, timeout: float) -> CheckResult:
    start = time.perf_counter()
    try:
        await check_amqp(url, timeout)
    except TimeoutError:
        error = f"TimeoutError: no answer from the broker within {timeout:g}s"
    except Exception as exc:
        error = redact(f"{type(exc).__name__}: {exc}".strip().rstrip(":"))[:300]
    else:
        error = None
    latency_ms = round((time.perf_counter() - start) * 1000, 3)
    return CheckResult(ok=error is None, latency_ms=latency_ms, error=error)


async def readiness_report(url: str, timeout: float, version: str) -> HealthReport:
    amqp = await amqp_check_result(url, timeout)
    return HealthReport(
        service="gateway",
        status="ok" if amqp.ok else "down",
        version=version,
        checked_at=utcnow(),
        checks={"amqp": amqp},
    )
