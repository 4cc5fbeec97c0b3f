"""Social-media spellings of Vietnamese, as data: abbreviations and teencode mapped to folded words.

Keys and values are folded (no diacritics, lower case); a value may be several words. Only
unambiguous standalone tokens are listed: `ko` is always "không", but `bn` (bạn / bao nhiêu)
or `ck` (chồng / chuyển khoản) are left alone. Numbers with units ("5tr", "500k") are handled by
the tokenizer, not here.
"""

from __future__ import annotations

ABBREVIATIONS: dict[str, str] = {
    # negation
    "ko": "khong",
    "k": "khong",
    "kh": "khong",
    "khg": "khong",
    "kho": "khong",
    "hok": "khong",
    "hem": "khong",
    "khum": "khong",
    "hk": "khong",
    # frequent words
    "dc": "duoc",
    "dk": "duoc",
    "vs": "voi",
    "j": "gi",
    "r": "roi",
    "oy": "roi",
    "rui": "roi",
    "ng": "nguoi",
    "ngta": "nguoi ta",
    "mn": "moi nguoi",
    "mng": "moi nguoi",
    "ae": "anh em",
    "ntn": "nhu the nao",
    "bh": "bao gio",
    "cx": "cung",
    "cg": "cung",
    "ms": "moi",
    "ns": "noi",
    "trc": "truoc",
    "trog": "trong",
    "dag": "dang",
    "wa": "qua",
    "z": "vay",
    "iu": "yeu",
    "thik": "thich",
    "lun": "luon",
    "nhiu": "nhieu",
    "bik": "biet",
    "kq": "ket qua",
    "tg": "thoi gian",
    "sdt": "so dien thoai",
    "stk": "so tai khoan",
    "dt": "dien thoai",
    # places and bodies
    "hn": "ha noi",
    "hcm": "ho chi minh",
    "tphcm": "thanh pho ho chi minh",
    "sg": "sai gon",
    "tp": "thanh pho",
    "tx": "thi xa",
    "vn": "viet nam",
    "ubnd": "uy ban nhan dan",
    "hdnd": "hoi dong nhan dan",
    "csgt": "canh sat giao thong",
    "pccc": "phong chay chua chay",
    "bv": "benh vien",
    "bs": "bac si",
    "hs": "hoc sinh",
    "gv": "giao vien",
    "sv": "sinh vien",
}

# Teencode onsets: Vietnamese syllables never start with f, w or j; a marked syllable that does
# ("fải", "wá", "jờ") is teencode for ph/qu/gi. Applied only to tokens that carry diacritics, so
# foreign words (facebook, wifi) keep their spelling.
TEENCODE_ONSETS: dict[str, str] = {"f": "ph", "w": "qu", "j": "gi"}

# Units that scale a number: "5 triệu", "5tr", "500k", "2 tỷ".
NUMBER_SCALES: dict[str, int] = {
    "trieu": 1_000_000,
    "tr": 1_000_000,
    "ty": 1_000_000_000,
    "ti": 1_000_000_000,
    "nghin": 1_000,
    "ngan": 1_000,
    "k": 1_000,
}

# A glued currency mark after a number ("5.000.000đ", "50000d", "5tr đ") means "đồng".
CURRENCY_MARKS: frozenset[str] = frozenset({"d", "dong", "vnd"})
