"""Filenames clients give: shown back on download, never used as a storage key.

Refused: empty or over 255 UTF-8 bytes, path separators or `..`, leading dots, control and
invisible formatting characters (NUL, newlines, right-to-left overrides that hide a real
extension), a missing extension. Accepted names come back NFC-normalized.
"""

from __future__ import annotations

import unicodedata

MAX_BYTES = 255
_BIDI_AND_INVISIBLE = "Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"


class BadFilename(ValueError):
    """Why a filename was refused (safe to show the client)."""


def check_filename(name: str) -> str:
    name = unicodedata.normalize("NFC", name)
    if not name.strip():
        raise BadFilename("the filename is empty")
    if len(name.encode()) > MAX_BYTES:
        raise BadFilename(f"the filename is longer than {MAX_BYTES} bytes")
    if "/" in name or "\\" in name or ".." in name:
        raise BadFilename("the filename must not contain a path (/, \\ or ..)")
    bad = sorted({f"U+{ord(c):04X}" for c in name if unicodedata.category(c) in _BIDI_AND_INVISIBLE})
    if bad:
        raise BadFilename(f"the filename contains control or invisible characters ({', '.join(bad)})")
    if name != name.strip() or name.startswith("."):
        raise BadFilename("the filename must not start with a dot or start or end with spaces")
    if not extension_of(name):
        raise BadFilename("the filename needs an extension (.jpg, .pdf ...)")
    return name


def extension_of(name: str) -> str:
    """The lower-case extension without the dot; "" when there is none."""
    stem, dot, ext = name.rpartition(".")
    return ext.lower() if dot and stem and ext and ext.isalnum() else ""
