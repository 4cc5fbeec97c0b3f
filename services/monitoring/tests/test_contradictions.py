"""Items that contradict an official release's facts (numbers, dates, yes/no) without any claim:
the same subject stated otherwise is flagged with the release as reference and its unit; the
same words about another subject, a faithful report, a denial and an item older than the
release are not."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from presscenter.monitoring.analysis.claims import Claim
from presscenter.monitoring.analysis.engine import Item, MonitoringEngine, OfficialRelease
from presscenter.monitoring.evaluation.replay import replay

T0 = datetime(2026, 10, 5, 9, 0, tzinfo=UTC)
FESTIVAL = OfficialRelease(
    "r-le-hoi",
    "so-vhtt",
    "Lễ hội sách mùa thu khai mạc tại phường Ba Đình",
    "Chiều nay, lễ hội đã khai mạc với sự tham gia của hàng nghìn người dân. "
    "Ban tổ chức cho biết chương trình kéo dài 4 ngày, từ ngày 5/10 đến ngày 8/10.",
    T0,
)
SUPPORT = OfficialRelease(
    "r-ho-tro",
    "so-ldtbxh",
    "Thành phố hỗ trợ hộ nghèo đón Tết",
    "Mỗi hộ nghèo được hỗ trợ 2 triệu đồng, chi trả trước ngày 20/1. Thành phố không thu phí đăng ký.",
    T0,
)
BACKGROUND = [
    ("vnexpress.net", "Giá rau xanh tại Hà Nội ổn định", "Nguồn cung hàng hóa dồi dào, giá bán lẻ ít biến động."),
    ("tuoitre.vn", "Đội tuyển cầu lông Hà Nội giành huy chương bạc", "Các vận động viên thi đấu quyết tâm."),
    ("dantri.com.vn", "Phân luồng giao thông trên đường Giải Phóng", "Người dân đi theo biển báo tại hiện trường."),
]


def item(n: int, title: str, text: str, minutes: float, source: str = "news.vn") -> Item:
    return Item(f"it{n}", source, T0 + timedelta(minutes=minutes), text, title, f"https://{source}/{n}")


def engine_with_releases() -> MonitoringEngine:
    engine = MonitoringEngine()
    for n, (source, title, text) in enumerate(BACKGROUND):
        engine.observe(item(100 + n, title, text, -60 + n, source))
    engine.apply_release(FESTIVAL)
    engine.apply_release(SUPPORT)
    return engine


def test_another_figure_for_the_same_subject_contradicts_the_release() -> None:
    engine = engine_with_releases()
    seen = engine.observe(
        item(1, FESTIVAL.title, "Ban tổ chức cho biết chương trình kéo dài 10 ngày với nhiều hoạt động.", 30)
    )
    hit = seen.contradiction
    assert hit is not None and hit.release_id == "r-le-hoi" and hit.unit_code == "so-vhtt"
    assert hit.reason == "value:4->10" and "kéo dài 4 ngày" in hit.fact and 0.8 <= hit.score <= 1
    assert seen.claim is None and seen.spreads is None  # no registered claim involved
    alert = seen.alert
    assert alert is not None and alert.kind == "contradicts_release" and alert.release_id == "r-le-hoi"
    assert alert.claim_id is None

    # a post typed without diacritics, sharing the headline with another amount: one alert per cool-down
    again = engine.observe(item(2, "", "Thanh pho ho tro ho ngheo don Tet: moi ho ngheo duoc ho tro 5 trieu dong", 40))
    assert again.contradiction is not None and again.contradiction.release_id == "r-ho-tro"
    assert again.contradiction.reason == "value:2000000->5000000" and again.alert is not None
    later = engine.observe(item(3, FESTIVAL.title, "Chương trình kéo dài 10 ngày, từ ngày 5/10 đến ngày 15/10.", 50))
    assert later.contradiction is not None and later.alert is None  # same release, inside the cool-down


def test_a_yes_no_statement_turned_around_contradicts_the_release() -> None:
    engine = engine_with_releases()
    seen = engine.observe(item(1, SUPPORT.title, "Thành phố thu phí đăng ký, mọi người nhanh tay nhé.", 30))
    assert seen.contradiction is not None and seen.contradiction.reason.startswith("polarity:")


def test_same_words_about_another_subject_or_faithful_reports_are_not_contradictions() -> None:
    engine = engine_with_releases()
    cases = [
        # another festival: the release's subject words are not all there
        item(1, "Lễ hội sách mùa thu khai mạc tại phường Láng", "Chương trình kéo dài 10 ngày.", 30),
        # the same facts
        item(2, FESTIVAL.title, "Ban tổ chức cho biết chương trình kéo dài 4 ngày, từ ngày 5/10 đến ngày 8/10.", 31),
        # another station in the same sentence: a different statement, not another figure for this one
        item(3, SUPPORT.title, "Mỗi hộ cận nghèo được hỗ trợ 1 triệu đồng, chi trả trước ngày 20/1.", 32),
        # reporting a denial of a wrong figure
        item(4, FESTIVAL.title, "Tin đồn chương trình kéo dài 10 ngày là không chính xác.", 33),
        # gives both figures
        item(5, SUPPORT.title, "Mỗi hộ nghèo được hỗ trợ 2 triệu đồng, không phải 5 triệu đồng như tin đồn.", 34),
    ]
    for case in cases:
        assert engine.observe(case).contradiction is None, case.item_id
    # an item published before the release does not contradict it
    fresh = MonitoringEngine()
    fresh.apply_release(FESTIVAL)
    early = item(6, FESTIVAL.title, "Ban tổ chức cho biết chương trình kéo dài 10 ngày.", -30)
    assert fresh.observe(early).contradiction is None


def test_items_tied_to_a_claim_are_left_to_the_claim_and_old_releases_expire() -> None:
    engine = engine_with_releases()
    engine.register_claim(Claim("C-phi", "Thành phố thu phí đăng ký hỗ trợ hộ nghèo đón Tết", "so-ldtbxh"))
    seen = engine.observe(item(1, SUPPORT.title, "Thành phố thu phí đăng ký hỗ trợ hộ nghèo đón Tết", 30))
    assert seen.spreads == "C-phi" and seen.contradiction is None and seen.alert is not None
    assert seen.alert.kind == "known_claim"
    month_later = item(2, FESTIVAL.title, "Ban tổ chức cho biết chương trình kéo dài 10 ngày.", 60 * 24 * 31)
    assert engine.observe(month_later).contradiction is None and "r-le-hoi" not in engine.contradictions


def test_the_replay_reports_contradicting_items_beside_the_predictions(tmp_path: Path) -> None:
    (tmp_path / "claims.jsonl").write_text("")
    release = {"release_id": "r-1", "unit": "so-vhtt", "title": FESTIVAL.title, "body": FESTIVAL.body,
               "published_at": T0.isoformat(), "refutes": None}  # fmt: skip
    (tmp_path / "releases.jsonl").write_text(json.dumps(release, ensure_ascii=False) + "\n")
    rows = [
        {"id": "a", "source": "x.vn", "title": FESTIVAL.title,
         "text": "Ban tổ chức cho biết chương trình kéo dài 10 ngày.",
         "published_at": (T0 + timedelta(minutes=5)).isoformat()},
        {"id": "b", "source": "y.vn", "title": FESTIVAL.title, "text": "Chương trình kéo dài 4 ngày.",
         "published_at": (T0 + timedelta(minutes=6)).isoformat()},
    ]  # fmt: skip
    (tmp_path / "items.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))
    result = replay(tmp_path)
    assert [c["id"] for c in result.contradictions] == ["a"]
    assert [p["claim_id"] for p in result.predictions] == [None, None]  # a release is not a registered claim
    [alert] = result.misinformation_alerts
    assert (alert["kind"], alert["release_id"], alert["item_id"]) == ("contradicts_release", "r-1", "a")


def test_a_corrected_release_is_checked_by_its_new_facts_and_a_withdrawn_one_not_at_all() -> None:
    engine = engine_with_releases()
    corrected = OfficialRelease(
        FESTIVAL.release_id, FESTIVAL.unit_code, FESTIVAL.title,
        FESTIVAL.body.replace("kéo dài 4 ngày", "kéo dài 10 ngày").replace("ngày 8/10", "ngày 14/10"),
        T0,
    )  # fmt: skip
    engine.apply_release(corrected)
    now_right = engine.observe(item(1, FESTIVAL.title, "Ban tổ chức cho biết chương trình kéo dài 10 ngày.", 30))
    assert now_right.contradiction is None  # what the correction says is no longer a contradiction
    now_wrong = engine.observe(item(2, FESTIVAL.title, "Ban tổ chức cho biết chương trình kéo dài 4 ngày.", 35))
    assert now_wrong.contradiction is not None and now_wrong.contradiction.reason == "value:10->4"
    engine.withdraw_release(SUPPORT.release_id)
    seen = engine.observe(item(3, SUPPORT.title, "Mỗi hộ nghèo được hỗ trợ 5 triệu đồng.", 40))
    assert seen.contradiction is None
