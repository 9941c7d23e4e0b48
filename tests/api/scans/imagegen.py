"""Test images built with Pillow: real JPEG/PNG/WEBP bytes, EXIF orientation and GPS, bombs."""

from __future__ import annotations

import io

from PIL import Image

ORIENTATION_TAG = 0x0112
GPS_IFD_TAG = 0x8825


def jpeg(
    width: int = 64, height: int = 48, color: tuple[int, int, int] = (200, 30, 30), **exif: int
) -> bytes:
    image = Image.new("RGB", (width, height), color)
    out = io.BytesIO()
    info = Image.Exif()
    if "orientation" in exif:
        info[ORIENTATION_TAG] = exif["orientation"]
    if exif.get("gps"):
        info[GPS_IFD_TAG] = {1: "N", 2: (37.0, 33.0, 59.0), 3: "E", 4: (126.0, 58.0, 41.0)}
    image.save(out, format="JPEG", exif=info.tobytes())
    return out.getvalue()


def png(width: int = 32, height: int = 32, mode: str = "RGBA") -> bytes:
    out = io.BytesIO()
    Image.new(mode, (width, height)).save(out, format="PNG")
    return out.getvalue()


def webp(width: int = 40, height: int = 30) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (10, 120, 10)).save(out, format="WEBP")
    return out.getvalue()


def huge_png(megapixels: int = 50) -> bytes:
    """A small file that decodes to `megapixels` million pixels (1-bit mode keeps it cheap to build)."""
    side = int((megapixels * 1_000_000) ** 0.5) + 1
    out = io.BytesIO()
    Image.new("1", (side, side)).save(out, format="PNG")
    return out.getvalue()


def unique_jpeg(seed: int) -> bytes:
    """Distinct images (distinct content hashes) for tests that must not hit the analysis cache."""
    return jpeg(32 + seed % 50, 32 + seed // 50 % 50, ((seed * 37) % 256, (seed * 91) % 256, 128))


def flat_png(width: int, height: int, mode: str = "RGBA") -> bytes:
    """A tiny file that decodes to a big bitmap: one colour compresses to almost nothing."""
    out = io.BytesIO()
    Image.new(mode, (width, height), (20, 120, 200, 255) if mode == "RGBA" else None).save(out, format="PNG")
    return out.getvalue()
