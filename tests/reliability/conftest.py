"""The reliability suite's figure: what every test under tests/reliability/ recorded, as one table.

Tests record into the session fixture `figures`:

- `figures.load(name, count)`: `count` messages/requests the platform handled under a load or fault;
- `figures.fault(name, survived)`: one injected fault and whether the platform survived it;
- `figures.bad_inputs(tried, refused)`: bad requests sent and how many were refused properly;
- `figures.lost(count)`: messages lost (must be 0);
- `figures.duplicates(count)`: effects applied more than once (must be 0).

At the end of the session ONE table is printed and written to `.run/reliability.json`. When
`RELIABILITY_FIGURES` names a file, the session starts from the figures already in it (so a make
target running several pytest sessions ends with one table of all of them) and writes there.

The fault tests share one `stack` per session (a fresh vhost, an embedded datastore and the
processes started on it, see `reliability_harness`). They use no nameko test fixtures: the suite
runs with or without eventlet (`make` runs it like the gateway tests, `--no-eventlet -p no:nameko`).

Tests marked `broker_restart` restart the shared RabbitMQ node's app: they run last in the session,
and only when RELIABILITY_BROKER_RESTART=1 (the make targets set it), never by accident.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

# the suite's helper module sits beside this file (pytest runs with --import-mode=importlib)
sys.path.insert(0, str(Path(__file__).resolve().parent))

from reliability_figures import DEFAULT_OUTPUT, ROOT, Figures
from reliability_harness import Stack

LOG_DIR = ROOT / ".run" / "reliability-logs"  # one directory per session: every process's output


def _output_path() -> Path:
    return Path(os.environ.get("RELIABILITY_FIGURES") or DEFAULT_OUTPUT)


_SESSION_FIGURES: list[Figures] = []


@pytest.fixture(scope="session")
def figures() -> Iterator[Figures]:
    """The session's figures; printed as one table and written to .run/reliability.json at the end."""
    path = _output_path()
    if os.environ.get("RELIABILITY_FIGURES") and path.exists():
        recorded = Figures.from_dict(json.loads(path.read_text()))
    else:
        recorded = Figures()
    _SESSION_FIGURES.append(recorded)
    yield recorded


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """A fresh vhost and embedded datastore; services and the gateway start on first use.

    Each process's output goes to `.run/reliability-logs/<session>/<name>.log` (kept after the run)."""
    from presscenter.shared.testing.embedded_mongo import EmbeddedMongo, free_port
    from presscenter.shared.testing.vhosts import create_vhost, delete_vhost

    log_dir = LOG_DIR / f"{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}"  # kept: read it when a test fails
    log_dir.mkdir(parents=True)
    for old in sorted(LOG_DIR.iterdir())[:-5]:  # keep the last five sessions' logs
        shutil.rmtree(old, ignore_errors=True)
    vhost = f"reliability-{uuid.uuid4().hex[:10]}"
    create_vhost(vhost)
    mongo = EmbeddedMongo(tmp_path_factory.mktemp("reliability-mongo"), free_port()).start()
    running = Stack(vhost, mongo, log_dir)
    try:
        yield running
    finally:
        try:
            running.close()
        finally:
            mongo.stop()
            delete_vhost(vhost)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "broker_restart: restarts the RabbitMQ app; runs last, only with RELIABILITY_BROKER_RESTART=1"
    )


@pytest.hookimpl(trylast=True)  # after any other reordering: restarts stay at the very end
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Broker restarts go last (every other test has finished with the broker), and only on request."""
    restarts = [item for item in items if item.get_closest_marker("broker_restart")]
    if not restarts:
        return
    items[:] = [item for item in items if item not in restarts] + restarts
    if os.environ.get("RELIABILITY_BROKER_RESTART") != "1":
        skip = pytest.mark.skip(
            reason="restarts the shared RabbitMQ: run with RELIABILITY_BROKER_RESTART=1 (make test-reliability does)"
        )
        for item in restarts:
            item.add_marker(skip)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if not _SESSION_FIGURES or not _SESSION_FIGURES[0].recorded:
        return
    path = _output_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(_SESSION_FIGURES[0].as_dict(), indent=2) + "\n")


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    if not _SESSION_FIGURES or not _SESSION_FIGURES[0].recorded:
        return
    terminalreporter.write_sep("=", "reliability figure")
    terminalreporter.write_line(_SESSION_FIGURES[0].table())
    terminalreporter.write_line(f"(written to {_output_path()})")
