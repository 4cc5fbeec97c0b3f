"""Content-Disposition for downloads: the original filename, Vietnamese included (RFC 6266 / 5987)."""

from __future__ import annotations

import unicodedata
from urllib.parse import quote


def ascii_fallback(filename: str) -> str:
    """`filename` without diacritics (đ → d), quotes or backslashes, for old clients."""
    folded = unicodedata.normalize("NFKD", filename.replace("đ", "d").replace("Đ", "D"))
    plain = "".join(c for c in folded if c.isascii() and c.isprintable() and c not in '"\\')
    return plain or "download"


def content_disposition(filename: str, disposition: str = "attachment") -> str:
    return f"{disposition}; filename=\"{ascii_fallback(filename)}\"; filename*=UTF-8''{quote(filename, safe='')}"
