"""RSS/Atom polling: feeds served by a local http.server, parsed with feedparser, polled by the
running service with conditional GETs; an entry spreading a claim raises the alert too."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from nameko.exceptions import RemoteError
from nameko.standalone.rpc import ClusterRpcClient
from pymongo import MongoClient

from presscenter.monitoring.app import item_id_for
from presscenter.monitoring.feeds import fetch, parse_feed, plain_text, source_name
from presscenter.monitoring.service import MonitoringService
from presscenter.shared.testing.event_tap import EventTap

NOW = datetime(2026, 10, 6, 9, 0, tzinfo=UTC)
RUMOUR_ENTRY = """<item><title>Cầu Long Biên sẽ bị phá dỡ vào cuối năm nay</title>
<link>https://tin.example.vn/cau-long-bien</link>
<description>&lt;p&gt;Nhiều người chia sẻ &lt;b&gt;cầu Long Biên&lt;/b&gt; sẽ bị phá dỡ
vào cuối năm nay.&lt;/p&gt;</description>
<pubDate>Tue, 06 Oct 2026 01:30:00 GMT</pubDate></item>"""
OTHER_ENTRIES = """<item><title>Giá vàng tại Hà Nội tăng nhẹ</title><link>https://tin.example.vn/gia-vang</link>
<description>Giá vàng trong nước tăng nhẹ phiên sáng.</description></item>
<item><title>Không có liên kết</title><description>bỏ qua</description></item>"""
RSS_HEAD = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Tin Hà Nội</title><link>https://tin.example.vn/</link>"""
RSS = f"{RSS_HEAD}{RUMOUR_ENTRY}{OTHER_ENTRIES}</channel></rss>"
RSS_BEFORE = f"{RSS_HEAD}{OTHER_ENTRIES}</channel></rss>"
ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Thông cáo</title><id>urn:x</id><updated>2026-10-06T02:00:00Z</updated>
<entry><title>Phân luồng giao thông trên đường Giải Phóng</title><id>urn:1</id>
<link href="https://portal.example.vn/phan-luong"/><updated>2026-10-06T02:00:00Z</updated>
<content type="html">&lt;p&gt;Từ ngày 24/4 tổ chức phân luồng.&lt;/p&gt;</content></entry></feed>"""
CLAIM = {"claim_id": "C-cau", "text": "Cầu Long Biên sẽ bị phá dỡ vào cuối năm nay", "unit_code": "so-vhtt"}


def test_rss_and_atom_entries_become_plain_text_items_with_aware_times() -> None:
    rss = parse_feed(RSS.encode(), "https://www.tin.example.vn/rss", NOW)
    assert [e.url for e in rss] == ["https://tin.example.vn/cau-long-bien", "https://tin.example.vn/gia-vang"]
    assert rss[0].text == "Nhiều người chia sẻ cầu Long Biên sẽ bị phá dỡ vào cuối năm nay."
    assert rss[0].published_at == datetime(2026, 10, 6, 1, 30, tzinfo=UTC) and rss[1].published_at == NOW
    assert rss[0].source == "tin.example.vn"
    [atom] = parse_feed(ATOM.encode(), "https://portal.example.vn/atom", NOW)
    assert (atom.title, atom.text) == (
        "Phân luồng giao thông trên đường Giải Phóng",
        "Từ ngày 24/4 tổ chức phân luồng.",
    )
    assert plain_text("a&amp;b <i>c</i>") == "a&b c" and source_name("http://127.0.0.1:8080/x") == "127.0.0.1:8080"


class FeedServer:
    """A local feed host that honours If-None-Match and records what it was asked."""

    def __init__(self, documents: dict[str, str]):
        self.documents = documents
        self.requests: list[tuple[str, str]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                etag = f'"v{len(server.documents.get(self.path, ""))}"'
                server.requests.append((self.path, self.headers.get("If-None-Match", "")))
                if self.path not in server.documents:
                    self.send_response(404)
                    self.end_headers()
                    return
                if self.headers.get("If-None-Match") == etag:
                    self.send_response(304)
                    self.end_headers()
                    return
                body = server.documents[self.path].encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/rss+xml; charset=utf-8")
                self.send_header("ETag", etag)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}{path}"

    def __enter__(self) -> FeedServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


def stored_story(monitoring: Any, request: dict[str, Any]) -> dict[str, Any] | None:
    try:
        return monitoring.get_story(request)  # type: ignore[no-any-return]
    except RemoteError:
        return None


@pytest.fixture
def feeds() -> Iterator[FeedServer]:
    with FeedServer({"/rss": RSS, "/atom": ATOM}) as server:
        yield server


def test_fetch_sends_the_etag_back_and_a_304_means_nothing_new(feeds: FeedServer) -> None:
    first = fetch(feeds.url("/rss"))
    assert first.status == 200 and first.etag and b"<rss" in first.content
    again = fetch(feeds.url("/rss"), etag=first.etag)
    assert again.not_modified and feeds.requests[-1] == ("/rss", first.etag)


def test_the_service_polls_configured_feeds_stores_their_items_once_and_matches_claims(
    container_factory: Any, service_config: dict[str, Any], feeds: FeedServer
) -> None:
    config = {**service_config, "FEED_URLS": f"{feeds.url('/rss')},{feeds.url('/atom')},{feeds.url('/gone')}",
              "FEED_INTERVAL": 0.3}  # fmt: skip
    feeds.documents["/rss"] = RSS_BEFORE
    with EventTap(config["AMQP_URI"], "monitoring") as tap:
        container = container_factory(MonitoringService, config)
        with ClusterRpcClient(uri=config["AMQP_URI"], timeout=15) as client:
            container.start()
            client.monitoring.add_claim(CLAIM)
            feeds.documents["/rss"] = RSS  # a new entry appears: a new ETag, fetched on the next poll
            alert = tap.wait_for("misinformation_alert", timeout=10)["payload"]
            assert alert["items"][0]["url"] == "https://tin.example.vn/cau-long-bien"
            atom_story = {"story_id": f"s-{item_id_for('https://portal.example.vn/phan-luong')}"}
            deadline = time.monotonic() + 10
            while (story := stored_story(client.monitoring, atom_story)) is None and time.monotonic() < deadline:
                time.sleep(0.05)  # the feeds of one poll are taken in turn: the Atom one may come just after
            assert story is not None
            assert story["first_item"]["source_name"] == source_name(feeds.url("/atom"))  # the feed's host
    deadline = time.monotonic() + 10
    while sum(1 for path, etag in feeds.requests if path == "/rss" and etag) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert sum(1 for path, etag in feeds.requests if path == "/rss" and etag) >= 2  # conditional re-polls
    client_db: MongoClient[Any] = MongoClient(config["MONGO_URI"])
    db = client_db[config["MONGO_DB"]]
    assert db["items"].count_documents({"origin": "feed"}) == 3
    assert db["feeds"].count_documents({"last_error": {"$regex": "404"}}) == 1
    client_db.close()
