"""Vietnamese folding: diacritics-insensitive matching that keeps syllables apart."""

from __future__ import annotations

import unicodedata

import pytest

from presscenter.shared.text import fold, normalize, search_terms, tokens


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Hà Nội", "ha noi"),
        ("ĐƯỜNG Đê La Thành", "duong de la thanh"),
        ("Sở Y tế", "so y te"),
        ("Phường Hoàn Kiếm", "phuong hoan kiem"),
        ("ha noi", "ha noi"),
        ("Thủ đô", "thu do"),
    ],
)
def test_fold_removes_diacritics_and_case(text: str, folded: str) -> None:
    assert fold(text) == folded


def test_decomposed_and_composed_input_fold_alike() -> None:
    composed = "Hà Nội"
    decomposed = unicodedata.normalize("NFD", composed)
    assert decomposed != composed
    assert fold(decomposed) == fold(composed) == "ha noi"
    assert normalize(decomposed) == composed


def test_tokens_are_syllables_without_punctuation() -> None:
    assert tokens("UBND TP. Hà Nội: thông báo (số 12/TB)") == [
        "ubnd",
        "tp",
        "ha",
        "noi",
        "thong",
        "bao",
        "so",
        "12",
        "tb",
    ]


def test_search_terms_are_distinct_and_sorted() -> None:
    assert search_terms("Hà Nội", "Ha noi mưa", "") == ["ha", "mua", "noi"]


def _fold_one_step_at_a_time(text: str) -> str:
    """The definition of folding, spelled out: đ/Đ/ð as d, NFD, combining marks dropped, NFC, lower case."""
    text = text.translate(str.maketrans({"đ": "d", "Đ": "d", "ð": "d"}))
    stripped = "".join(ch for ch in unicodedata.normalize("NFD", text) if not unicodedata.combining(ch))
    return unicodedata.normalize("NFC", stripped).lower()


def test_fold_is_its_definition_for_every_character_and_mixed_text() -> None:
    """`fold` translates character by character; that must give what folding the whole text gives."""
    every_character = "".join(chr(code) for code in range(0x3_0000) if not 0xD800 <= code < 0xE000)
    samples = [
        every_character,
        "Thủ đô Hà Nội, ĐƯỜNG Đê La Thành: thông báo số 12/TB",
        unicodedata.normalize("NFD", "Tiếng Việt có dấu: ắ ằ ẳ ẵ ặ ấ ầ ẩ ẫ ậ ế ề ể ễ ệ ố ồ ổ ỗ ộ ớ ờ ở ỡ ợ ứ ừ ử ữ ự"),
        "e\u0301\u0323 o\u031b\u0300 a\u0306\u0303",  # marks in non-canonical order
        "ΟΔΥΣΣΕΥΣ Ἀθῆναι",  # Greek final sigma
        "\u1100\u1161\u11a8 한국어",  # conjoining jamo compose under NFC
        "İstanbul ǅ ﬁ Å",
    ]
    for text in samples:
        assert fold(text) == _fold_one_step_at_a_time(text)
    assert fold(every_character) == _fold_one_step_at_a_time(every_character)  # from the filled table
