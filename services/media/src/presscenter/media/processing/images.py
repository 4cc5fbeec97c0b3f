"""Images: decode safely, drop location and camera metadata, make renditions. Pillow only.

`clean_image` re-encodes the picture without EXIF (GPS, camera, serial numbers, dates), XMP,
IPTC/Photoshop blocks or text comments; the ICC colour profile, resolution, transparency and
animation are kept, and the EXIF orientation is applied to the pixels first so the picture
still stands the right way up. A JPEG that needs no rotation keeps its quantisation tables
(`quality="keep"`), so it loses as little as a re-encode can. Sizes are checked from the header
before any pixel is decoded (decompression bombs).
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from PIL import Image, ImageOps, UnidentifiedImageError

ReasonCode = Literal["corrupt", "too_large", "type_mismatch"]
PIL_FORMATS = {"image/jpeg": "JPEG", "image/png": "PNG", "image/gif": "GIF", "image/webp": "WEBP"}
ORIENTATION = 0x0112
MAX_FRAMES = 1_000
# What survives cleaning, by name in Pillow's `info`; everything else (exif, xmp, comment, text ...) goes.
KEPT_INFO = frozenset({"icc_profile", "dpi", "transparency", "duration", "loop", "background", "disposal"})


class ImageRefused(Exception):
    def __init__(self, code: ReasonCode, reason: str):
        super().__init__(reason)
        self.code = code
        self.reason = reason


@dataclass(frozen=True)
class ImageInfo:
    format: str
    width: int
    height: int
    frames: int


@dataclass(frozen=True)
class RenditionSpec:
    name: str
    max_side: int
    quality: int = 82
    content_type: str = "image/jpeg"
    extension: str = "jpg"


@dataclass(frozen=True)
class MadeRendition:
    spec: RenditionSpec
    path: Path
    width: int
    height: int


@contextmanager
def open_image(path: Path, expected_mime: str, max_pixels: int) -> Iterator[Image.Image]:
    """The image at `path`, checked against its sniffed type and the pixel budget, fully decodable."""
    expected = PIL_FORMATS.get(expected_mime)
    if expected is None:
        raise ImageRefused("type_mismatch", f"{expected_mime} is not an image this service processes")
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(path, formats=[expected]) as probe:
                _check_size(probe, max_pixels)
                probe.verify()
            image = Image.open(path, formats=[expected])
        except ImageRefused:
            raise
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise ImageRefused("too_large", f"the image is too large to decode safely ({exc})") from None
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError) as exc:
            raise ImageRefused("corrupt", f"the image cannot be decoded: {exc}") from None
    try:
        _check_size(image, max_pixels)
        try:
            image.load()
        except (OSError, SyntaxError, ValueError, EOFError) as exc:
            raise ImageRefused("corrupt", f"the image cannot be decoded: {exc}") from None
        yield image
    finally:
        image.close()


def _check_size(image: Image.Image, max_pixels: int) -> None:
    width, height = image.size
    frames = int(getattr(image, "n_frames", 1))
    if width < 1 or height < 1:
        raise ImageRefused("corrupt", "the image has no pixels")
    if width * height > max_pixels:
        raise ImageRefused("too_large", f"{width}x{height} pixels is over the limit of {max_pixels}")
    if frames > MAX_FRAMES or width * height * frames > 4 * max_pixels:
        raise ImageRefused("too_large", f"{frames} frames of {width}x{height} is over the animation budget")


def clean_image(source: Path, dest: Path, mime: str, max_pixels: int) -> ImageInfo:
    """Write `source` to `dest` in the same format without its metadata; returns what was written."""
    with open_image(source, mime, max_pixels) as image:
        fmt = PIL_FORMATS[mime]
        frames = int(getattr(image, "n_frames", 1))
        orientation = image.getexif().get(ORIENTATION, 1) if frames == 1 else 1
        kept = {k: v for k, v in image.info.items() if k in KEPT_INFO}
        params: dict[str, Any] = {k: v for k, v in kept.items() if k in ("icc_profile", "dpi")}
        out = image
        if orientation not in (1, None):
            out = ImageOps.exif_transpose(image)
        if fmt == "JPEG":
            if out is image and image.mode in ("L", "RGB", "CMYK"):
                params.update(quality="keep", subsampling="keep")
            else:
                params.update(quality=92)
            params["progressive"] = bool(image.info.get("progressive") or image.info.get("progression"))
            if out.mode not in ("L", "RGB", "CMYK"):
                out = out.convert("RGB")
        elif fmt == "PNG":
            params["optimize"] = False
            if "transparency" in kept:
                params["transparency"] = kept["transparency"]
        elif fmt == "GIF":
            params.update({k: kept[k] for k in ("duration", "loop", "transparency", "disposal") if k in kept})
            params["save_all"] = frames > 1
        elif fmt == "WEBP":
            params.update(quality=90, method=4)
            params.update({k: kept[k] for k in ("duration", "loop", "background") if k in kept})
            params["save_all"] = frames > 1
        out.info = {}  # nothing from the source's info can be written back implicitly
        out.save(dest, format=fmt, **params)
        width, height = out.size
    return ImageInfo(fmt, width, height, frames)


def make_renditions(clean: Path, out_dir: Path, specs: Sequence[RenditionSpec], mime: str) -> list[MadeRendition]:
    """JPEG renditions of the cleaned image's first frame, each fitting `max_side` (never enlarged)."""
    made = []
    for spec in specs:
        with Image.open(clean, formats=[PIL_FORMATS[mime]]) as image:
            if image.format == "JPEG":
                image.draft("RGB", (spec.max_side, spec.max_side))  # decode at a reduced scale: fast
            image.seek(0)
            frame = _flatten(image)
            frame.thumbnail((spec.max_side, spec.max_side), Image.Resampling.LANCZOS)
            path = out_dir / f"{spec.name}.{spec.extension}"
            frame.save(path, format="JPEG", quality=spec.quality, optimize=True, progressive=True)
            made.append(MadeRendition(spec, path, frame.width, frame.height))
    return made


def _flatten(image: Image.Image) -> Image.Image:
    """RGB, with any transparency laid on white."""
    if image.mode in ("RGBA", "LA", "P", "PA") or "transparency" in image.info:
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return image.convert("RGB")
