"""The real services for gateway tests: `nameko run` in a subprocess (eventlet stays there).

    with nameko_service("feedback", config_file, amqp_uri, mongo_uri, "test_db", log_file):
        ...  # the gateway calls it over the broker

Returns once the service answers its `health` RPC. `releases_service(...)` is the releases one.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import Any

from presscenter.gateway.rpc_client import RpcClient
from presscenter.gateway.rpc_errors import RpcTimeout, ServiceUnavailable
from presscenter.gateway.settings import aio_pika_url
from presscenter.shared.testing.embedded_mongo import free_port

NAMEKO = Path(sys.executable).parent / "nameko"


async def wait_answering(
    url: str,
    process: subprocess.Popen[bytes] | None,
    timeout: float = 30.0,
    service: str = "releases",
    method: str = "health",
    *args: Any,
) -> None:
    """Return once `service.method(*args)` answers (its `health` RPC by default: the service
    consumes); fail if `process` (when given) ends first, or at the deadline."""
    rpc = RpcClient(url, consumer_check_interval=0)
    await rpc.start()
    try:
        await rpc.wait_connected(5)
        deadline = time.monotonic() + timeout
        while True:
            try:
                await rpc.call(service, method, *args, timeout=2)
                return
            except (ServiceUnavailable, RpcTimeout):
                ended = process is not None and process.poll() is not None
                if ended or time.monotonic() > deadline:
                    raise RuntimeError(f"the {service} service did not start") from None
                await asyncio.sleep(0.1)
    finally:
        await rpc.stop()


def stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(5)


@contextmanager
def nameko_service(
    service: str,
    config_file: Path,
    amqp_uri: str,
    mongo_uri: str,
    mongo_db: str,
    log_file: Path,
    extra_environment: Mapping[str, str] | None = None,
    timeout: float = 30.0,
) -> Iterator[subprocess.Popen[bytes]]:
    """`nameko run --config <config_file> presscenter.<service>.service` with its settings in the environment."""
    environment = {
        "PATH": str(NAMEKO.parent),
        "AMQP_URI": amqp_uri,
        "HEALTH_ADDRESS": f"127.0.0.1:{free_port()}",
        "MONGO_URI": mongo_uri,
        "MONGO_DB": mongo_db,
        "LOG_LEVEL": "INFO",
        **(extra_environment or {}),
    }
    process = subprocess.Popen(
        [str(NAMEKO), "run", "--config", str(config_file), f"presscenter.{service}.service"],
        env=environment,
        stdout=log_file.open("wb"),
        stderr=subprocess.STDOUT,
    )
    try:
        asyncio.run(wait_answering(aio_pika_url(amqp_uri), process, timeout, service))
        yield process
    finally:
        stop(process)


releases_service = partial(nameko_service, "releases")
"""The releases service: `nameko_service("releases", ...)`."""
