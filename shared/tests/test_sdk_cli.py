"""`presscenter-emit` run as a real subprocess against the real RabbitMQ (a fresh vhost per test)."""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import pika
import pytest

from presscenter.shared.sdk import connection_parameters
from presscenter.shared.testing.embedded_mongo import free_port

EVENT = "department_release_submitted"
EXCHANGE = "departments.events"
EMIT = Path(sys.executable).with_name("presscenter-emit")
PAYLOAD = {"external_id": "cli-1", "unit_code": "so-ytt", "title": "Thông cáo", "body": "Nội dung."}


def emit(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(EMIT), *args], input=stdin, capture_output=True, text=True, timeout=30, env={"PATH": "/usr/bin:/bin"}
    )


@pytest.fixture
def queue(amqp_uri: str) -> str:
    name = f"test-cli-{uuid.uuid4().hex[:8]}"
    with pika.BlockingConnection(connection_parameters(amqp_uri)) as conn:
        channel = conn.channel()
        channel.exchange_declare(EXCHANGE, exchange_type="topic", durable=True, auto_delete=False)
        channel.queue_declare(name, durable=True)
        channel.queue_bind(name, EXCHANGE, EVENT)
    return name


def drain(amqp_uri: str, queue: str) -> list[dict[str, Any]]:
    bodies = []
    with pika.BlockingConnection(connection_parameters(amqp_uri)) as conn:
        channel = conn.channel()
        while True:
            method, _, body = channel.basic_get(queue, auto_ack=True)
            if method is None:
                return bodies
            bodies.append(json.loads(body))


def write(tmp_path: Path, document: Any) -> str:
    path = tmp_path / "release.json"
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    return str(path)


def test_valid_payload_file_is_sent(amqp_uri: str, queue: str, tmp_path: Path) -> None:
    event_id = str(uuid.uuid4())
    result = emit(
        EVENT, "--file", write(tmp_path, PAYLOAD), "--source", "so-ytt", "--amqp-uri", amqp_uri, "--event-id", event_id
    )
    assert result.returncode == 0, result.stderr
    line = json.loads(result.stdout)
    assert line == {"event_id": event_id, "type": EVENT, "version": 1, "exchange": EXCHANGE}

    [body] = drain(amqp_uri, queue)
    assert body["event_id"] == event_id
    assert body["source"] == "so-ytt"
    assert body["payload"]["title"] == "Thông cáo"


def test_envelope_on_stdin_is_sent_as_is(amqp_uri: str, queue: str) -> None:
    envelope = {"type": EVENT, "source": "so-gtvt", "correlation_id": "flow-9", "payload": PAYLOAD}
    result = emit(EVENT, "--file", "-", "--amqp-uri", amqp_uri, stdin=json.dumps(envelope))
    assert result.returncode == 0, result.stderr

    [body] = drain(amqp_uri, queue)
    assert (body["source"], body["correlation_id"], body["version"]) == ("so-gtvt", "flow-9", 1)
    assert body["event_id"] == json.loads(result.stdout)["event_id"]


def test_invalid_payload_exits_2_names_the_field_sends_nothing(amqp_uri: str, queue: str, tmp_path: Path) -> None:
    payload = {k: v for k, v in PAYLOAD.items() if k != "title"}
    result = emit(EVENT, "--file", write(tmp_path, payload), "--source", "so-ytt", "--amqp-uri", amqp_uri)
    assert result.returncode == 2
    assert f"invalid {EVENT} v1: payload.title: Field required" in result.stderr
    assert result.stdout == ""
    assert drain(amqp_uri, queue) == []


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["no_such_event", "--source", "so-ytt"], "unknown event type 'no_such_event'"),
        ([EVENT], "no source"),
        ([EVENT, "--source", "so-ytt", "--event-id", "not-a-uuid"], "event_id: not a UUID"),
    ],
)
def test_bad_command_lines_exit_2(amqp_uri: str, tmp_path: Path, args: list[str], expected: str) -> None:
    event_type, *options = args
    result = emit(event_type, "--file", write(tmp_path, PAYLOAD), "--amqp-uri", amqp_uri, *options)
    assert result.returncode == 2
    assert expected in result.stderr


def test_unreachable_broker_exits_3_without_the_password(tmp_path: Path) -> None:
    port, password = free_port(), f"pw-{uuid.uuid4().hex[:6]}"
    uri = f"amqp://guest:{password}@127.0.0.1:{port}/"
    result = emit(EVENT, "--file", write(tmp_path, PAYLOAD), "--source", "so-ytt", "--amqp-uri", uri, "--attempts", "2")
    assert result.returncode == 3
    assert f"127.0.0.1:{port}" in result.stderr and "unreachable" in result.stderr
    assert password not in result.stderr


def test_no_consumer_bound_exits_3(amqp_uri: str, tmp_path: Path) -> None:
    result = emit(EVENT, "--file", write(tmp_path, PAYLOAD), "--source", "so-ytt", "--amqp-uri", amqp_uri)
    assert result.returncode == 3
    assert "was not routed" in result.stderr


def test_list_prints_the_catalog() -> None:
    result = emit("--list")
    assert result.returncode == 0
    rows = {line.split()[0]: line.split()[1:3] for line in result.stdout.splitlines()}
    assert rows[EVENT] == ["v1", EXCHANGE]
    assert rows["release_published"] == ["v1", "releases.events"]
