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
