"""The live stream (`GET /v1/stream`): two real gateway replicas (uvicorn) in front of the real releases
service (`nameko run` subprocess) on the real broker; SSE read with httpx streaming, as EventSource does.

The engine's pieces (audiences, ring, fan-out, slow clients) are also tested on their own, at the end.
"""

from __future__ import annotations

import asyncio
import io
import logging
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from presscenter.gateway.auth import AuthSettings
from presscenter.gateway.settings import GatewaySettings
from presscenter.gateway.stream import EventRing, LiveStream, StreamHub, StreamItem, StreamMetrics, StreamSettings
from presscenter.gateway.stream_topics import Projection, StreamRegistry, everyone, release_readers
from presscenter.gateway.testing.accounts import ADMIN, SignedIn, sign_in
from presscenter.gateway.testing.live_gateway import LiveGateway, live_gateway
from presscenter.gateway.testing.nameko_services import releases_service
from presscenter.gateway.testing.sse_client import EventStreamReader, SseEvent
from presscenter.gateway.testing.stack import (
    GATEWAY_TEST_SETTINGS,
    auth_settings_for_tests,
    service_config,
)
from presscenter.shared.events import feedback as ev
from presscenter.shared.events.envelope import make_event
from presscenter.shared.events.monitoring import ExampleItem, MisinformationAlert, TrendDetected
from presscenter.shared.events.releases import ReleasePublished, ReleasePublishFailed, ReleaseSnapshot
from presscenter.shared.logging_setup import LOG_FORMAT, RedactingFormatter
from presscenter.shared.redaction import RedactingFilter
from presscenter.shared.rpc.releases import Release, Viewer
from presscenter.shared.testing.tcp_proxy import TcpProxy
from presscenter.shared.testing.vhosts import amqp_url, fresh_vhost

pytestmark = pytest.mark.anyio

RELEASES_CONFIG = service_config("releases")
STREAM_ENVIRONMENT = {"STREAM_HEARTBEAT_SECONDS": "0.4", "STREAM_RECONNECT_INTERVAL": "0.2"}
CONTENT = {
    "lead": "Sở Y tế Hà Nội khuyến cáo người dân diệt bọ gậy.",
    "body": "Từ tuần này, các phường triển khai chiến dịch **diệt bọ gậy**.",
    "categories": ["health"],
    "places": ["phuong-hoan-kiem"],
}


@dataclass
class Stack:
    amqp_url: str
    auth: AuthSettings
    a: LiveGateway  # replica A: access log and spans recorded
    b: LiveGateway  # replica B
    cast: dict[str, SignedIn]
    access_log: io.StringIO  # uvicorn's access log through the redacting formatter the gateway installs
    gateway_log: io.StringIO  # the gateway's own log records, raw
    spans: InMemorySpanExporter


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory, embedded_mongo: Any) -> Iterator[Stack]:
    workdir = tmp_path_factory.mktemp("stream")
    suffix = uuid.uuid4().hex[:10]
    access_log = io.StringIO()
    handler = logging.StreamHandler(access_log)  # what `configure_logging` installs, writing to memory
    handler.setFormatter(RedactingFormatter(LOG_FORMAT))
    handler.addFilter(RedactingFilter())
    access_logger = logging.getLogger("uvicorn.access")
    previous_level = access_logger.level
    gateway_log = io.StringIO()
    raw = logging.StreamHandler(gateway_log)
    own_logger = logging.getLogger("presscenter")
    own_logger.addHandler(raw)
    previous_own_level = own_logger.level
    own_logger.setLevel(logging.DEBUG)
    spans = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(spans))
    try:
        with fresh_vhost("gateway-stream") as vhost:
            url = amqp_url(vhost)
            settings = GatewaySettings(amqp_uri=url, **GATEWAY_TEST_SETTINGS)
            auth = auth_settings_for_tests(embedded_mongo.uri, f"gw_{suffix}")
            with (
                releases_service(RELEASES_CONFIG, url, embedded_mongo.uri, f"rel_{suffix}", workdir / "releases.log"),
                live_gateway(settings, auth, tracer_provider=provider, stream_environment=STREAM_ENVIRONMENT) as a,
                live_gateway(settings, auth, stream_environment=STREAM_ENVIRONMENT) as b,
                httpx.Client(base_url=a.url, timeout=10) as http,
            ):
                # after uvicorn configured its loggers: the access log as the served gateway writes it
                access_logger.addHandler(handler)
                access_logger.setLevel(logging.INFO)
                yield Stack(url, auth, a, b, sign_in(http, ADMIN), access_log, gateway_log, spans)
    finally:
        access_logger.removeHandler(handler)
        access_logger.setLevel(previous_level)
        own_logger.removeHandler(raw)
        own_logger.setLevel(previous_own_level)


@pytest.fixture
async def http(stack: Stack) -> Any:
    async with httpx.AsyncClient(base_url=stack.a.url, timeout=10) as client:
        yield client


@pytest.fixture
async def http_b(stack: Stack) -> Any:
    async with httpx.AsyncClient(base_url=stack.b.url, timeout=10) as client:
        yield client


class Desk:
    """The officer and the editor at work, over the releases API."""

    def __init__(self, http: httpx.AsyncClient, cast: dict[str, SignedIn]) -> None:
        self.http, self.officer, self.editor = http, cast["officer"], cast["editor"]

    async def step(self, who: SignedIn, release: dict[str, Any], action: str, **body: Any) -> dict[str, Any]:
        headers = {**who.headers, "If-Match": f'"{release["revision"]}"'}
        response = await self.http.post(f"/v1/releases/{release['id']}/{action}", json=body or None, headers=headers)
        assert response.status_code == 200, response.text
        return response.json()  # type: ignore[no-any-return]

    async def approved(self, title: str, embargo: datetime | None = None) -> dict[str, Any]:
        new = {"unit_code": "so-yte", "content": {"title": title, **CONTENT}}
        created = await self.http.post("/v1/releases", json=new, headers=self.officer.headers)
        assert created.status_code == 201, created.text
        release = await self.step(self.officer, created.json(), "submit")
        release = await self.step(self.editor, release, "approve")
        if embargo is not None:
            release = await self.step(self.editor, release, "embargo", until=embargo.isoformat())
        return release

    async def publish(self, title: str, embargo: datetime | None = None) -> dict[str, Any]:
        return await self.step(self.editor, await self.approved(title, embargo), "publish")


def about(release_id: str, event: str | None = None) -> Any:
    def match(found: SseEvent) -> bool:
        return (event is None or found.event == event) and found.json()["release"]["release_id"] == release_id

    return match


def title() -> str:
    return f"Hà Nội thông báo {uuid.uuid4().hex[:8]}"


async def test_a_journalist_receives_a_publication_within_two_seconds(stack: Stack, http: httpx.AsyncClient) -> None:
    desk = Desk(http, stack.cast)
    release = await desk.approved(title())
    async with (
        EventStreamReader(http, "/v1/stream", headers=stack.cast["journalist"].headers) as journalist,
        EventStreamReader(http, "/v1/stream") as anonymous,
    ):
        assert journalist.retry == 3000 and journalist.response is not None
        assert journalist.response.headers["content-type"].startswith("text/event-stream")
        assert journalist.response.headers["cache-control"] == "no-cache, no-store"
        started = time.monotonic()
        await desk.step(desk.editor, release, "publish")
        event = await journalist.until(about(release["id"], "release_published"), timeout=2.0)
        assert time.monotonic() - started < 2.0
        data = event.json()
        assert event.id == data["event_id"] and uuid.UUID(event.id)
        assert data["embargoed"] is False and data["release"]["title"] == release["content"]["title"]
        assert data["release"]["href"] == f"/v1/releases/{release['id']}" and "body" not in data["release"]
        assert (await anonymous.until(about(release["id"]), timeout=2.0)).id == event.id


async def test_an_embargoed_release_reaches_only_the_entitled_until_the_embargo_lifts(
    stack: Stack, http: httpx.AsyncClient
) -> None:
    cast = stack.cast
    desk = Desk(http, cast)
    release = await desk.approved(title(), embargo=datetime.now(UTC) + timedelta(seconds=3))
    token = cast["entitled"].access_token
    async with (
        EventStreamReader(http, f"/v1/stream?access_token={token}") as entitled,  # as EventSource must
        EventStreamReader(http, "/v1/stream", headers=cast["journalist"].headers) as journalist,
        EventStreamReader(http, "/v1/stream") as anonymous,
        EventStreamReader(http, "/v1/stream", headers=cast["officer"].headers) as officer,
        EventStreamReader(http, "/v1/stream", headers=cast["editor"].headers) as editor,
    ):
        await desk.step(desk.editor, release, "publish")
        for reader in (entitled, officer, editor):
            early = (await reader.until(about(release["id"]), timeout=2.0)).json()
            assert (early["type"], early["embargoed"]) == ("release_published", True)
            assert early["release"]["embargoed_until"] is not None
        for reader in (journalist, anonymous):
            lifted = await reader.until(about(release["id"]), timeout=6.0)
            assert lifted.event == "embargo_lifted"  # the first they hear of it
            assert lifted.json()["release"]["title"] == release["content"]["title"]
            assert lifted.json()["release"]["status"] == "published" and lifted.json()["embargoed"] is False
        assert (await entitled.until(about(release["id"]), timeout=1.0)).event == "embargo_lifted"
    access_lines = stack.access_log.getvalue()
    assert "GET /v1/stream?access_token=*** HTTP/1.1" in access_lines and token not in access_lines
    assert "stream" in stack.gateway_log.getvalue() and token not in stack.gateway_log.getvalue()
    await asyncio.sleep(0.1)  # the server span ends once the response has
    for span in stack.spans.get_finished_spans():
        assert all(token not in str(value) for value in (span.attributes or {}).values()), span.name


async def test_resuming_with_last_event_id_replays_what_was_missed_on_any_replica(
    stack: Stack, http: httpx.AsyncClient, http_b: httpx.AsyncClient
) -> None:
    cast = stack.cast
    desk = Desk(http, cast)
    async with EventStreamReader(http, "/v1/stream", headers=cast["journalist"].headers) as journalist:
        first = await desk.publish(title())
        seen = await journalist.until(about(first["id"]), timeout=2.0)
    editor = cast["editor"].headers
    async with (  # witnesses: once they saw the events, each replica holds them
        EventStreamReader(http, "/v1/stream", headers=editor) as witness_a,
        EventStreamReader(http_b, "/v1/stream", headers=editor) as witness_b,
    ):
        missed = [await desk.publish(title()), await desk.publish(title())]
        embargoed = await desk.publish(title(), embargo=datetime.now(UTC) + timedelta(hours=1))
        for witness in (witness_a, witness_b):
            for release in [*missed, embargoed]:
                await witness.until(about(release["id"]), timeout=2.0)
    for reader_http in (http, http_b):
        headers = {**cast["journalist"].headers, "Last-Event-ID": str(seen.id)}
        async with EventStreamReader(reader_http, "/v1/stream", headers=headers) as resumed:
            replayed = [await resumed.next(timeout=1.0) for _ in missed]
            assert [event.json()["release"]["release_id"] for event in replayed] == [r["id"] for r in missed]
            assert all(event.event == "release_published" for event in replayed)
            with pytest.raises(TimeoutError):  # not the embargoed one: this journalist is not entitled
                await resumed.until(about(embargoed["id"]), timeout=0.3)
    headers = {**cast["entitled"].headers, "Last-Event-ID": str(seen.id)}
    async with EventStreamReader(http_b, "/v1/stream", headers=headers) as entitled:
        replayed = [(await entitled.next(timeout=1.0)).json()["release"]["release_id"] for _ in range(3)]
        assert replayed == [missed[0]["id"], missed[1]["id"], embargoed["id"]]


async def test_an_unknown_last_event_id_is_answered_with_a_reset(stack: Stack, http: httpx.AsyncClient) -> None:
    desk = Desk(http, stack.cast)
    headers = {**stack.cast["journalist"].headers, "Last-Event-ID": str(uuid.uuid4())}
    async with EventStreamReader(http, "/v1/stream", headers=headers) as reader:
        reset = await reader.next(timeout=1.0)
        assert (reset.event, reset.id, reset.json()["reason"]) == ("reset", "", "unknown_event_id")
        release = await desk.publish(title())  # and the stream goes on
        assert (await reader.until(about(release["id"]), timeout=2.0)).event == "release_published"


async def test_heartbeats_and_refusals(stack: Stack, http: httpx.AsyncClient) -> None:
    async with EventStreamReader(http, "/v1/stream") as idle:
        await asyncio.sleep(1.0)
        assert idle.comments.count("keepalive") >= 2  # every 0.4 s here, 15 s by default
    async with asyncio.timeout(2):  # a client that went away is forgotten
        while stack.a.stream.hub.subscriptions:
            await asyncio.sleep(0.05)
    refused = await http.get("/v1/stream", params={"access_token": "forged-token-123456"})
    assert refused.status_code == 401 and refused.headers["content-type"] == "application/problem+json"
    assert "forged-token-123456" not in refused.text
    assert (await http.get("/v1/stream", headers={"Last-Event-ID": "x" * 201})).status_code == 422


async def test_each_replica_delivers_every_event(
    stack: Stack, http: httpx.AsyncClient, http_b: httpx.AsyncClient
) -> None:
    desk = Desk(http, stack.cast)
    async with (
        EventStreamReader(http, "/v1/stream") as on_a,
        EventStreamReader(http_b, "/v1/stream", headers=stack.cast["editor"].headers) as on_b,
    ):
        release = await desk.publish(title())
        got_a = await on_a.until(about(release["id"]), timeout=2.0)
        got_b = await on_b.until(about(release["id"]), timeout=2.0)
        assert got_a.id == got_b.id and got_a.data == got_b.data


@pytest.fixture
def proxied(stack: Stack) -> Iterator[tuple[LiveGateway, TcpProxy]]:
    """A third replica whose broker connections go through a proxy the test can sever."""
    proxy = TcpProxy().start()
    url = proxy.uri(stack.amqp_url)
    settings = GatewaySettings(amqp_uri=url, **GATEWAY_TEST_SETTINGS)
    try:
        with live_gateway(settings, stack.auth, stream_environment=STREAM_ENVIRONMENT) as replica:
            yield replica, proxy
    finally:
        proxy.stop()


async def test_after_a_broker_outage_clients_are_told_to_reload(
    stack: Stack, http: httpx.AsyncClient, proxied: tuple[LiveGateway, TcpProxy]
) -> None:
    replica, proxy = proxied
    desk = Desk(http, stack.cast)
    async with httpx.AsyncClient(base_url=replica.url, timeout=10) as http_c:
        async with EventStreamReader(http_c, "/v1/stream") as reader:
            before = await desk.publish(title())
            seen = await reader.until(about(before["id"]), timeout=2.0)
            proxy.kill_connections()
            reset = await reader.next("reset", timeout=5.0)
            assert (reset.id, reset.json()["reason"]) == ("", "gap")
            after = await desk.publish(title())
            assert (await reader.until(about(after["id"]), timeout=2.0)).event == "release_published"
        async with EventStreamReader(http_c, "/v1/stream", headers={"Last-Event-ID": str(seen.id)}) as resumed:
            assert (await resumed.next(timeout=1.0)).event == "reset"  # it may have missed events since


# -- the engine on its own ----------------------------------------------------------------------


def viewers() -> dict[str, Viewer]:
    return {
        "public": Viewer(id="anonymous", role="public"),
        "journalist": Viewer(id="j1", role="journalist"),
        "entitled": Viewer(id="j2", role="journalist", embargo_entitled=True),
        "own officer": Viewer(id="o1", role="unit_officer", unit_code="so-yte"),
        "other officer": Viewer(id="o2", role="unit_officer", unit_code="so-gddt"),
        "editor": Viewer(id="e1", role="editor"),
        "admin": Viewer(id="a1", role="admin"),
    }


def test_who_receives_a_published_release() -> None:
    embargoed = release_readers("so-yte", embargoed=True)
    open_ = release_readers("so-yte", embargoed=False)
    reached = {name for name, viewer in viewers().items() if embargoed(viewer)}
    assert reached == {"entitled", "own officer", "editor", "admin"}
    assert all(open_(viewer) for viewer in viewers().values())


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def item(seq: int, at: float) -> StreamItem:
    return StreamItem(seq, f"e{seq}", "release_published", "{}", everyone, at)


def test_the_ring_forgets_by_count_and_by_age() -> None:
    clock = Clock()
    ring = EventRing(size=3, max_age=600, clock=clock)
    for seq in range(1, 5):
        ring.append(item(seq, clock.now))
    assert ring.after("e1") is None and [i.event_id for i in ring.after("e2") or []] == ["e3", "e4"]
    assert ring.after("e4") == []
    clock.now += 601
    ring.append(item(5, clock.now))
    assert ring.after("e3") is None and ring.after("e5") == [] and len(ring) == 1


def hub(queue: int = 256) -> StreamHub:
    settings = StreamSettings(stream_client_queue=queue)
    return StreamHub(settings, StreamMetrics(None))


def test_a_client_that_falls_behind_is_dropped_and_the_others_keep_receiving() -> None:
    streams = hub(queue=3)
    slow, _ = streams.subscribe(viewers()["journalist"], None)
    fast, _ = streams.subscribe(viewers()["journalist"], None)
    received = []
    for seq in range(6):
        streams.publish(f"e{seq}", "release_published", Projection({"n": seq}, everyone))
        received.append(fast.queue.get_nowait())
    assert slow.dropped and slow.queue.get_nowait() is None and slow.queue.empty()
    assert streams.subscriptions == {fast} and len(received) == 6
    assert received[5] == b'id: e5\nevent: release_published\ndata: {"n":5}\n\n'


def test_audiences_filter_live_events_and_replays_alike() -> None:
    streams = hub()
    public, _ = streams.subscribe(viewers()["public"], None)
    entitled, _ = streams.subscribe(viewers()["entitled"], None)
    streams.publish("e1", "release_published", Projection({"n": 1}, release_readers("so-yte", embargoed=True)))
    streams.publish("e2", "release_published", Projection({"n": 2}, everyone))
    assert public.queue.qsize() == 1 and entitled.queue.qsize() == 2
    assert streams.publish("e2", "release_published", Projection({"n": 2}, everyone)) is None  # a redelivery
    _, resume = streams.subscribe(viewers()["public"], "e1")
    assert resume.replay == [b'id: e2\nevent: release_published\ndata: {"n":2}\n\n'] and resume.reset is None
    _, unknown = streams.subscribe(viewers()["public"], "e0")
    assert unknown.replay == [] and unknown.reset is not None and unknown.reset.startswith(b"id:\nevent: reset\n")
    streams.gap("test")
    assert len(streams.ring) == 0 and public.queue.qsize() == 2


class NoLookup:
    """Reads no release (the projections under test do not need one)."""

    async def release(self, release_id: str) -> Release | None:
        return None


async def test_a_redelivered_event_is_projected_once() -> None:
    live = LiveStream("amqp://unused", StreamSettings(), NoLookup(), None)
    snapshot = ReleaseSnapshot(
        release_id="r-1", unit_code="so-yte", title="Tiêu đề", status="published", version=1,
        embargoed_until=datetime.now(UTC) + timedelta(hours=1),
    )  # fmt: skip
    envelope = make_event(
        ReleasePublished(release=snapshot, actor={"kind": "user", "id": "e1", "role": "editor"}), source="releases"
    )
    first = await live.take(envelope)
    assert first is not None and await live.take(envelope) is None
    assert '"embargoed":true' in first.data and first.audience(viewers()["entitled"])
    assert not first.audience(viewers()["journalist"])


async def test_a_failed_scheduled_publication_alerts_editors_only() -> None:
    snapshot = ReleaseSnapshot(
        release_id="r-2", unit_code="so-yte", title="Tiêu đề", status="failed_to_publish", version=0
    )
    failed = ReleasePublishFailed(
        release=snapshot, actor={"kind": "service", "id": "releases-scheduler"}, error="InvalidInput: body"
    )
    topic = StreamRegistry().get("release_publish_failed")
    assert topic is not None and topic.exchange == "releases.events"
    projection = await topic.project(make_event(failed, source="releases"), NoLookup())
    assert projection is not None and projection.data["error"] == "InvalidInput: body"
    assert {name for name, viewer in viewers().items() if projection.audience(viewer)} == {"editor", "admin"}


def reached(projection: Projection | None, people: dict[str, Viewer]) -> set[str]:
    assert projection is not None
    return {name for name, viewer in people.items() if projection.audience(viewer)}


async def test_each_question_event_reaches_its_journalist_the_units_it_names_and_editors() -> None:
    people = {**viewers(), "city office": Viewer(id="o3", role="unit_officer", unit_code="ubnd-hn")}
    due = datetime.now(UTC) + timedelta(hours=2)
    events = [
        ev.QuestionEscalated(question_id="q-1", status="routed", journalist_id="j1", from_unit_code="so-yte",
                             to_unit_code="ubnd-hn", level=1, due_at=due, reason="Cấp trên trả lời"),
        ev.QuestionOverdue(question_id="q-1", status="routed", journalist_id="j1", unit_code="so-yte",
                           due_at=due, stage="warning"),
        ev.QuestionClosed(question_id="q-1", status="closed", journalist_id="j1",
                          closed_by={"kind": "user", "id": "e1", "role": "editor"}, reason="Trùng câu hỏi"),
    ]  # fmt: skip
    registry = StreamRegistry()
    seen = {}
    for event in events:
        topic = registry.get(event.event_type)
        assert topic is not None and topic.exchange == "feedback.events"
        projection = await topic.project(make_event(event, source="feedback"), NoLookup())
        seen[event.event_type] = projection
        assert projection is not None and "reason" not in projection.data  # reasons are read with GET href
        assert projection.data["href"] == "/v1/questions/q-1"
    assert reached(seen["question_escalated"], people) == {
        "journalist",
        "own officer",
        "city office",
        "editor",
        "admin",
    }
    assert seen["question_escalated"].data["to_unit_code"] == "ubnd-hn"  # type: ignore[union-attr]
    assert reached(seen["question_overdue"], people) == {"journalist", "own officer", "editor", "admin"}
    assert reached(seen["question_closed"], people) == {"journalist", "editor", "admin"}
    # An event without its asker (an older producer) still reaches the units and editors.
    anonymous = ev.QuestionOverdue(question_id="q-2", status="routed", unit_code="so-yte", due_at=due, stage="overdue")
    topic = registry.get("question_overdue")
    assert topic is not None
    assert reached(await topic.project(make_event(anonymous, source="feedback"), NoLookup()), people) == {
        "own officer", "editor", "admin"
    }  # fmt: skip


async def test_alerts_reach_editors_and_the_responsible_unit_and_trends_editors_only() -> None:
    items = [
        ExampleItem(url=f"https://fb.example/p/{n}", title=f"Tin đồn {n}", source_name=f"fb-{n}") for n in range(5)
    ]
    alert = MisinformationAlert(
        alert_id="a-1", kind="known_claim", score=0.93, claim_id="c-1", claim_text="Cầu Long Biên bị phá dỡ",
        responsible_unit_code="so-yte", items=items,
    )  # fmt: skip
    trend = TrendDetected(
        trend_id="t-1", terms=["sốt xuất huyết"], story_ids=["s-1", "s-2"], window="PT1H", volume=40, baseline=4.0,
        growth=10.0, distinct_sources=9, examples=items,
    )  # fmt: skip
    registry = StreamRegistry()
    alert_topic, trend_topic = registry.get("misinformation_alert"), registry.get("trend_detected")
    assert alert_topic is not None and trend_topic is not None and alert_topic.exchange == "monitoring.events"
    shown = await alert_topic.project(make_event(alert, source="monitoring"), NoLookup())
    assert reached(shown, viewers()) == {"own officer", "editor", "admin"}
    assert shown is not None and shown.data["item_count"] == 5 and len(shown.data["items"]) == 3
    assert shown.data["claim_text"] == "Cầu Long Biên bị phá dỡ" and shown.data["responsible_unit_code"] == "so-yte"
    burst = await trend_topic.project(make_event(trend, source="monitoring"), NoLookup())
    assert reached(burst, viewers()) == {"editor", "admin"}
    assert burst is not None and burst.data["terms"] == ["sốt xuất huyết"] and burst.data["story_count"] == 2
    assert len(burst.data["examples"]) == 3 and burst.data["href"] == "/v1/monitoring/trends"
