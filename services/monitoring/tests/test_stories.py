"""MinHash LSH and story clustering: restyled copies collapse, changed content does not."""

from __future__ import annotations

import random
from collections import deque
from datetime import UTC, datetime, timedelta

import pytest

from presscenter.monitoring.analysis import stories as stories_module
from presscenter.monitoring.analysis.fingerprint import Fingerprint, fingerprint, sentence_overlap, similarity
from presscenter.monitoring.analysis.minhash import GroupedLshIndex, LshIndex, MinHasher, Signature, estimated_jaccard
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


# --- the fast path against brute force -------------------------------------------------------

PLACES = ["Ba Đình", "Hoàn Kiếm", "Tây Hồ", "Long Biên", "Cầu Giấy", "Đống Đa", "Hoàng Mai", "Thanh Xuân"]
TOPICS = [
    "điều chỉnh lộ trình tuyến buýt số {n} qua phường {p} từ ngày {d} tháng {m}",
    "khởi công công viên mới rộng {n} héc ta tại phường {p} vào ngày {d} tháng {m}",
    "tạm dừng cấp nước sạch cho {n} hộ dân ở phường {p} trong ngày {d} tháng {m}",
    "phân luồng giao thông phục vụ thi công {n} mét cống ngầm tại phường {p} đến ngày {d} tháng {m}",
]


def templated_stream(count: int, seed: int) -> list[tuple[str, str]]:
    """(title, text) of `count` items: stories republished, restyled, truncated, reordered, given a
    changed word, with boilerplate that many stories share, and items of their own."""
    rng = random.Random(seed)
    bases: list[tuple[str, list[str]]] = []
    items: list[tuple[str, str]] = []
    for _ in range(count):
        if not bases or rng.random() < 0.25:
            p, n, d, m = rng.choice(PLACES), rng.randint(2, 900), rng.randint(1, 28), rng.randint(1, 12)
            topic = rng.choice(TOPICS)
            title = f"Hà Nội {topic.format(n=n, p=p, d=d, m=m)}"
            body = [
                f"Ủy ban nhân dân thành phố thông báo {topic.format(n=n, p=p, d=d, m=m)}.",
                f"Người dân phường {p} được đề nghị theo dõi thông tin từ tổ dân phố số {n % 40 + 1}.",
                f"Đơn vị thi công cam kết hoàn thành trước ngày {d} tháng {m % 12 + 1} năm sau.",
            ]
            bases.append((title, body))
        title, body = rng.choice(bases)
        body = list(body)
        style = rng.randrange(7)
        if style == 1:
            body.reverse()
        elif style == 2:
            body[0] = body[0].replace("thông báo", "cho biết sẽ")  # a change inside a sentence
        elif style == 3:
            body[-1] = body[-1][: len(body[-1]) // 2] + "..."
        elif style == 4:
            title, body = "", [f"Tin nóng! {title} 😱 #hanoi"]
        elif style == 5:
            title = f"Video: {title.upper()}"
        elif style == 6:  # titles of two copies then cover each other in part, bodies in full
            title += rng.choice(["; cập nhật lúc 8 giờ sáng", "; tin từ phóng viên thường trú", "; ảnh minh họa"])
        text = " ".join(body)
        if rng.random() < 0.5:
            text += rng.choice(
                [" Mời bạn đọc theo dõi.", " Có ai biết thật không?", " Chia sẻ để mọi người cùng biết."]
            )
        items.append((title, text))
    return items


def test_the_clusterer_decides_as_brute_force_over_every_kept_variant() -> None:
    """Each item is compared with every kept variant of every candidate story, one by one
    (`fingerprint.similarity`, boilerplate as the clusterer counts it): the clusterer joins the
    best one, its bounds and shortcuts notwithstanding (finding the candidates is LSH's part)."""
    settings = StorySettings()
    stories = StoryClusterer(settings)
    kept: dict[str, tuple[Fingerprint, deque[Fingerprint]]] = {}  # story -> (its first item, the latest after it)
    joined, partly = 0, set()
    for i, (title, text) in enumerate(templated_stream(600, seed=5)):
        fp = fingerprint(title, text)
        scores: dict[str, float] = {}
        for story_id in stories.candidates(fp):
            first, latest = kept[story_id]
            scores[story_id] = max(similarity(fp, v, stories.is_common) for v in (first, *latest))
        best = max(scores.values(), default=0.0)
        found = stories.assign(fp, T0 + timedelta(seconds=i), f"s-{i}")
        if best >= settings.threshold:
            joined += 1
            assert not found.is_new and found.similarity == round(best, 4), i
            assert scores[found.story_id] == best, i
            if best < 1.0:
                partly.add(i)
            kept[found.story_id][1].append(fp)
        else:
            assert found.is_new and found.story_id == f"s-{i}", i
            assert found.similarity <= round(best, 4)
            kept[found.story_id] = (fp, deque(maxlen=settings.variants_kept))
    assert 300 < joined < 550 and 50 < len(kept) < 300  # both decisions are exercised
    assert 0 < len(partly) < joined  # and titles that cover each other in part only


def test_grouped_lsh_votes_count_every_band_shared_with_a_key_of_each_group() -> None:
    rng = random.Random(8)
    hasher, index = MinHasher(64), GroupedLshIndex[int](64, 32)
    pool = [rng.getrandbits(32) for _ in range(60)]

    def rows(signature: Signature) -> list[list[int]]:
        return signature.reshape(32, 2).tolist()  # type: ignore[no-any-return]  # its bands, cut here

    signatures: dict[int, tuple[str, list[list[int]]]] = {}
    for key in range(400):
        sig = hasher.signature(rng.sample(pool, rng.randint(1, 6)))  # small sets: many shared bands
        group = f"g{rng.randrange(40)}"
        index.insert(key, group, index.band_keys(sig))
        signatures[key] = (group, rows(sig))
        if rng.random() < 0.3:
            gone = rng.choice(list(signatures))
            index.remove(gone)
            del signatures[gone]
    assert len(index) == len(signatures)
    for _ in range(100):
        query = hasher.signature(rng.sample(pool, rng.randint(1, 6)))
        expected: dict[str, int] = {}
        for group, bands in signatures.values():
            shared = sum(a == b for a, b in zip(bands, rows(query), strict=True))
            if shared:
                expected[group] = expected.get(group, 0) + shared
        assert index.votes(index.band_keys(query)) == expected


def test_a_remembered_signature_is_the_one_computed_afresh_and_cannot_be_changed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(stories_module, "MAX_REMEMBERED_SIGNATURES", 4)
    stories = clusterer()
    rng = random.Random(9)
    sets = [frozenset(rng.getrandbits(32) for _ in range(20)) for _ in range(6)]
    signature, bands = stories.signature(sets[0])
    fresh = MinHasher(64).signature(sets[0])
    assert (signature == fresh).all() and bands == stories.lsh.band_keys(fresh)
    assert stories.signature(frozenset(sets[0]))[0] is signature  # an equal set finds it
    assert not signature.flags.writeable
    for other in sets[1:5]:
        stories.signature(other)
    again, _ = stories.signature(sets[0])  # the oldest of five was forgotten: computed again
    assert again is not signature and (again == fresh).all()
