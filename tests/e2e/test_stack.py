"""Smoke flows on the compose stack: every service ready on the real datastores, RPC from a standalone
client, a department's event through the SDK into the releases service, one database user per
service, quorum queues, and the media service's MinIO user confined to its bucket."""

from __future__ import annotations

import time
import uuid
from typing import Any

import pytest

from presscenter.shared.rpc.health import HealthReport
from presscenter.shared.sdk import EventPublisher

SERVICES = ("releases", "feedback", "monitoring", "media", "gateway")
NAMEKO_SERVICES = ("releases", "feedback", "monitoring", "media")
EDITOR = {"id": "e2e-editor", "role": "editor"}


def test_every_service_is_ready_on_the_real_broker_and_datastores(stack: Any) -> None:
    for service in NAMEKO_SERVICES:
        status, body = stack.get_json(stack.health_url(service))
        assert status == 200, f"{service}: {body}"
        report = HealthReport.model_validate(body)
        assert report.service == service and report.status == "ok"
        assert report.checks["amqp"].ok and report.checks["mongo"].ok
    status, body = stack.get_json(stack.health_url("gateway"))
    assert status == 200, body


def test_services_answer_rpc_from_a_standalone_client(stack: Any) -> None:
    from nameko.standalone.rpc import ClusterRpcClient

    with ClusterRpcClient(timeout=30, uri=stack.amqp_uri("admin")) as rpc:
        for service in NAMEKO_SERVICES:
            report = HealthReport.model_validate(getattr(rpc, service).health())
            assert report.service == service and report.status == "ok", report


def test_a_departments_event_sent_with_the_sdk_becomes_a_submitted_release(stack: Any) -> None:
    from nameko.standalone.rpc import ClusterRpcClient

    token = uuid.uuid4().hex[:10]
    payload = {
        "external_id": f"e2e-{token}",
        "unit_code": "so-yte",
        "title": f"Thông báo kiểm thử triển khai {token}",
        "body": "Thông cáo gửi từ hệ thống của Sở Y tế qua SDK, trên RabbitMQ thật.",
    }
    # The departments user may only publish to the event exchanges (deploy/tools/dev_secrets.py).
    with EventPublisher(stack.amqp_uri("departments"), source="so-yte") as publisher:
        sent = publisher.emit("department_release_submitted", payload)
    with ClusterRpcClient(timeout=30, uri=stack.amqp_uri("admin")) as rpc:
        deadline = time.monotonic() + 30
        items: list[dict[str, Any]] = []
        while not items and time.monotonic() < deadline:
            items = rpc.releases.search({"viewer": EDITOR, "q": token})["items"]
            if not items:
                time.sleep(0.5)
        assert len(items) == 1, f"event {sent.event_id} did not become a release within 30 s"
        release = rpc.releases.get({"viewer": EDITOR, "release_id": items[0]["id"]})
    assert release["status"] == "submitted"
    assert release["intake"]["external_id"] == payload["external_id"]


def test_each_service_database_user_reaches_only_its_own_database(stack: Any) -> None:
    import pymongo
    from pymongo.errors import OperationFailure

    for service in SERVICES:
        with pymongo.MongoClient(stack.mongo_uri(service)) as client:
            client[f"presscenter_{service}"].list_collection_names()
            for other in SERVICES:
                if other != service:
                    with pytest.raises(OperationFailure) as refused:
                        client[f"presscenter_{other}"].list_collection_names()
                    assert refused.value.code == 13, f"{service} can read presscenter_{other}"


def test_durable_service_queues_are_quorum_queues(stack: Any) -> None:
    status, queues = stack.get_json(f"{stack.management_url}/api/queues/presscenter", auth=stack.admin)
    assert status == 200, queues
    by_name = {queue["name"]: queue for queue in queues}
    for service in NAMEKO_SERVICES:
        assert by_name[f"rpc-{service}"]["type"] == "quorum", by_name[f"rpc-{service}"]
    handlers = [queue for name, queue in by_name.items() if name.startswith("evt-")]
    assert handlers, "no event handler queue declared"
    assert {queue["type"] for queue in handlers} == {"quorum"}
    assert all(queue["durable"] for queue in handlers)


def test_the_media_user_is_confined_to_the_media_bucket(stack: Any) -> None:
    from minio import Minio
    from minio.error import S3Error

    client = Minio(
        f"127.0.0.1:{stack.ports['PC_MINIO_PORT']}",
        access_key=stack.credentials["MEDIA_ACCESS_KEY"],
        secret_key=stack.credentials["MEDIA_SECRET_KEY"],
        secure=False,
    )
    bucket = stack.credentials["S3_BUCKET"]
    assert client.bucket_exists(bucket)
    with pytest.raises(S3Error) as refused:
        client.make_bucket(f"not-media-{uuid.uuid4().hex[:8]}")
    assert refused.value.code == "AccessDenied"
