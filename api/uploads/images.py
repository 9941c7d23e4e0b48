"""Image checks run before any analyser call: sniff, limits, orientation, strip metadata, downscale.

Pillow decides what the bytes really are (the client's Content-Type is never trusted). The
pixel limit is checked from the header before decoding, so a decompression bomb is refused
without allocating its bitmap. The output is a fresh JPEG built from pixels only: EXIF (and with
it GPS), ICC profiles and comments do not survive.
"""

from __future__ import annotations

import hashlib
import io
import warnings
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

from api.errors import ApiError

ALLOWED_FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
ALLOWED_CONTENT_TYPES = frozenset(ALLOWED_FORMATS.values())


def _heif_available() -> bool:
    try:
        from pillow_heif import register_heif_opener  # type: ignore[import-not-found]
    except ImportError:
        return False
    register_heif_opener()
    ALLOWED_FORMATS["HEIF"] = "image/heic"
    return True


@dataclass(frozen=True)
class ProcessedImage:
    data: bytes
    sha256: str
    width: int
    height: int
    source_format: str
    content_type: str = "image/jpeg"


def _bad_image(detail: str, code: str = "invalid_image", status: int = 422) -> ApiError:
    return ApiError(status, detail, code=code)


def process_image(data: bytes, *, max_bytes: int, max_pixels: int, max_side: int) -> ProcessedImage:
    """Validate and normalise an uploaded image; raises ApiError (4xx) on anything unusable."""
    if not data:
        raise _bad_image("the image is empty (0 bytes)", code="empty_image")
    if len(data) > max_bytes:
        raise _bad_image(f"the image is {len(data)} bytes; the limit is {max_bytes}", "image_too_large", 413)
    _heif_available()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            opened = Image.open(io.BytesIO(data), formats=list(ALLOWED_FORMATS))
            fmt = opened.format or ""
            width, height = opened.size
            if width * height > max_pixels:
                raise _bad_image(
                    f"the image is {width}x{height} = {width * height} pixels; the limit is {max_pixels}",
                    "image_too_many_pixels",
                    413,
                )
            if fmt == "JPEG":
                # Let libjpeg decode at 1/2, 1/4 or 1/8 scale when that still covers `max_side`:
                # a 12 MP phone photo then costs a fraction of its full decode (docs/benchmarks.md).
                opened.draft("RGB", (max_side, max_side))
            opened.load()
    except ApiError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _bad_image(
            "the image has too many pixels (decompression bomb refused)", "image_too_many_pixels", 413
        ) from None
    except UnidentifiedImageError:
        raise _bad_image(
            "the file is not a supported image (JPEG, PNG or WEBP)", "unsupported_image_type", 415
        ) from None
    except (OSError, SyntaxError, ValueError) as exc:
        raise _bad_image(f"the image is damaged or truncated: {exc}", "corrupt_image") from None
    if fmt not in ALLOWED_FORMATS:
        raise _bad_image(f"unsupported image format {fmt or 'unknown'}", "unsupported_image_type", 415)
    image: Image.Image = opened
    ImageOps.exif_transpose(image, in_place=True)  # no copy of the bitmap when nothing turns
    if image.mode not in ("RGB", "L"):
        background = Image.new("RGB", image.size, (255, 255, 255))
        rgba = image.convert("RGBA")
        background.paste(rgba, mask=rgba.getchannel("A"))
        image = background
    # Bicubic: the model looks at 512-1024 px (`detail`), where Lanczos' extra sharpness buys nothing
    # for its ~20 % more CPU per request; `reducing_gap` lets large ratios shrink by box-averaging first.
    image.thumbnail((max_side, max_side), Image.Resampling.BICUBIC, reducing_gap=2.0)
    out = io.BytesIO()
    # No `optimize`: its extra Huffman pass costs more CPU per request than the few percent it saves.
    image.convert("RGB").save(out, format="JPEG", quality=85)
    payload = out.getvalue()
    return ProcessedImage(
        data=payload,
        sha256=hashlib.sha256(payload).hexdigest(),
        width=image.width,
        height=image.height,
        source_format=fmt,
    )
