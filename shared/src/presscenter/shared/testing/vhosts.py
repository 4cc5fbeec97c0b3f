"""Fresh RabbitMQ vhosts through the management API, for tests and benchmarks that must not see
each other's queues (urllib only: usable with or without eventlet)."""

from __future__ import annotations

import base64
import json
import os
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

MANAGEMENT_URL = os.environ.get("RABBIT_MANAGEMENT_URL", "http://guest:guest@127.0.0.1:15672")
BROKER_HOST = os.environ.get("RABBIT_AMQP_HOSTPORT", "127.0.0.1:5672")


def management(method: str, path: str, body: Any = None, base: str = MANAGEMENT_URL) -> Any:
    """One management API request; returns the decoded JSON answer (None when empty)."""
    parts = urllib.parse.urlsplit(base)
    netloc = parts.hostname + (f":{parts.port}" if parts.port else "")
    request = urllib.request.Request(
        urllib.parse.urlunsplit(parts._replace(netloc=netloc)) + path,
        method=method,
        data=None if body is None else json.dumps(body).encode(),
        headers={"content-type": "application/json"},
    )
    credentials = f"{urllib.parse.unquote(parts.username or '')}:{urllib.parse.unquote(parts.password or '')}"
    request.add_header("Authorization", "Basic " + base64.b64encode(credentials.encode()).decode())
    with urllib.request.urlopen(request, timeout=10) as response:
        data = response.read()
    return json.loads(data) if data else None


def quoted(vhost: str) -> str:
    return urllib.parse.quote(vhost, safe="")


def create_vhost(name: str, user: str = "guest") -> None:
    management("PUT", f"/api/vhosts/{quoted(name)}")
    management("PUT", f"/api/permissions/{quoted(name)}/{user}", {"configure": ".*", "write": ".*", "read": ".*"})


def delete_vhost(name: str) -> None:
    try:
        management("DELETE", f"/api/vhosts/{quoted(name)}")
    except urllib.error.HTTPError as error:
        if error.code != 404:
            raise


def amqp_url(vhost: str, hostport: str = BROKER_HOST, user: str = "guest", password: str = "guest") -> str:
    return f"amqp://{user}:{password}@{hostport}/{quoted(vhost)}"


@contextmanager
def fresh_vhost(prefix: str = "gateway-test") -> Iterator[str]:
    """A new vhost for the duration of the block; yields its name."""
    name = f"{prefix}-{uuid.uuid4().hex[:12]}"
    create_vhost(name)
    try:
        yield name
    finally:
        delete_vhost(name)


def queue_info(vhost: str, queue: str) -> dict[str, Any]:
    """The management API's view of one queue (`consumers`, `messages`, ...)."""
    return management("GET", f"/api/queues/{quoted(vhost)}/{quoted(queue)}")  # type: ignore[no-any-return]
