"""Processing units on real files: type sniffing, filenames, streaming digests, metadata stripping
(read back with Pillow), renditions, decompression bombs and corrupt images, upload policy."""

from __future__ import annotations

import hashlib
import io
import os
from pathlib import Path

import pytest
from PIL import Image

from presscenter.media import testing as samples
from presscenter.media.domain.policy import (
    UploadPolicy,
    check_digest,
    check_sniffed_type,
    check_stored_size,
)
from presscenter.media.processing.filenames import BadFilename, check_filename, extension_of
from presscenter.media.processing.hashing import digest_chunks, digest_file
from presscenter.media.processing.images import ImageRefused, RenditionSpec, clean_image, make_renditions
from presscenter.media.processing.sniffing import DOCX, XLSX, ZIP, normalize_mime, sniff_file, sniff_head
from presscenter.media.settings import DEFAULT_ALLOWED_TYPES
from presscenter.media.storage.disposition import content_disposition
from presscenter.shared.rpc.errors import InvalidInput

GPS_IFD = 0x8825


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


# --- sniffing -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("make", "mime"),
    [
        (samples.jpeg_with_gps, "image/jpeg"),
        (samples.png_with_text, "image/png"),
        (samples.webp, "image/webp"),
        (samples.gif, "image/gif"),
        (samples.pdf, "application/pdf"),
        (samples.mp4, "video/mp4"),
        (samples.webm, "video/webm"),
        (samples.plain_zip, ZIP),
    ],
)
def test_types_are_sniffed_from_their_first_bytes(make: object, mime: str) -> None:
    assert sniff_head(make()[:4096]) == mime  # type: ignore[operator]


def test_office_containers_are_told_apart_by_their_entries(tmp_path: Path) -> None:
    assert sniff_file(write(tmp_path, "a.docx", samples.docx())) == DOCX
    assert sniff_file(write(tmp_path, "b.xlsx", samples.xlsx())) == XLSX
    assert sniff_file(write(tmp_path, "c.zip", samples.plain_zip())) == ZIP
    # a ZIP that names a main part it does not contain is not a document
    bogus = samples.docx().replace(b"word/document.xml", b"word/missing__.xml")
    assert sniff_file(write(tmp_path, "d.docx", bogus)) in (ZIP, None)
    assert sniff_file(write(tmp_path, "e.docx", b"PK\x03\x04 truncated")) is None


def test_unknown_and_lookalike_bytes_are_not_recognised() -> None:
    assert sniff_head(b"<svg xmlns='http://www.w3.org/2000/svg'/>") is None
    assert sniff_head(b"MZ\x90\x00 executable") is None
    assert sniff_head(b"") is None
    assert sniff_head(b"RIFF\x00\x00\x00\x00AVI LIST") is None
    assert sniff_head(b"\x00\x00\x00\x18ftypqt  \x00\x00\x00\x00qt  ") == "video/quicktime"
    assert sniff_head(b"\x1a\x45\xdf\xa3\x93\x42\x82\x88matroska") == "video/x-matroska"


def test_declared_types_are_normalized() -> None:
    assert normalize_mime("Image/JPG; charset=binary") == "image/jpeg"
    assert normalize_mime("application/x-pdf") == "application/pdf"


# --- filenames ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "bad",
    [
        "../../etc/passwd.jpg",
        "photos/a.jpg",
        "C:\\Users\\a.jpg",
        "a\x00.jpg",
        "a\nb.jpg",
        "photo\u202egpj.exe",  # right-to-left override hiding the real extension
        "\u200bzero-width.jpg",
        ".hidden.jpg",
        "  padded.jpg",
        "noextension",
        "",
        "x" * 300 + ".jpg",
    ],
)
def test_path_like_and_control_filenames_are_refused(bad: str) -> None:
    with pytest.raises(BadFilename):
        check_filename(bad)


def test_vietnamese_filenames_are_kept_normalized() -> None:
    decomposed = "A\u0309nh ho\u0323p ba\u0301o.JPG"
    assert check_filename(decomposed) == "Ảnh họp báo.JPG"
    assert extension_of("Ảnh họp báo.JPG") == "jpg"
    assert content_disposition("Ảnh đẹp.jpg") == (
        "attachment; filename=\"Anh dep.jpg\"; filename*=UTF-8''%E1%BA%A2nh%20%C4%91%E1%BA%B9p.jpg"
    )


# --- digests -----------------------------------------------------------------------------------


def test_digest_streams_chunks_and_copies_them(tmp_path: Path) -> None:
    data = os.urandom(3 * 1024 * 1024 + 17)
    chunks = (data[i : i + 65536] for i in range(0, len(data), 65536))
    sink = io.BytesIO()
    digest = digest_chunks(chunks, sink)
    assert (digest.sha256, digest.size) == (hashlib.sha256(data).hexdigest(), len(data))
    assert sink.getvalue() == data
    assert digest_file(write(tmp_path, "f", data)) == digest


# --- images ------------------------------------------------------------------------------------


def test_jpeg_loses_gps_camera_and_xmp_but_keeps_its_picture(tmp_path: Path) -> None:
    source = write(tmp_path, "in.jpg", samples.jpeg_with_gps())
    with Image.open(source) as before:
        assert before.getexif().get_ifd(GPS_IFD) and "xmp" in before.info
    info = clean_image(source, tmp_path / "out.jpg", "image/jpeg", 10_000_000)
    assert (info.format, info.width, info.height) == ("JPEG", 640, 480)
    cleaned = (tmp_path / "out.jpg").read_bytes()
    for trace in (b"Exif", b"xmpmeta", b"Canon", b"EOS R5", b"SERIAL-0042", b"GPS", b"2025:06:01"):
        assert trace not in cleaned
    with Image.open(tmp_path / "out.jpg") as after:
        assert dict(after.getexif()) == {} and not after.getexif().get_ifd(GPS_IFD)
        assert "xmp" not in after.info and "exif" not in after.info
        assert after.size == (640, 480)
        assert after.getpixel((200, 150))[0] > 150  # the red block is still there


def test_orientation_is_applied_before_the_exif_goes(tmp_path: Path) -> None:
    source = write(tmp_path, "in.jpg", samples.jpeg_with_gps(orientation=6))
    info = clean_image(source, tmp_path / "out.jpg", "image/jpeg", 10_000_000)
    assert (info.width, info.height) == (480, 640)


@pytest.mark.parametrize(
    ("make", "mime", "ext"),
    [
        (samples.png_with_text, "image/png", "png"),
        (samples.webp, "image/webp", "webp"),
        (samples.gif, "image/gif", "gif"),
    ],
)
def test_png_webp_gif_lose_their_metadata(tmp_path: Path, make: object, mime: str, ext: str) -> None:
    source = write(tmp_path, f"in.{ext}", make())  # type: ignore[operator]
    info = clean_image(source, tmp_path / f"out.{ext}", mime, 10_000_000)
    cleaned = (tmp_path / f"out.{ext}").read_bytes()
    for trace in (b"Exif", b"EXIF", b"eXIf", b"xmpmeta", b"secret", b"Canon"):
        assert trace not in cleaned
    with Image.open(tmp_path / f"out.{ext}") as after:
        assert not after.getexif().get_ifd(GPS_IFD)
        assert after.n_frames == info.frames
    if mime == "image/gif":
        assert info.frames == 3


def test_renditions_fit_their_box_and_are_jpeg(tmp_path: Path) -> None:
    source = write(tmp_path, "in.png", samples.png_with_text(800, 400))
    clean_image(source, tmp_path / "clean.png", "image/png", 10_000_000)
    made = make_renditions(
        tmp_path / "clean.png", tmp_path, [RenditionSpec("thumbnail", 320), RenditionSpec("preview", 2000)], "image/png"
    )
    assert [(r.spec.name, r.width, r.height) for r in made] == [("thumbnail", 320, 160), ("preview", 800, 400)]
    with Image.open(made[0].path) as thumb:
        assert thumb.format == "JPEG" and thumb.mode == "RGB"


def test_decompression_bombs_are_refused_before_decoding(tmp_path: Path) -> None:
    out = io.BytesIO()
    Image.new("L", (4000, 3000)).save(out, "PNG", optimize=True)  # 12 MP in a few kB
    source = write(tmp_path, "bomb.png", out.getvalue())
    assert source.stat().st_size < 100_000
    with pytest.raises(ImageRefused) as refused:
        clean_image(source, tmp_path / "out.png", "image/png", max_pixels=1_000_000)
    assert refused.value.code == "too_large"


def test_corrupt_and_mislabelled_images_are_refused(tmp_path: Path) -> None:
    truncated = write(tmp_path, "cut.jpg", samples.jpeg_with_gps()[:1500])
    with pytest.raises(ImageRefused) as refused:
        clean_image(truncated, tmp_path / "o.jpg", "image/jpeg", 10_000_000)
    assert refused.value.code == "corrupt"
    png_as_jpeg = write(tmp_path, "fake.jpg", samples.png_with_text())
    with pytest.raises(ImageRefused):
        clean_image(png_as_jpeg, tmp_path / "o2.jpg", "image/jpeg", 10_000_000)


# --- policy ------------------------------------------------------------------------------------

POLICY = UploadPolicy(frozenset(DEFAULT_ALLOWED_TYPES), 100 * 1024 * 1024, 10 * 1024 * 1024, 50_000_000)


def test_upload_requests_are_checked_field_by_field() -> None:
    assert POLICY.check_request("Ảnh.JPG", "image/jpg", 1000) == ("Ảnh.JPG", "image/jpeg")
    assert POLICY.check_request("bao-cao.docx", DOCX, 1000)[1] == DOCX
    cases = [
        (("../a.jpg", "image/jpeg", 10), "filename"),
        (("a.svg", "image/svg+xml", 10), "content_type"),
        (("a.exe", "application/x-msdownload", 10), "content_type"),
        (("a.png", "image/jpeg", 10), "filename"),
        (("a.jpg", "image/jpeg", 11 * 1024 * 1024), "size"),
        (("a.mp4", "video/mp4", 101 * 1024 * 1024), "size"),
    ]
    for args, field in cases:
        with pytest.raises(InvalidInput) as refused:
            POLICY.check_request(*args)
        assert refused.value.field == field, args


def test_completion_checks_name_their_reason() -> None:
    assert check_stored_size(10, 10, 100) is None
    assert check_stored_size(10, 11, 100).code == "size_mismatch"  # type: ignore[union-attr]
    assert check_stored_size(10, 101, 100).code == "too_large"  # type: ignore[union-attr]
    allowed = frozenset(DEFAULT_ALLOWED_TYPES)
    assert check_sniffed_type("image/png", "image/png", allowed) is None
    assert check_sniffed_type("image/png", "image/jpeg", allowed).code == "type_mismatch"  # type: ignore[union-attr]
    assert check_sniffed_type("video/quicktime", "video/quicktime", allowed).code == "type_not_allowed"  # type: ignore[union-attr]
    assert check_sniffed_type(None, "image/jpeg", allowed).code == "type_not_allowed"  # type: ignore[union-attr]
    assert check_digest(None, "ab") is None and check_digest("ab", "ab") is None
    assert check_digest("cd", "ab").code == "checksum_mismatch"  # type: ignore[union-attr]
