"""The monitoring service on the real broker and the embedded datastore: items sent through the
SDK become stories, claim matches raise `misinformation_alert` once per cool-down, refutations
are not flagged, a burst raises `trend_detected` once, releases record refutations, bad items
are parked, a restarted service keeps its state, items contradicting a release raise an alert to
its unit, and with two replicas one analyses while the other stands by and takes over with the
same state."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any, TypeVar

import pika
import pytest
from nameko.exceptions import RemoteError
from nameko.standalone.rpc import ClusterRpcClient
from pymongo import MongoClient

from presscenter.monitoring.active import ANALYSIS_LEASE
from presscenter.monitoring.app import item_id_for
from presscenter.monitoring.service import MonitoringService
from presscenter.shared.events.envelope import utcnow
from presscenter.shared.plumbing.dead_letter import ParkingLot
from presscenter.shared.sdk import EventPublisher
from presscenter.shared.sdk.publisher import connection_parameters
from presscenter.shared.testing.embedded_mongo import free_port
from presscenter.shared.testing.event_tap import EventTap
from presscenter.shared.testing.waiting import eventually

T = TypeVar("T")
CLAIM = {"claim_id": "C-cau", "text": "Cầu Long Biên sẽ bị phá dỡ vào cuối năm nay", "rating": "false",
         "topic": "di sản", "unit_code": "so-vhtt"}  # fmt: skip
RUMOUR = [
    "Cuối năm nay cầu Long Biên sẽ bị tháo dỡ, ai muốn chụp ảnh thì tranh thủ",
    "NÓNG: Cuoi nam nay cau Long Bien se bi thao do, ai muon chup anh thi tranh thu 😱",
    "Tiếc quá, cầu Long Biên sẽ bị phá dỡ vào cuối năm nay. Chia sẻ cho mọi người cùng biết!!!",
]
REFUTATION = "Sở Văn hóa và Thể thao bác bỏ thông tin cầu Long Biên sẽ bị phá dỡ vào cuối năm nay"
FLOOD = [
    "Đường Minh Khai ngập quá trời luôn mọi người ơi",
    "Vừa lội nước ngập ở Nguyễn Xiển về, xe chết máy luôn",
    "Mưa lớn gây ngập sâu nhiều tuyến phố Hà Nội",
    "Ai đi qua Kim Mã thì cẩn thận, ngập sâu lắm",
    "Mưa lớn thế này phường Hoàn Kiếm lại ngập rồi",
    "Nước ngập quá đầu gối trên đường Lạc Long Quân",
]
TRENDS = {"TREND_WARMUP_HOURS": 0, "TREND_MIN_VOLUME": 4, "TREND_MIN_SOURCES": 3, "TREND_MIN_STORIES": 3,
          "TREND_MIN_GROWTH": 8}  # fmt: skip


def observed(n: int, text: str, source: str, minutes_ago: float = 0, **extra: Any) -> dict[str, Any]:
    return {
        "source_name": source,
        "source_type": "social",
        "url": f"https://{source}/posts/{n}",
        "text": text,
        "published_at": (utcnow() - timedelta(minutes=minutes_ago)).isoformat(),
        "engagement": {"shares": n, "comments": 1, "reactions": 2},
        **extra,
    }


@pytest.fixture
def config(service_config: dict[str, Any]) -> dict[str, Any]:
    return {**service_config, **TRENDS}


@pytest.fixture
def monitoring(container_factory: Any, config: dict[str, Any]) -> Iterator[Any]:
    container = container_factory(MonitoringService, config)
    container.start()
    with ClusterRpcClient(uri=config["AMQP_URI"], timeout=15) as client:
        yield client.monitoring


@pytest.fixture
def tap(config: dict[str, Any]) -> Iterator[EventTap]:
    with EventTap(config["AMQP_URI"], "monitoring") as events:
        yield events


@pytest.fixture
def publisher(config: dict[str, Any]) -> Iterator[EventPublisher]:
    with EventPublisher(config["AMQP_URI"], source="crawler-1") as p:
        yield p


@pytest.fixture
def db(config: dict[str, Any]) -> Iterator[Any]:
    client: MongoClient[Any] = MongoClient(config["MONGO_URI"])
    yield client[config["MONGO_DB"]]
    client.close()


def story_of(monitoring: Any, url: str) -> dict[str, Any] | None:
    try:
        return monitoring.get_story({"story_id": f"s-{item_id_for(url)}"})
    except RemoteError:
        return None


def stored(db: Any, count: int) -> Callable[[], bool]:
    """At least `count` items stored and every event they raised published (the outbox is empty)."""
    return lambda: (
        db["items"].count_documents({}) >= count and db["items"].count_documents({"_outbox_pending": {"$gt": 0}}) == 0
    )


def alert_items(monitoring: Any, count: int) -> Callable[[], list[dict[str, Any]] | None]:
    def probe() -> list[dict[str, Any]] | None:
        alerts = monitoring.list_alerts({})["items"]
        return alerts if alerts and alerts[0]["item_count"] >= count else None

    return probe


def test_claim_spread_raises_one_alert_and_refutations_are_not_flagged(
    monitoring: Any, tap: EventTap, publisher: EventPublisher, db: Any
) -> None:
    claim = monitoring.add_claim(CLAIM)
    assert (claim["revision"], claim["status"], claim["spread_items"]) == (1, "active", 0)
    publisher.emit("item_observed", observed(1, RUMOUR[0], "facebook.com/groups/cu-dan", minutes_ago=30))
    alert = tap.wait_for("misinformation_alert", lambda e: e["payload"]["claim_id"] == "C-cau")["payload"]
    assert alert["responsible_unit_code"] == "so-vhtt" and alert["kind"] == "known_claim"
    assert alert["items"][0]["url"] == "https://facebook.com/groups/cu-dan/posts/1" and 0.55 <= alert["score"] <= 1
    assert alert["topic"] == "di sản" and alert["refuted_by_release_id"] is None

    publisher.emit("item_observed", observed(2, RUMOUR[1], "zalo.me/g/khupho", minutes_ago=20))
    publisher.emit("item_observed", observed(3, RUMOUR[2], "tiktok.com/@hanoi", minutes_ago=10))
    publisher.emit("item_observed", observed(4, REFUTATION, "dantri.com.vn", minutes_ago=5, source_type="news"))
    eventually(stored(db, 4), what="four items stored")
    [listed] = eventually(alert_items(monitoring, 3), what="three items on the alert")
    assert listed["item_count"] == 3 and listed["distinct_sources"] == 3
    assert len(tap.events("misinformation_alert")) == 1

    claim = monitoring.get_claim({"claim_id": "C-cau"})
    assert (claim["spread_items"], claim["refutation_items"]) == (3, 1)
    story = story_of(monitoring, "https://facebook.com/groups/cu-dan/posts/1")  # named after its first item
    assert story is not None and story["claim_id"] == "C-cau" and story["item_count"] == 2
    assert {i["url"] for i in story["items"]} == {"https://facebook.com/groups/cu-dan/posts/1",
                                                  "https://zalo.me/g/khupho/posts/2"}  # fmt: skip
    assert story["first_item"]["url"] == "https://facebook.com/groups/cu-dan/posts/1"
    refutation = story_of(monitoring, "https://dantri.com.vn/posts/4")
    assert refutation is not None and refutation["items"][0]["stance"] == "refute"

    spread = monitoring.spread({"claim_id": "C-cau", "bucket_minutes": 15})
    assert (spread["rumour_items"], spread["refutation_items"]) == (3, 1)
    assert sum(p["rumour_items"] for p in spread["points"]) == 3 and spread["first_refutation_at"]


def test_a_published_release_records_the_refutation_on_its_claim(
    monitoring: Any, publisher: EventPublisher, tap: EventTap, db: Any
) -> None:
    monitoring.add_claim(CLAIM)
    release = {"release_id": "r-cau-1", "unit_code": "so-vhtt", "title": REFUTATION, "body": "Cầu sẽ được bảo tồn.",
               "status": "published", "version": 1, "published_at": utcnow().isoformat(),
               "refutes_claim_ids": ["C-cau"]}  # fmt: skip
    actor = {"kind": "user", "id": "editor-1", "role": "editor"}
    publisher.emit("release_published", {"release": release, "actor": actor}, source="releases")
    claim = eventually(
        lambda: (c := monitoring.get_claim({"claim_id": "C-cau"}))["refuted_by_release"] and c, what="refutation"
    )
    assert claim["refuted_by_release"] == "r-cau-1" and claim["revision"] == 2 and claim["refuted_at"]
    publisher.emit("item_observed", observed(1, RUMOUR[0], "facebook.com/groups/a"))
    alert = tap.wait_for("misinformation_alert")["payload"]
    assert alert["refuted_by_release_id"] == "r-cau-1"
    assert monitoring.spread({"claim_id": "C-cau"})["refuted_by_release"] == "r-cau-1"


def test_claims_crud_refuses_bad_input_and_stale_revisions(monitoring: Any) -> None:
    made = monitoring.add_claim({"text": "Học sinh Hà Nội được nghỉ học cả tuần vì rét đậm", "unit_code": "so-gddt"})
    assert made["claim_id"].startswith("c-")
    for bad, field in (({**CLAIM, "unit_code": "so-khong-co"}, "unit_code"), ({**CLAIM, "text": ""}, "text")):
        with pytest.raises(RemoteError) as caught:
            monitoring.add_claim(bad)
        assert caught.value.exc_type in ("InvalidInput", "DirectoryError") and field in caught.value.value
    monitoring.add_claim(CLAIM)
    with pytest.raises(RemoteError) as duplicate:
        monitoring.add_claim(CLAIM)
    assert duplicate.value.exc_type == "Conflict"
    changed = monitoring.update_claim({"claim_id": "C-cau", "expected_revision": 1, "topic": "giao thông"})
    assert (changed["revision"], changed["topic"]) == (2, "giao thông")
    with pytest.raises(RemoteError) as stale:
        monitoring.update_claim({"claim_id": "C-cau", "expected_revision": 1, "status": "retired"})
    assert stale.value.exc_type == "Conflict"
    monitoring.update_claim({"claim_id": "C-cau", "expected_revision": 2, "status": "retired"})
    assert [c["claim_id"] for c in monitoring.list_claims({"status": "retired"})["items"]] == ["C-cau"]
    assert monitoring.list_claims({"status": "active"})["total"] == 1
    with pytest.raises(RemoteError) as missing:
        monitoring.get_claim({"claim_id": "C-none"})
    assert missing.value.exc_type == "NotFound"


def test_a_burst_raises_one_trend_then_cools_down(
    monitoring: Any, tap: EventTap, publisher: EventPublisher, db: Any
) -> None:
    for i, text in enumerate(FLOOD):
        publisher.emit("item_observed", observed(10 + i, text, f"source-{i}.vn", minutes_ago=12 - i))
    trend = tap.wait_for("trend_detected")["payload"]
    assert "ngập" in trend["terms"] and trend["volume"] >= 4 and trend["distinct_sources"] >= 3
    assert trend["window"] == "PT30M" and trend["examples"] and trend["growth"] >= 8
    for i, text in enumerate(FLOOD):
        publisher.emit("item_observed", observed(20 + i, text + " sáng nay", f"other-{i}.vn", minutes_ago=5 - i / 2))
    eventually(stored(db, 2 * len(FLOOD)), what="all flood items stored")
    assert len(tap.events("trend_detected")) == 1
    [listed] = monitoring.list_trends({"term": "ngap"})["items"]
    assert listed["trend_id"] == trend["trend_id"] and listed["item_count"] >= 4


def test_bad_items_are_parked_with_a_reason_and_the_stream_goes_on(
    monitoring: Any, publisher: EventPublisher, config: dict[str, Any], db: Any
) -> None:
    publisher.emit("item_observed", observed(1, "", "empty.vn"))
    connection = pika.BlockingConnection(connection_parameters(config["AMQP_URI"]))
    french = {**observed(2, "Tin tiếng Pháp", "fr.example"), "language": "fr"}
    body = {"event_id": "9a4b3c1e-1111-4222-8333-444455556666", "type": "item_observed", "version": 1,
            "source": "crawler-1", "payload": french}  # fmt: skip
    connection.channel().basic_publish("departments.events", "item_observed", json.dumps(body).encode())
    connection.close()
    publisher.emit("item_observed", observed(3, RUMOUR[0], "ok.vn"))
    eventually(stored(db, 1), what="the good item stored")
    assert eventually(lambda: db["parked_items"].count_documents({"reason": {"$regex": "^empty"}}), what="parked")
    with ParkingLot(config["AMQP_URI"], "monitoring") as lot:
        parked = eventually(lot.list, what="schema-invalid item dead-lettered")
    assert "language" in parked[0].error


def test_malformed_items_of_every_kind_are_parked_with_a_reason_counted_and_never_block(
    container_factory: Any, config: dict[str, Any], publisher: EventPublisher, db: Any
) -> None:
    """Missing text, oversized text, a date in the future are parked by the service with the reason
    (counted by kind); an unparsable or offset-less date and an unknown language fail the event
    contract and are dead-lettered with the error; the good items around them are all stored."""
    container = container_factory(MonitoringService, {**config, "MAX_ITEM_CHARS": 500})
    container.start()
    connection = pika.BlockingConnection(connection_parameters(config["AMQP_URI"]))
    channel = connection.channel()

    def raw(n: int, **changes: Any) -> None:
        body = {"event_id": f"9a4b3c1e-1111-4222-8333-4444555566{n:02d}", "type": "item_observed", "version": 1,
                "source": "crawler-1", "payload": {**observed(n, f"Tin số {n}", "raw.vn"), **changes}}  # fmt: skip
        channel.basic_publish("departments.events", "item_observed", json.dumps(body).encode())

    publisher.emit("item_observed", observed(1, RUMOUR[0], "good.vn"))
    publisher.emit("item_observed", observed(2, "   ", "empty.vn"))
    publisher.emit("item_observed", observed(3, "Tin rất dài. " * 60, "long.vn"))
    publisher.emit("item_observed", {**observed(4, "Tin từ tương lai", "future.vn"),
                                     "published_at": (utcnow() + timedelta(days=3)).isoformat()})  # fmt: skip
    raw(5, published_at="hôm qua lúc 9 giờ")
    raw(6, published_at="2026-10-05T09:00:00")
    raw(7, language="fr")
    publisher.emit("item_observed", observed(8, RUMOUR[2], "good2.vn"))
    connection.close()
    eventually(stored(db, 2), what="the good items stored")
    kinds = eventually(
        lambda: (found := {d["reason"].split(":")[0] for d in db["parked_items"].find({})}) >= {
            "empty", "oversized", "future"} and found, what="three items parked"
    )  # fmt: skip
    assert kinds == {"empty", "oversized", "future"}
    with ParkingLot(config["AMQP_URI"], "monitoring") as lot:
        dead = eventually(lambda: len(found := lot.list()) >= 3 and found, what="three items dead-lettered")
    errors = " ".join(d.error for d in dead)
    assert "published_at" in errors and "language" in errors
    assert db["items"].count_documents({}) == 2  # the one sent after the bad ones too: nothing blocked


def test_a_restarted_service_keeps_stories_claims_and_cool_downs(
    container_factory: Any, config: dict[str, Any], tap: EventTap, publisher: EventPublisher, db: Any
) -> None:
    first = container_factory(MonitoringService, config)
    first.start()
    with ClusterRpcClient(uri=config["AMQP_URI"], timeout=15) as client:
        client.monitoring.add_claim(CLAIM)
    publisher.emit("item_observed", observed(1, RUMOUR[0], "facebook.com/groups/a", minutes_ago=10))
    tap.wait_for("misinformation_alert")
    first.stop()

    second = container_factory(MonitoringService, config)
    second.start()
    publisher.emit("item_observed", observed(2, RUMOUR[0] + " Có ai biết thật không?", "facebook.com/groups/b"))
    eventually(stored(db, 2), what="second item stored")
    with ClusterRpcClient(uri=config["AMQP_URI"], timeout=15) as client:
        [alert] = eventually(alert_items(client.monitoring, 2), what="the second item on the alert")
        story = client.monitoring.get_story({"story_id": f"s-{item_id_for('https://facebook.com/groups/a/posts/1')}"})
    assert story["item_count"] == 2 and story["claim_id"] == "C-cau"
    assert alert["item_count"] == 2 and len(tap.events("misinformation_alert")) == 1


def test_an_item_contradicting_a_published_release_raises_an_alert_to_its_unit(
    monitoring: Any, publisher: EventPublisher, tap: EventTap, db: Any
) -> None:
    release = {"release_id": "r-le-hoi-1", "unit_code": "so-vhtt", "status": "published", "version": 1,
               "title": "Lễ hội sách mùa thu khai mạc tại phường Ba Đình",
               "body": "Ban tổ chức cho biết chương trình kéo dài 4 ngày với nhiều hoạt động trải nghiệm.",
               "published_at": (utcnow() - timedelta(minutes=30)).isoformat()}  # fmt: skip
    actor = {"kind": "user", "id": "editor-1", "role": "editor"}
    publisher.emit("release_published", {"release": release, "actor": actor}, source="releases")
    eventually(lambda: db["statements"].count_documents({"_id": "r-le-hoi-1"}), what="release taken in")
    said = "Ban tổ chức cho biết chương trình kéo dài 10 ngày với nhiều hoạt động trải nghiệm."
    faithful = {"title": release["title"], "source_type": "news"}
    publisher.emit("item_observed", observed(1, release["body"], "tuoitre.vn", minutes_ago=20, **faithful))
    publisher.emit("item_observed", observed(2, said, "facebook.com/groups/a", minutes_ago=10, title=release["title"]))
    alert = tap.wait_for("misinformation_alert")["payload"]
    assert (alert["kind"], alert["release_id"], alert["claim_id"]) == ("contradicts_release", "r-le-hoi-1", None)
    assert alert["responsible_unit_code"] == "so-vhtt" and "10 ngày" in alert["claim_text"]
    assert alert["items"][0]["url"] == "https://facebook.com/groups/a/posts/2"
    eventually(stored(db, 2), what="both items stored")
    [listed] = monitoring.list_alerts({"kind": "contradicts_release"})["items"]
    assert listed["release_id"] == "r-le-hoi-1" and "4 ngày" in listed["release_says"]
    assert monitoring.list_alerts({"kind": "known_claim"})["items"] == []
    assert len(tap.events("misinformation_alert")) == 1  # the faithful report raised nothing


def test_corrections_replace_a_statement_and_withdrawals_remove_it(
    monitoring: Any, publisher: EventPublisher, db: Any
) -> None:
    release = {"release_id": "r-le-hoi-2", "unit_code": "so-vhtt", "status": "published", "version": 1,
               "title": "Lễ hội sách mùa thu khai mạc tại phường Ba Đình",
               "body": "Ban tổ chức cho biết chương trình kéo dài 4 ngày với nhiều hoạt động trải nghiệm.",
               "published_at": (utcnow() - timedelta(minutes=30)).isoformat()}  # fmt: skip
    actor = {"kind": "user", "id": "editor-1", "role": "editor"}
    publisher.emit("release_published", {"release": release, "actor": actor}, source="releases")
    eventually(lambda: db["statements"].count_documents({"_id": "r-le-hoi-2"}), what="release taken in")
    fixed = {**release, "version": 2, "body": release["body"].replace("4 ngày", "10 ngày")}
    correction = {"release": fixed, "actor": actor, "correction_note": "Sửa thời lượng chương trình",
                  "correction_sequence": 1, "previous_version": 1}  # fmt: skip
    publisher.emit("release_corrected", correction, source="releases")
    eventually(lambda: "10 ngày" in (db["statements"].find_one({"_id": "r-le-hoi-2"}) or {}).get("body", ""),
               what="the corrected statement")  # fmt: skip
    withdrawal = {"release": {**fixed, "status": "withdrawn"}, "actor": actor, "reason": "published_in_error"}
    publisher.emit("release_withdrawn", withdrawal, source="releases")
    eventually(lambda: db["statements"].count_documents({"_id": "r-le-hoi-2"}) == 0, what="the statement removed")


LEASE_SECONDS = 2.0
SECOND_CLAIM = {"claim_id": "C-nuoc", "text": "Nước máy ở Hà Đông bị nhiễm dầu, không được dùng để nấu ăn",
                "unit_code": "so-xd"}  # fmt: skip
CONFIG_FILE = Path(__file__).resolve().parent.parent / "config.yaml"
NAMEKO = Path(sys.executable).parent / "nameko"


def lease_owner(db: Any) -> str | None:
    doc = db["leases"].find_one({"_id": ANALYSIS_LEASE})
    return doc["owner"] if doc and doc["expires_ts"] > time.time() else None


@contextmanager
def replica(config: dict[str, Any], log: Path) -> Iterator[subprocess.Popen[bytes]]:
    """`nameko run` of the monitoring service in a process of its own, ready when its probe answers."""
    health = f"127.0.0.1:{free_port()}"
    environment = {"PATH": str(NAMEKO.parent), "AMQP_URI": config["AMQP_URI"], "HEALTH_ADDRESS": health,
                   "MONGO_URI": config["MONGO_URI"], "MONGO_DB": config["MONGO_DB"], "RETRY_DELAYS_MS": "50,100",
                   "ANALYSIS_LEASE_SECONDS": str(LEASE_SECONDS), "LOG_LEVEL": "INFO"}  # fmt: skip
    command = [str(NAMEKO), "run", "--config", str(CONFIG_FILE), "presscenter.monitoring.service"]
    process = subprocess.Popen(command, env=environment, stdout=log.open("wb"), stderr=subprocess.STDOUT)
    try:

        def answering() -> bool:
            assert process.poll() is None, log.read_text()[-2000:]
            try:
                with urllib.request.urlopen(f"http://{health}/health/live", timeout=1) as response:
                    return response.status == 200
            except OSError:
                return False

        eventually(answering, timeout=30, what="the replica answering its probe")
        yield process
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(5)


def test_one_replica_analyses_and_the_standby_takes_over_with_the_same_state(
    config: dict[str, Any], db: Any, tmp_path: Path
) -> None:
    """Two `nameko run` processes on one vhost and one database: the first holds the analysis
    lease and analyses everything, claims added through either are matched; killed (SIGKILL),
    it lets the lease expire, and the second goes on with the same story and the same open alert."""
    with (
        EventTap(config["AMQP_URI"], "monitoring") as tap,
        EventPublisher(config["AMQP_URI"], source="crawler-1") as publisher,
        replica(config, tmp_path / "first.log") as first,
    ):
        active = eventually(lambda: lease_owner(db), what="the first replica holding the analysis lease")
        with replica(config, tmp_path / "second.log"), ClusterRpcClient(uri=config["AMQP_URI"], timeout=15) as client:
            client.monitoring.add_claim(CLAIM)
            client.monitoring.add_claim(SECOND_CLAIM)  # through either replica: the active one picks both up
            time.sleep(2.0)  # two renewals of the lease, each reconciling the claims
            for n, text in enumerate(RUMOUR):
                publisher.emit("item_observed", observed(n, text, f"facebook.com/groups/g{n}", minutes_ago=30 - n))
            publisher.emit("item_observed", observed(9, SECOND_CLAIM["text"], "zalo.me/g/hadong", minutes_ago=20))
            eventually(stored(db, len(RUMOUR) + 1), what="every item stored")
            assert {d["analysed_by"] for d in db["items"].find({}, {"analysed_by": 1})} == {active}
            alerts = eventually(lambda: len(tap.events("misinformation_alert")) >= 2 and tap.events(
                "misinformation_alert"), what="one alert per claim")  # fmt: skip
            assert sorted(e["payload"]["claim_id"] for e in alerts) == ["C-cau", "C-nuoc"]

            first.kill()  # no goodbye: the lease runs out on its own
            first.wait(5)
            publisher.emit("item_observed", observed(20, RUMOUR[0] + " 😱", "tiktok.com/@late", minutes_ago=5))
            eventually(stored(db, len(RUMOUR) + 2), timeout=LEASE_SECONDS + 15, what="the standby analysing")
            taken_over = lease_owner(db)
            assert taken_over is not None and taken_over != active
            late = db["items"].find_one({"_id": item_id_for("https://tiktok.com/@late/posts/20")})
            assert late["analysed_by"] == taken_over and late["claim_id"] == "C-cau"
            early = db["items"].find_one({"_id": item_id_for("https://facebook.com/groups/g0/posts/0")})
            assert late["story_id"] == early["story_id"]  # the story the first replica started
            assert late["alert_id"] == early["alert_id"]  # attached to the open alert, not a new one
            time.sleep(0.5)
            assert len(tap.events("misinformation_alert")) == 2
