"""Kill test: a `nameko run` process dies by SIGKILL between the write and the publish; nothing is lost.

Run 1 writes a state change with its event (one atomic update) and SIGKILLs itself; its relay
interval is an hour, so no relay pass happened. Run 2 of the same service (relay every 0.05 s)
publishes the event: it arrives exactly once, with the event_id that was written.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from kombu import Connection, Queue
from nameko.standalone.events import get_event_exchange
from pymongo import MongoClient
from pymongo.database import Database

from presscenter.shared.plumbing.outbox import OUTBOX_FIELD, PENDING_FIELD, OutboxEntry

HERE = Path(__file__).parent
NAMEKO = Path(sys.executable).parent / "nameko"


def run_service(tmp_path: Path, name: str, config: dict[str, Any]) -> subprocess.Popen[bytes]:
    config_file = tmp_path / f"{name}.yaml"
    config_file.write_text(json.dumps(config))  # JSON is YAML
    log = (tmp_path / f"{name}.log").open("wb")
    return subprocess.Popen(
        [str(NAMEKO), "run", "--config", str(config_file), "outbox_kill_service"],
        cwd=HERE,
        stdout=log,
        stderr=subprocess.STDOUT,
        env={"PATH": str(NAMEKO.parent), "PYTHONPATH": str(HERE)},
    )


@pytest.fixture
def db(mongo_uri: str, mongo_db_name: str) -> Iterator[Database[Any]]:
    client: MongoClient[Any] = MongoClient(mongo_uri, tz_aware=True)
    yield client[mongo_db_name]
    client.close()


def test_an_event_written_before_a_sigkill_is_published_after_restart(
    service_config: dict[str, Any], db: Database[Any], tmp_path: Path
) -> None:
    amqp_uri = service_config["AMQP_URI"]
    base = {key: service_config[key] for key in ("AMQP_URI", "MONGO_URI", "MONGO_DB")}
    event_id = str(uuid.uuid4())

    with Connection(amqp_uri) as connection:
        queue = connection.SimpleQueue(
            Queue("kill-test", get_event_exchange("releases"), routing_key="embargo_lifted", durable=False)
        )

        first = run_service(tmp_path, "run1", {**base, "OUTBOX_RELAY_INTERVAL": 3600, "KILL_EVENT_ID": event_id})
        try:
            assert first.wait(timeout=30) == -9, (tmp_path / "run1.log").read_text()
        finally:
            first.kill()

        stored = db.releases.find_one({"_id": "r-kill"})
        assert stored is not None and stored["status"] == "published"
        assert stored[PENDING_FIELD] == 1
        assert [OutboxEntry.from_stored(raw).event_id for raw in stored[OUTBOX_FIELD]] == [event_id]
        with pytest.raises(queue.Empty):
            queue.get(timeout=0.2)  # nothing was published before the kill

        second = run_service(tmp_path, "run2", {**base, "OUTBOX_RELAY_INTERVAL": 0.05})
        try:
            message = queue.get(timeout=30)
            message.ack()
            assert json.loads(message.body)["event_id"] == event_id
            assert message.properties["delivery_mode"] == 2
            deadline = time.monotonic() + 5
            while db.releases.find_one({"_id": "r-kill"})[PENDING_FIELD] != 0:  # type: ignore[index]
                assert time.monotonic() < deadline, "the relayed entry was not removed"
                time.sleep(0.05)
            with pytest.raises(queue.Empty):
                queue.get(timeout=0.5)  # exactly once
        finally:
            second.terminate()
            try:
                second.wait(timeout=15)
            except subprocess.TimeoutExpired:
                second.kill()
            queue.close()

    assert second.returncode == 0, (tmp_path / "run2.log").read_text()
    final = db.releases.find_one({"_id": "r-kill"})
    assert final is not None and final["status"] == "published" and final[OUTBOX_FIELD] == []
