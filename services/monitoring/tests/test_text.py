"""Vietnamese text processing: normalisation, tokens that keep the original, social spellings,
diacritics-insensitive matching, sentences, stopwords, shingles, re-accenting."""

from __future__ import annotations

import unicodedata
import zlib

import pytest

from presscenter.monitoring.text import compatible, find_phrase, keys, shingles, stable_hash, tokenize
from presscenter.monitoring.text.reaccent import Reaccenter, accents_of
from presscenter.monitoring.text.sentences import sentences
from presscenter.shared.text import has_diacritics


def test_composed_and_decomposed_text_give_the_same_keys_and_spans_of_the_nfc_text() -> None:
    composed = "Hà Nội cấm xe máy"
    decomposed = unicodedata.normalize("NFD", composed)
    assert keys(decomposed) == keys(composed) == ["ha", "noi", "cam", "xe", "may"]
    first = tokenize(decomposed)[0]
    assert first.surface == "Hà" and (first.start, first.end) == (0, 2)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Nghe nói HN ko cho xe máy vào nội thành", ["nghe", "noi", "ha", "noi", "khong", "cho", "xe", "may"]),
        ("tp Hà Nội đc hỗ trợ", ["thanh", "pho", "ha", "noi", "duoc", "ho", "tro"]),
        ("k biết j luôn, mn ơi", ["khong", "biet", "gi", "luon", "moi", "nguoi", "oi"]),
        ("quáaaa wá fải đi", ["qua", "qua", "phai", "di"]),
    ],
)
def test_social_spellings_become_the_words_they_stand_for(text: str, expected: list[str]) -> None:
    assert keys(text)[: len(expected)] == expected


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("hỗ trợ 5.000.000đ", "5000000"),
        ("hỗ trợ 5 triệu đồng", "5000000"),
        ("hỗ trợ 5tr", "5000000"),
        ("chỉ 500k", "500000"),
        ("3,5 tỷ", "3500000000"),
        ("từ ngày 1/7", "1/7"),
        ("từ ngày 1 tháng 7", "1/7"),
        ("từ 01/07/2026", "1/7"),
    ],
)
def test_money_and_dates_get_one_canonical_key(text: str, key: str) -> None:
    assert key in keys(text)


def test_currency_mark_glued_to_a_number_is_the_word_dong() -> None:
    assert keys("5.000.000đ") == ["5000000", "dong"] == keys("5000000 đồng")


def test_hashtags_urls_mentions_and_emoji_are_not_words() -> None:
    tokens = tokenize("Cháy lớn 🔥🔥 https://example.vn/a?b=1 @hanoidaily #tinnong")
    assert [t.key for t in tokens if t.kind == "word"] == ["chay", "lon"]
    assert [t.key for t in tokens if t.kind == "hashtag"] == ["tinnong"]
    assert "tinnong" not in keys("#tinnong")


def test_a_segment_typed_without_diacritics_is_bare_and_matches_any_accented_form() -> None:
    accented = tokenize("Cầu Long Biên sắp bị phá dỡ")
    bare = tokenize("Đáng lo quá: cau Long Bien sap bi pha do")
    assert not accented[1].bare and accented[1].accented == "long"
    assert all(t.bare for t in bare[3:])
    assert all(compatible(a, b) for a, b in zip(accented, bare[3:], strict=True))


def test_different_accented_words_do_not_match_even_with_the_same_fold() -> None:
    cau_long = tokenize("cầu lông")[1]
    long_bien = tokenize("cầu Long Biên")[1]
    assert cau_long.key == long_bien.key == "long"
    assert not compatible(cau_long, long_bien)


def test_find_phrase_ignores_diacritics_and_spellings_and_returns_the_original_span() -> None:
    text = "NÓNG: HN cam xe may tu 1/7, ai vi pham phat nang"
    [span] = find_phrase("Hà Nội cấm xe máy", text)
    assert span.text == "HN cam xe may"
    assert text[span.start : span.end] == span.text
    assert find_phrase("cầu Long Biên", "Đội cầu lông Hà Nội giành vé") == []
    assert [s.text for s in find_phrase("cầu Long Biên", "cau long bien sap bi pha")] == ["cau long bien"]


def test_stopwords_depend_on_the_accented_form() -> None:
    da, song_da = tokenize("đã")[0], tokenize("sông Đà")[1]
    assert da.is_stopword and not song_da.is_stopword
    assert song_da.is_content


def test_sentences_split_on_punctuation_and_emoji_and_mark_truncation() -> None:
    found = sentences("Cần xác minh thêm: Cửa Nam phát hiện ổ dịch bệnh lạ, toàn bộ khu phố bị... Có ai biết không? 😱")
    assert [s.keys[:2] for s in found] == [("can", "xac"), ("cua", "nam"), ("co", "ai")]
    assert [s.truncated for s in found] == [False, True, False]


def test_shingles_are_stable_and_ignore_diacritics_and_case() -> None:
    assert stable_hash("ha noi") == zlib.crc32(b"ha noi")  # the same in every process, unlike hash()
    assert shingles(keys("Hà Nội cấm xe máy")) == shingles(keys("HA NOI CAM XE MAY"))
    assert len(shingles(keys("một hai"), 3)) == 1


def test_has_diacritics() -> None:
    assert has_diacritics("Hà Nội") and has_diacritics("đi")
    assert not has_diacritics("Ha Noi") and not has_diacritics("Long")


def test_reaccenter_restores_the_word_the_neighbours_point_to() -> None:
    reaccent = Reaccenter()
    for text in ("Cháy chung cư mini ở Hoàng Mai", "Xe buýt chạy chậm", "Cháy chung cư mini lúc sáng"):
        reaccent.learn(tokenize(text))
    fire = tokenize("Chay chung cu mini o Hai Ba Trung")
    assert reaccent.labels(fire)[:4] == ["cháy", "chung", "cư", "mini"]
    assert reaccent.labels(tokenize("xe buyt chay cham"))[2] == "chạy"
    assert reaccent.labels(tokenize("khong ro"))[0] == "khong"


def test_reaccenter_takes_the_most_frequent_form_and_the_first_seen_of_equals() -> None:
    reaccent = Reaccenter()
    reaccent.learn(tokenize("chạy"))  # one each: the first seen wins
    reaccent.learn(tokenize("cháy"))
    assert reaccent.labels(tokenize("chay"))[0] == "chạy"
    reaccent.count([accents_of(tokenize("cháy nhà")), accents_of(tokenize("Cháy"))])  # one text, two parts
    assert reaccent.labels(tokenize("chay"))[0] == "cháy"
    assert reaccent.labels(tokenize("chay nha"))[0] == "cháy"  # the pair decides before the word


def test_reaccenter_forgets_everything_past_its_bound() -> None:
    reaccent = Reaccenter(max_entries=2)
    reaccent.learn(tokenize("cháy nhà"))
    assert reaccent.labels(tokenize("chay"))[0] == "cháy"
    reaccent.learn(tokenize("xe buýt"))  # four words now: over the bound, all dropped
    assert reaccent.labels(tokenize("chay xe"))[:2] == ["chay", "xe"]
