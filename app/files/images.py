"""Images are re-encoded before they are stored: the pixels, turned upright, and nothing else.

EXIF (GPS position, camera make and model, serial numbers, times), XMP and comments are dropped with it; only
the colour profile is kept. Re-encoding also defuses files that are an image and something else at once. A
thumbnail is made from the same pixels. Runs in a worker thread (Pillow holds the pixels, not the upload).
"""

import warnings
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageOps

from app.core.errors import AppError

FORMATS = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WEBP"}
QUALITY = 90
THUMBNAIL_QUALITY = 80


@dataclass(frozen=True)
class Cleaned:
    width: int
    height: int


def clean(source: Path, target: Path, thumbnail: Path, mime: str, *, max_pixels: int, thumbnail_px: int) -> Cleaned:
    """Writes the cleaned image to `target` and a JPEG thumbnail to `thumbnail`. One decoded copy of the pixels is
    held at a time (turned and shrunk in place)."""
    fmt = FORMATS[mime]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(source) as image:
                pixels = image.width * image.height
                if pixels > max_pixels:
                    raise AppError("image_too_large", 422, pixels=pixels, limit=max_pixels,
                                   field_errors=[{"field": "file", "code": "image_too_large"}])
                image.load()
                icc = image.info.get("icc_profile")
                transparency = image.info.get("transparency")
                ImageOps.exif_transpose(image, in_place=True)  # upright, as the camera meant it
                return _save(image, fmt, target, thumbnail, thumbnail_px, icc, transparency)
    except AppError:
        raise
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise AppError("file_unreadable", 422, field_errors=[{"field": "file", "code": "file_unreadable"}]) from exc


def _save(image: Image.Image, fmt: str, target: Path, thumbnail: Path, thumbnail_px: int, icc: bytes | None,
          transparency: object) -> Cleaned:
    if fmt == "JPEG" and image.mode not in ("RGB", "L", "CMYK"):
        image = image.convert("RGB")
    image.info.clear()  # Pillow would write a JPEG comment (COM) back from it
    options: dict[str, object] = {"icc_profile": icc} if icc else {}
    if fmt in ("JPEG", "WEBP"):
        options["quality"] = QUALITY
    elif transparency is not None and image.mode in ("P", "L", "RGB"):
        options["transparency"] = transparency
    image.save(target, fmt, **options)
    shape = Cleaned(width=image.width, height=image.height)
    if image.mode != "RGB":
        image = image.convert("RGB")
    image.thumbnail((thumbnail_px, thumbnail_px), Image.Resampling.LANCZOS)  # in place: the full size is let go
    image.save(thumbnail, "JPEG", quality=THUMBNAIL_QUALITY)
    return shape
