"""pytest plugin shared by every package (registered through the `pytest11` entry point).

- Applies eventlet's monkey patch before tests are collected, as nameko requires; the
  gateway's asyncio tests opt out with `--no-eventlet`.
- Refuses to run when a compiled module is older than its source (`make setup` rebuilds it):
  the extension would shadow the edit.
- `embedded_mongo`: one real nx-27017 server process for the session.
- `mongo_uri` / `service_config`: a fresh database name per test on that server, plus a
  fresh RabbitMQ vhost (nameko's `rabbit_config`), as the config of a nameko container.

Nothing heavy is imported at module level: eventlet must patch first.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--no-eventlet",
        action="store_true",
        default=False,
        help="do not apply eventlet's monkey patch (asyncio packages such as the gateway)",
    )


@pytest.hookimpl(tryfirst=True)
def pytest_load_initial_conftests(early_config: pytest.Config, parser: pytest.Parser, args: list[str]) -> None:
    if "--no-eventlet" in args or os.environ.get("PRESSCENTER_NO_EVENTLET") == "1":
        return
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "Eventlet is deprecated": nameko needs it all the same
        import eventlet

    eventlet.monkey_patch()


def pytest_sessionstart(session: pytest.Session) -> None:
    from presscenter.shared.testing.compiled import stale_extensions

    stale = stale_extensions(session.config.rootpath)
    if stale:
        names = ", ".join(str(p.relative_to(session.config.rootpath)) for p in stale)
        raise pytest.UsageError(f"edited since it was compiled: {names}; run `make setup` to rebuild")


@pytest.fixture(scope="session")
def embedded_mongo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """A real nx-27017 process (or the server named by TEST_MONGO_URI, e.g. real MongoDB)."""
    external = os.environ.get("TEST_MONGO_URI")
    if external:
        yield type("External", (), {"uri": external})()
        return
    from presscenter.shared.testing.embedded_mongo import EmbeddedMongo, free_port

    server = EmbeddedMongo(Path(tmp_path_factory.mktemp("nx-27017")), free_port()).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def mongo_db_name() -> str:
    return f"test_{uuid.uuid4().hex[:12]}"


@pytest.fixture
def mongo_uri(embedded_mongo: Any) -> str:
    return str(embedded_mongo.uri)


@pytest.fixture
def service_config(rabbit_config: None, mongo_uri: str, mongo_db_name: str) -> dict[str, Any]:
    """nameko config for a container under test: its own vhost and its own database."""
    from nameko import config

    from presscenter.shared.testing.embedded_mongo import free_port

    return {
        "AMQP_URI": config["AMQP_URI"],
        # every service serves HTTP probes: each container under test gets its own port
        "WEB_SERVER_ADDRESS": f"127.0.0.1:{free_port()}",
        "MONGO_URI": mongo_uri,
        "MONGO_DB": mongo_db_name,
        "RETRY_DELAYS_MS": [50, 100],
        "OUTBOX_RELAY_INTERVAL": 0.05,
        "JOB_POLL_INTERVAL": 0.05,
    }


@pytest.fixture
def probe_port(service_config: dict[str, Any]) -> int:
    """The HTTP port of the health probes of a container started with `service_config`."""
    return int(str(service_config["WEB_SERVER_ADDRESS"]).rsplit(":", 1)[1])
