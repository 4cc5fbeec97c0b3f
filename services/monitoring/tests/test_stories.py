"""MinHash LSH and story clustering: restyled copies collapse, changed content does not."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from presscenter.monitoring.analysis.fingerprint import fingerprint, sentence_overlap, similarity
from presscenter.monitoring.analysis.minhash import LshIndex, MinHasher, estimated_jaccard
from presscenter.monitoring.analysis.stories import StoryClusterer, StorySettings
from presscenter.monitoring.text.sentences import sentences

T0 = datetime(2026, 10, 5, 8, 0, tzinfo=UTC)

AQI_GOOD = "Chỉ số chất lượng không khí tại Hà Nội ở mức tốt sáng nay"
AQI_BAD = "Chỉ số chất lượng không khí tại Hà Nội ở mức kém sáng nay"
BUS_TITLE = "Tuyến buýt số 137 điều chỉnh lộ trình qua xã Gia Lâm"
BUS_BODY = (
    "Trung tâm Quản lý và Điều hành giao thông đô thị thông báo điều chỉnh lộ trình từ ngày 14/2 để phù hợp với "
    "tổ chức giao thông mới trên đường Nguyễn Văn Cừ. Tần suất chạy xe giữ nguyên 10 phút/chuyến."
)


def test_minhash_estimates_jaccard_and_is_the_same_in_every_instance() -> None:
    rng = random.Random(1)
    a = set(rng.sample(range(1 << 32), 300))
    b = set(list(a)[:150]) | set(rng.sample(range(1 << 32), 150))
    true = len(a & b) / len(a | b)
    one, two = MinHasher(128), MinHasher(128)
    assert abs(estimated_jaccard(one.signature(a), one.signature(b)) - true) < 0.1
    assert (one.signature(a) == two.signature(a)).all()


def test_lsh_finds_near_duplicates_not_unrelated_sets_and_forgets_removed_keys() -> None:
    hasher, index = MinHasher(64), LshIndex[str](64, 32)
    rng = random.Random(2)
    base = set(rng.sample(range(1 << 32), 40))
    index.insert("near", hasher.signature(base | {1, 2}))
    index.insert("far", hasher.signature(set(rng.sample(range(1 << 32), 40))))
    assert index.query(hasher.signature(base)) == {"near"}
    index.remove("near")
    assert index.query(hasher.signature(base)) == set() and len(index) == 1


def test_prefixes_remarks_emoji_case_diacritics_and_truncation_keep_a_sentence() -> None:
    [core] = sentences("Cửa Nam phát hiện ổ dịch bệnh lạ, toàn bộ khu phố bị phong tỏa")
    styled = [
        "Nghe nói Cửa Nam phát hiện ổ dịch bệnh lạ, toàn bộ khu phố bị phong tỏa 😱",
        "CUA NAM PHAT HIEN O DICH BENH LA, TOAN BO KHU PHO BI PHONG TOA",
        "Cửa Nam phát hiện ổ dịch bệnh lạ, toàn bộ khu phố bị...",
    ]
    for text in styled:
        assert max(sentence_overlap(s, core) for s in sentences(text)) >= 8, text


def test_a_word_changed_inside_or_at_the_end_of_a_sentence_makes_another_sentence() -> None:
    [good], [bad] = sentences(AQI_GOOD), sentences(AQI_BAD)
    assert sentence_overlap(good, bad) == 0
    [street_a] = sentences("Phân luồng giao thông phục vụ thi công trên đường Giải Phóng")
    [street_b] = sentences("Phân luồng giao thông phục vụ thi công trên đường Cầu Giấy")
    assert sentence_overlap(street_a, street_b) == 0


def test_republished_articles_with_reordered_sentences_are_the_same_story() -> None:
    first, second = BUS_BODY.split(". ")
    copy = fingerprint(f"Hà Nội: {BUS_TITLE}", f"Ghi nhận của báo chí: {second} {first}. Mời bạn đọc theo dõi.")
    assert similarity(fingerprint(BUS_TITLE, BUS_BODY), copy, lambda s: False) >= 0.75
    other = fingerprint(BUS_TITLE.replace("137", "19"), BUS_BODY.replace("14/2", "27/9"))
    assert similarity(fingerprint(BUS_TITLE, BUS_BODY), other, lambda s: False) < 0.75


def clusterer(**settings: object) -> StoryClusterer:
    return StoryClusterer(StorySettings(**settings))  # type: ignore[arg-type]


def test_social_restylings_of_one_text_collapse_into_one_story_with_its_first_appearance() -> None:
    stories = clusterer()
    # the stream has already seen the remark under other stories: it is boilerplate, not content
    for i, other in enumerate(["Giá vàng tăng nhẹ", "Mưa to ở Cầu Giấy chiều nay", "Hồ Gươm đông khách dịp lễ"]):
        stories.assign(fingerprint("", f"{other}. Có ai biết thật không?"), T0 - timedelta(hours=1, minutes=i), f"o{i}")
    posts = [
        "Cửa Nam phát hiện ổ dịch bệnh lạ, toàn bộ khu phố bị phong tỏa, hạn chế đi qua",
        "Tin khẩn! Cửa Nam phát hiện ổ dịch bệnh lạ, toàn bộ khu phố bị phong tỏa, hạn chế đi qua 😡🙏",
        "Cần xác minh thêm: Cua Nam phat hien o dich benh la, toan bo khu pho bi phong toa, han che di qua",
        "Cửa Nam phát hiện ổ dịch bệnh lạ, toàn bộ khu phố bị... Có ai biết thật không?",
        "CỬA NAM PHÁT HIỆN Ổ DỊCH BỆNH LẠ, TOÀN BỘ KHU PHỐ BỊ PHONG TỎA, HẠN CHẾ ĐI QUA #hanoi #tinnong",
    ]
    ids = [stories.assign(fingerprint("", p), T0 + timedelta(minutes=i), f"s-{i}") for i, p in enumerate(posts)]
    assert {a.story_id for a in ids} == {"s-0"}
    assert ids[0].is_new and not any(a.is_new for a in ids[1:])


def test_headlines_that_differ_in_one_word_and_an_article_and_its_headline_share_stay_apart() -> None:
    stories = clusterer()
    at = iter(T0 + timedelta(minutes=i) for i in range(20))
    good = stories.assign(fingerprint("", f"Ghê thật: {AQI_GOOD}"), next(at), "s-good")
    bad = stories.assign(fingerprint("", f"Ghê thật: {AQI_BAD}"), next(at), "s-bad")
    assert bad.story_id == "s-bad"
    again = stories.assign(fingerprint("", f"Xem này mọi người: {AQI_GOOD}"), next(at), "s-x")
    assert again.story_id == good.story_id
    article = stories.assign(fingerprint(BUS_TITLE, BUS_BODY), next(at), "s-article")
    share = stories.assign(fingerprint("", f"Buồn thật: {BUS_TITLE}"), next(at), "s-share")
    copy = stories.assign(fingerprint(f"Video: {BUS_TITLE}", BUS_BODY + " Mời bạn đọc theo dõi."), next(at), "s-copy")
    assert share.story_id == "s-share" and copy.story_id == article.story_id


def test_boilerplate_sentences_seen_in_many_stories_do_not_merge_them() -> None:
    stories = clusterer()
    boiler = "Số liệu sẽ được cập nhật hằng tuần để người dân tiện theo dõi."
    wards = ["Thanh Xuân", "Từ Liêm", "Long Biên", "Bồ Đề", "Cầu Giấy"]
    found = set()
    for i, ward in enumerate(wards):
        text = f"Hà Nội khởi công công viên mới tại phường {ward} với {100 + i} tỷ đồng. {boiler}"
        found.add(stories.assign(fingerprint("", text), T0 + timedelta(minutes=i), f"s-{i}").story_id)
    assert len(found) == len(wards)


def test_old_items_leave_the_index_and_restore_rebuilds_it() -> None:
    stories = clusterer(horizon=timedelta(hours=1))
    post = "Sở Y tế khuyến cáo phòng bệnh cúm mùa khi thời tiết chuyển lạnh"
    assert stories.assign(fingerprint("", post), T0, "s-old").story_id == "s-old"
    stories.assign(fingerprint("", "Giá vàng tại Hà Nội giảm nhẹ trong phiên sáng"), T0 + timedelta(hours=2), "s-x")
    assert stories.indexed_items == 1 and len(stories) == 1
    assert stories.assign(fingerprint("", post), T0 + timedelta(hours=2), "s-new").story_id == "s-new"

    restored = clusterer()
    restored.restore(fingerprint("", post), T0, "s-old")
    assert restored.assign(fingerprint("", f"Tin khẩn! {post}"), T0 + timedelta(minutes=5), "s-y").story_id == "s-old"
