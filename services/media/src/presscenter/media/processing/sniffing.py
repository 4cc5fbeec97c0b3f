"""What a file really is, from its bytes (magic numbers), whatever its name or declared type says.

`sniff_head(head)` looks at the first bytes (HEAD_SIZE is enough for every type here); ZIP
containers need their entry list, so `sniff_zip(path)` tells DOCX, XLSX, PPTX and OpenDocument
apart from a plain ZIP by `[Content_Types].xml` (or `mimetype`) and the main part's presence.
Nothing is decompressed beyond that one small XML entry.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

HEAD_SIZE = 4096
MAX_CONTENT_TYPES_XML = 1024 * 1024

Kind = Literal["image", "video", "audio", "document", "archive"]

ZIP = "application/zip"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
ODT = "application/vnd.oasis.opendocument.text"
ODS = "application/vnd.oasis.opendocument.spreadsheet"


@dataclass(frozen=True)
class FileType:
    mime: str
    kind: Kind
    extensions: tuple[str, ...]


KNOWN_TYPES: dict[str, FileType] = {
    t.mime: t
    for t in (
        FileType("image/jpeg", "image", ("jpg", "jpeg", "jpe")),
        FileType("image/png", "image", ("png",)),
        FileType("image/gif", "image", ("gif",)),
        FileType("image/webp", "image", ("webp",)),
        FileType("image/tiff", "image", ("tif", "tiff")),
        FileType("image/heic", "image", ("heic", "heif")),
        FileType("image/avif", "image", ("avif",)),
        FileType("video/mp4", "video", ("mp4", "m4v")),
        FileType("video/quicktime", "video", ("mov",)),
        FileType("video/webm", "video", ("webm",)),
        FileType("video/x-matroska", "video", ("mkv",)),
        FileType("video/3gpp", "video", ("3gp",)),
        FileType("audio/mpeg", "audio", ("mp3",)),
        FileType("audio/mp4", "audio", ("m4a",)),
        FileType("audio/wav", "audio", ("wav",)),
        FileType("application/pdf", "document", ("pdf",)),
        FileType(DOCX, "document", ("docx",)),
        FileType(XLSX, "document", ("xlsx",)),
        FileType(PPTX, "document", ("pptx",)),
        FileType(ODT, "document", ("odt",)),
        FileType(ODS, "document", ("ods",)),
        FileType("application/x-ole-storage", "document", ("doc", "xls", "ppt")),
        FileType(ZIP, "archive", ("zip",)),
    )
}

ALIASES = {
    "image/jpg": "image/jpeg",
    "image/pjpeg": "image/jpeg",
    "image/x-png": "image/png",
    "application/x-pdf": "application/pdf",
    "audio/x-wav": "audio/wav",
    "audio/wave": "audio/wav",
    "application/x-zip-compressed": ZIP,
    "video/x-m4v": "video/mp4",
}

# ISO base media (MP4 family) major/compatible brands → type.
_FTYP_BRANDS = {
    "qt  ": "video/quicktime",
    "M4A ": "audio/mp4",
    "M4B ": "audio/mp4",
    "heic": "image/heic",
    "heix": "image/heic",
    "mif1": "image/heic",
    "avif": "image/avif",
    "3gp4": "video/3gpp",
    "3gp5": "video/3gpp",
    "3gp6": "video/3gpp",
}
_MP4_BRANDS = frozenset(
    {"isom", "iso2", "iso3", "iso4", "iso5", "iso6", "mp41", "mp42", "avc1", "dash", "M4V ", "msnv"}
)

_OOXML_MAIN = {
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml": (DOCX, "word/"),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml": (XLSX, "xl/"),
    "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml": (PPTX, "ppt/"),
}
_OVERRIDE = re.compile(rb"<Override\b[^>]*>", re.IGNORECASE)
_ATTR = re.compile(rb'(PartName|ContentType)\s*=\s*"([^"]*)"', re.IGNORECASE)


def normalize_mime(value: str) -> str:
    """`Image/JPG; charset=x` → `image/jpeg`."""
    mime = value.split(";", 1)[0].strip().lower()
    return ALIASES.get(mime, mime)


def sniff_head(head: bytes) -> str | None:
    """The type the first bytes show; `application/zip` for any ZIP container; None when unknown."""
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if head[:4] == b"RIFF" and len(head) >= 12:
        return {b"WEBP": "image/webp", b"WAVE": "audio/wav"}.get(head[8:12])
    if head[:4] in (b"II*\x00", b"MM\x00*"):
        return "image/tiff"
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head[4:8] == b"ftyp" and len(head) >= 12:
        return _sniff_ftyp(head)
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return _sniff_ebml(head)
    if head.startswith(b"ID3") or (len(head) >= 2 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0 and head[1] & 0x06):
        return "audio/mpeg"
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "application/x-ole-storage"
    if head[:4] in (b"PK\x03\x04", b"PK\x05\x06"):
        return ZIP
    return None


def _sniff_ftyp(head: bytes) -> str | None:
    box_size = int.from_bytes(head[:4], "big")
    major = head[8:12].decode("latin-1")
    compatible = [head[i : i + 4].decode("latin-1") for i in range(16, min(box_size, len(head)) - 3, 4)]
    for brand in (major, *compatible):
        if brand in _FTYP_BRANDS:
            return _FTYP_BRANDS[brand]
        if brand in _MP4_BRANDS:
            return "video/mp4"
    return None


def _sniff_ebml(head: bytes) -> str | None:
    """WebM and Matroska share the EBML header; its DocType element (0x4282) tells them apart."""
    at = head.find(b"\x42\x82", 4, 64)
    if at < 0 or at + 3 > len(head):
        return None
    size = head[at + 2] & 0x7F if head[at + 2] & 0x80 else 0
    doctype = head[at + 3 : at + 3 + size]
    return {b"webm": "video/webm", b"matroska": "video/x-matroska"}.get(doctype)


def sniff_zip(path: Path) -> str:
    """The office format of a ZIP container at `path`, or `application/zip`. Raises zipfile.BadZipFile."""
    with zipfile.ZipFile(path) as archive:
        names = set(archive.namelist())
        if "mimetype" in names:
            info = archive.getinfo("mimetype")
            if info.file_size <= 100:
                declared = archive.read(info).decode("ascii", "replace").strip()
                if declared in (ODT, ODS):
                    return declared
        if "[Content_Types].xml" not in names:
            return ZIP
        info = archive.getinfo("[Content_Types].xml")
        if info.file_size > MAX_CONTENT_TYPES_XML:
            return ZIP
        with archive.open(info) as fh:
            xml = fh.read(MAX_CONTENT_TYPES_XML + 1)
    for override in _OVERRIDE.findall(xml):
        attrs = {k.decode().lower(): v.decode("utf-8", "replace") for k, v in _ATTR.findall(override)}
        found = _OOXML_MAIN.get(attrs.get("contenttype", ""))
        if found is None:
            continue
        mime, folder = found
        part = attrs.get("partname", "").lstrip("/")
        if part.startswith(folder) and part in names:
            return mime
    return ZIP


def sniff_file(path: Path) -> str | None:
    """`sniff_head` on the file, refined by `sniff_zip` for ZIP containers."""
    with path.open("rb") as fh:
        head = fh.read(HEAD_SIZE)
    found = sniff_head(head)
    if found == ZIP:
        try:
            return sniff_zip(path)
        except zipfile.BadZipFile:
            return None
    return found


def extension_matches(extension: str, mime: str) -> bool:
    known = KNOWN_TYPES.get(mime)
    return known is not None and extension in known.extensions
