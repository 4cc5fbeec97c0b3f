"""Small real media files made on the fly, for tests and benchmarks: a camera JPEG with GPS and
XMP, PNG/WebP/GIF, a hand-written PDF, DOCX and XLSX containers, MP4 and WebM headers."""

from __future__ import annotations

import io
import zipfile

from PIL import Image, PngImagePlugin

GPS_IFD = 0x8825
MAKE, MODEL, ORIENTATION, DATETIME_ORIGINAL, BODY_SERIAL = 0x010F, 0x0110, 0x0112, 0x9003, 0xA431
XMP = (
    b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
    b'<rdf:Description xmlns:exif="http://ns.adobe.com/exif/1.0/" exif:GPSLatitude="21,1.7N" '
    b'exif:GPSLongitude="105,51.2E"/></rdf:RDF></x:xmpmeta>'
)
HOAN_KIEM = {1: "N", 2: (21.0, 1.0, 42.0), 3: "E", 4: (105.0, 51.0, 12.0)}


def camera_exif(orientation: int = 1) -> Image.Exif:
    exif = Image.Exif()
    exif[MAKE] = "Canon"
    exif[MODEL] = "EOS R5"
    exif[ORIENTATION] = orientation
    exif[GPS_IFD] = HOAN_KIEM
    exif.get_ifd(0x8769)[BODY_SERIAL] = "SERIAL-0042"
    exif.get_ifd(0x8769)[DATETIME_ORIGINAL] = "2025:06:01 08:30:00"
    return exif


def picture(width: int = 640, height: int = 480, mode: str = "RGB") -> Image.Image:
    """A picture with some structure (a gradient and a block), so encoders have work to do."""
    image = Image.linear_gradient("L").resize((width, height)).convert(mode)
    image.paste(
        (200, 30, 30) if mode == "RGB" else (200, 30, 30, 160), (width // 4, height // 4, width // 2, height // 2)
    )
    return image


def jpeg_with_gps(width: int = 640, height: int = 480, orientation: int = 1) -> bytes:
    out = io.BytesIO()
    picture(width, height).save(out, "JPEG", exif=camera_exif(orientation), xmp=XMP, quality=90)
    return out.getvalue()


def png_with_text(width: int = 64, height: int = 48) -> bytes:
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "camera secret")
    info.add_itxt("XML:com.adobe.xmp", XMP.decode())
    out = io.BytesIO()
    picture(width, height, "RGBA").save(out, "PNG", pnginfo=info, exif=camera_exif())
    return out.getvalue()


def webp(width: int = 64, height: int = 48) -> bytes:
    out = io.BytesIO()
    picture(width, height).save(out, "WEBP", exif=camera_exif(), xmp=XMP)
    return out.getvalue()


def gif(frames: int = 3, width: int = 40, height: int = 30) -> bytes:
    images = [Image.new("RGB", (width, height), (i * 60 % 256, 40, 200 - i * 50 % 200)) for i in range(frames)]
    out = io.BytesIO()
    images[0].save(out, "GIF", save_all=True, append_images=images[1:], duration=100, loop=0, comment=b"secret")
    return out.getvalue()


def pdf(text: str = "Thong cao bao chi") -> bytes:
    """A one-page PDF written by hand, with a correct cross-reference table."""
    stream = f"BT /F1 18 Tf 72 720 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(f"{number} 0 obj\n".encode() + body + b"\nendobj\n")
    xref = out.tell()
    out.write(f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode())
    for offset in offsets:
        out.write(f"{offset:010d} 00000 n \n".encode())
    out.write(f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode())
    return out.getvalue()


_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'officeDocument" Target="{target}"/></Relationships>'
)


def _ooxml(part: str, main_type: str, body: str) -> bytes:
    content_types = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/{part}" ContentType="{main_type}"/></Types>'
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", content_types)
        archive.writestr("_rels/.rels", _RELS.format(target=part))
        archive.writestr(part, body)
    return out.getvalue()


def docx(text: str = "Thông cáo báo chí") -> bytes:
    body = (
        '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
        f"<w:body><w:p><w:r><w:t>{text}</w:t></w:r></w:p></w:body></w:document>"
    )
    return _ooxml(
        "word/document.xml", "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml", body
    )


def xlsx() -> bytes:
    body = (
        '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        '<sheets><sheet name="Sheet1" sheetId="1"/></sheets></workbook>'
    )
    return _ooxml("xl/workbook.xml", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml", body)


def plain_zip() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("notes.txt", "not an office document")
    return out.getvalue()


def mp4(payload_size: int = 2048) -> bytes:
    """An ISO base media file: an `ftyp` box (isom, mp42) and an `mdat` box of filler."""
    ftyp = b"ftyp" + b"isom" + (512).to_bytes(4, "big") + b"isom" + b"iso2" + b"mp42"
    mdat = b"mdat" + bytes(range(256)) * (payload_size // 256)
    return (len(ftyp) + 4).to_bytes(4, "big") + ftyp + (len(mdat) + 4).to_bytes(4, "big") + mdat


def webm(payload_size: int = 2048) -> bytes:
    """An EBML header with DocType `webm`, then filler."""
    header = (
        b"\x42\x86\x81\x01\x42\xf7\x81\x01\x42\xf2\x81\x04\x42\xf3\x81\x08"
        b"\x42\x82\x84webm\x42\x87\x81\x04\x42\x85\x81\x02"
    )
    return b"\x1a\x45\xdf\xa3" + bytes([0x80 | len(header)]) + header + b"\x18\x53\x80\x67" + b"\x00" * payload_size
