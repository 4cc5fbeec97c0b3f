"""The whole analysis on a small hand-written stream: stories, claims, refutations, alerts with a
cool-down, spread series, a restart that keeps state, and the stream-directory replay."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from presscenter.monitoring.analysis.claims import Claim
from presscenter.monitoring.analysis.engine import EngineSettings, Item, MonitoringEngine, OfficialRelease
from presscenter.monitoring.analysis.spread import SpreadItem, spread_series
from presscenter.monitoring.evaluation.replay import replay, write

T0 = datetime(2026, 10, 5, 9, 0, tzinfo=UTC)
CLAIM = Claim("C-cau", "Cầu Long Biên sẽ bị phá dỡ vào cuối năm nay", "so-vhtt", topic="di sản")
RUMOUR = [
    ("facebook.com/groups/a", "Cuối năm nay cầu Long Biên sẽ bị tháo dỡ, ai muốn chụp ảnh thì tranh thủ"),
    ("facebook.com/groups/b", "NÓNG: Cuối năm nay cầu Long Biên sẽ bị tháo dỡ, ai muốn chụp ảnh thì tranh thủ 😱"),
    ("tiktok.com/@c", "Tiếc quá, cầu Long Biên sẽ bị phá dỡ vào cuối năm nay. Chia sẻ cho mọi người cùng biết!!!"),
    ("zalo.me/g/d", "Tiec qua, cau Long Bien se bi pha do vao cuoi nam nay"),
]
REFUTATION = "Sở Văn hóa và Thể thao bác bỏ thông tin cầu Long Biên sẽ bị phá dỡ vào cuối năm nay"
NEWS = [
    ("vnexpress.net", "Đội tuyển cầu lông Hà Nội giành vé vào chung kết giải quốc gia"),
    ("tuoitre.vn", "Tuyến buýt số 10 điều chỉnh lộ trình qua phường Long Biên từ tuần sau"),
]


def item(n: int, source: str, text: str, minutes: float, **extra: object) -> Item:
    return Item(
        item_id=f"it{n}",
        source=source,
        published_at=T0 + timedelta(minutes=minutes),
        text=text,
        url=f"https://{source}/{n}",
        **extra,  # type: ignore[arg-type]
    )


def stream() -> list[Item]:
    items = [item(i, s, t, 5 * i) for i, (s, t) in enumerate(NEWS)]
    items += [item(10 + i, s, t, 30 + 10 * i) for i, (s, t) in enumerate(RUMOUR)]
    items.append(item(20, "dantri.com.vn", REFUTATION, 120))
    items.append(item(21, "facebook.com/groups/e", RUMOUR[0][1] + " Có ai biết thật không?", 130))
    return items


def run(engine: MonitoringEngine, items: list[Item]) -> dict[str, object]:
    return {i.item_id: engine.observe(i) for i in items}


def test_the_stream_gives_stories_claim_hits_refutations_and_one_alert_per_cool_down() -> None:
    engine = MonitoringEngine()
    engine.register_claim(CLAIM)
    seen = run(engine, stream())
    assert {seen[f"it{i}"].spreads for i in (0, 1)} == {None}  # type: ignore[attr-defined]
    assert all(seen[f"it{10 + i}"].spreads == "C-cau" for i in range(4))  # type: ignore[attr-defined]
    refutation = seen["it20"].claim  # type: ignore[attr-defined]
    assert refutation is not None and refutation.stance == "refute" and seen["it20"].spreads is None  # type: ignore[attr-defined]
    alerts = [o.alert for o in seen.values() if o.alert is not None]  # type: ignore[attr-defined]
    assert [a.item_id for a in alerts] == ["it10"]
    assert seen["it11"].story_id == seen["it10"].story_id == seen["it21"].story_id  # type: ignore[attr-defined]
    later = engine.observe(item(30, "voz.vn", RUMOUR[1][1], 130 + 7 * 60))
    assert later.alert is not None and later.alert.item_id == "it30"  # the cool-down is over: a new alert


def test_a_release_refuting_the_claim_records_the_refutation_and_its_wording() -> None:
    engine = MonitoringEngine()
    engine.register_claim(CLAIM)
    statement = "Sở Văn hóa và Thể thao: cầu Long Biên sẽ được tu bổ, giữ nguyên hiện trạng vào cuối năm nay"
    release = OfficialRelease("r-1", "so-vhtt", statement, "", T0, refutes=("C-cau", "C-unknown"))
    assert engine.apply_release(release) == ["C-cau"]
    assert engine.claims.claim("C-cau").refuted_by == "r-1"  # type: ignore[union-attr]
    copy = engine.observe(
        item(1, "nld.com.vn", "Cầu Long Biên sẽ được tu bổ, giữ nguyên hiện trạng vào cuối năm nay", 5)
    )
    assert copy.claim is not None and copy.claim.stance == "refute" and copy.alert is None


def test_a_restarted_engine_keeps_stories_links_and_cool_downs() -> None:
    first = MonitoringEngine()
    first.register_claim(CLAIM)
    items = stream()
    seen = run(first, items[:5])
    restarted = MonitoringEngine()
    restarted.register_claim(CLAIM)
    for i in items[:5]:
        o = seen[i.item_id]
        hit = o.claim  # type: ignore[attr-defined]
        restarted.restore_item(
            i,
            o.story_id,
            hit.claim_id if hit else None,
            hit.stance if hit else None,
            hit.score if hit else 0.0,  # type: ignore[attr-defined]
        )
    alert = next(o.alert for o in seen.values() if o.alert is not None)  # type: ignore[attr-defined]
    restarted.restore_alert(alert.claim_id, alert.at)
    again = restarted.observe(item(40, "facebook.com/groups/z", RUMOUR[0][1] + " 🙏", 200))
    original = first.observe(item(40, "facebook.com/groups/z", RUMOUR[0][1] + " 🙏", 200))
    assert again.story_id == original.story_id == seen["it10"].story_id  # type: ignore[attr-defined]
    assert again.spreads == "C-cau" and again.alert is None and original.alert is None


def test_spread_series_puts_rumour_and_refutation_side_by_side_with_cascades() -> None:
    at = T0
    items = [
        SpreadItem("https://a/1", "a", at, "spread", 10),
        SpreadItem("https://b/2", "b", at + timedelta(minutes=20), "spread", 5, "https://a/1"),
        SpreadItem("https://c/3", "c", at + timedelta(minutes=40), "spread", 1, "https://b/2"),
        SpreadItem("https://d/4", "d", at + timedelta(minutes=70), "spread", 0, "https://elsewhere/x"),
        SpreadItem("https://n/5", "n", at + timedelta(minutes=130), "refute", 50),
        SpreadItem("https://m/6", "m", at + timedelta(minutes=135), "refute", 7),
    ]
    series = spread_series("C-cau", items, timedelta(hours=1), "r-1")
    assert [(p.rumour_items, p.refutation_items) for p in series.points] == [(3, 0), (1, 0), (0, 2)]
    assert series.points[0].rumour_engagement == 16 and series.points[2].refutation_sources == 2
    assert series.first_rumour_at == at and series.first_refutation_at == at + timedelta(minutes=130)
    assert (series.rumour_items, series.refutation_items, series.refuted_by_release) == (4, 2, "r-1")
    assert series.rumour_velocity_per_hour == round(4 / 6, 3)
    [cascade] = series.cascades
    assert (cascade.root_url, cascade.items, cascade.depth, cascade.sources) == ("https://a/1", 3, 2, 3)


def write_stream(root: Path) -> None:
    rows = [
        {"id": i.item_id, "source": i.source, "source_type": "social", "url": i.url, "title": "", "text": i.text,
         "published_at": i.published_at.isoformat(), "lang": "vi", "engagement": {"shares": 1}, "shared_from": None}
        for i in stream()
    ]  # fmt: skip
    rows.append({"id": "broken", "source": "x", "text": "", "published_at": "hôm qua"})
    claims = [{"claim_id": CLAIM.claim_id, "text": CLAIM.text, "rating": "false", "topic": "di sản",
               "unit": "SO-VHTT", "refuted_by_release": "r-1"}]  # fmt: skip
    releases = [{"release_id": "r-1", "unit": "SO-VHTT", "title": REFUTATION, "body": REFUTATION,
                 "published_at": (T0 + timedelta(minutes=100)).isoformat(), "refutes": "C-cau"}]  # fmt: skip
    for name, data in (("items.jsonl", rows), ("claims.jsonl", claims), ("releases.jsonl", releases)):
        (root / name).write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in data), encoding="utf-8")


def test_replaying_a_stream_directory_writes_predictions_for_every_item(tmp_path: Path) -> None:
    write_stream(tmp_path)
    result = replay(tmp_path, MonitoringEngine(EngineSettings()))
    write(result, tmp_path / "out")
    predictions = [json.loads(line) for line in (tmp_path / "out" / "predictions.jsonl").read_text().splitlines()]
    by_id = {p["id"]: p for p in predictions}
    assert len(predictions) == len(stream()) + 1 and result.malformed == 1
    assert by_id["broken"]["claim_id"] is None and by_id["broken"]["story"]
    assert [by_id[f"it{10 + i}"]["claim_id"] for i in range(4)] == ["C-cau"] * 4
    assert by_id["it20"]["claim_id"] is None and by_id["it0"]["claim_id"] is None
    assert (tmp_path / "out" / "trend_alerts.jsonl").exists()
    assert [a["claim_id"] for a in result.misinformation_alerts] == ["C-cau"]


def test_an_item_of_a_linked_story_inherits_its_claim_only_if_it_says_something_of_it() -> None:
    """A story gathers near-duplicates: a copy of the article without the claim's sentence is in the
    story the claim's article linked, but says nothing of the claim and must not be flagged."""
    engine = MonitoringEngine()
    engine.register_claim(CLAIM)
    body = (
        "Công ty đường sắt cho biết cầu Long Biên đang được bảo trì định kỳ. Các phương tiện qua cầu cần "
        "giảm tốc độ trong thời gian thi công. Lực lượng chức năng túc trực tại hai đầu cầu suốt ngày đêm. "
        "Người dân theo dõi thông báo trên cổng thông tin điện tử của thành phố."
    )
    article = engine.observe(item(40, "forum.vn", f"Cầu Long Biên sẽ bị phá dỡ vào cuối năm nay. {body}", 0))
    assert article.spreads == "C-cau"
    copy = engine.observe(item(41, "news.vn", f"Bản tin giao thông sáng nay. {body}", 20))
    assert copy.story_id == article.story_id
    assert copy.spreads is None and copy.claim is None
    rumour = "Tiec qua, cau Long Bien se bi pha do vao cuoi nam nay."
    shared = engine.observe(item(42, "zalo.me/g/x", f"{rumour} {body}", 40))
    assert shared.story_id == article.story_id and shared.spreads == "C-cau"


def test_a_restarted_engine_gives_a_close_call_to_the_claim_spread_last_as_before() -> None:
    soon = Claim("C-cau-thang-sau", "Cầu Long Biên sẽ bị tháo dỡ vào tháng sau", "so-gtvt")
    next_year = Claim("C-cau-nam-sau", "Cầu Long Biên sẽ bị tháo dỡ vào năm sau", "so-gtvt")
    # news that makes "tháng" as common as "năm": the two claims tie on a post cut short before them
    news = [
        item(70 + n, "news.vn", text, n)
        for n, text in enumerate(
            ("Tháng sau giá điện tăng", "Lịch nghỉ tháng sau của học sinh", "Tháng sau có mưa lớn")
        )
    ]
    spreading = [item(50 + n, f"facebook.com/groups/{n}", next_year.text + tail, 10 * n + 5)
                 for n, tail in enumerate(("", " 😱", " Có ai biết thật không?"))]  # fmt: skip
    cut_short = item(60, "zalo.me/g/y", "Thật hay giả vậy?: Cau Long Bien se bi thao do vao...", 60)
    first = MonitoringEngine()
    restarted = MonitoringEngine()
    for engine in (first, restarted):
        engine.register_claim(soon)
        engine.register_claim(next_year)
    for i in news:
        restarted.restore_item(i, first.observe(i).story_id, None, None, 0.0)
    for i in spreading:
        o = first.observe(i)
        assert o.spreads == "C-cau-nam-sau" and o.claim is not None
        restarted.restore_item(i, o.story_id, o.claim.claim_id, o.claim.stance, o.claim.score)
    assert first.observe(cut_short).spreads == restarted.observe(cut_short).spreads == "C-cau-nam-sau"
