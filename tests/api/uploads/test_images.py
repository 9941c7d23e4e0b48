"""Image checks: sniffed type, limits, orientation, metadata stripping, downscaling."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from api.domain_errors import DomainError
from api.errors import domain_status
from api.uploads.images import process_image
from tests.api.scans import imagegen

MIB = 1024 * 1024
LIMITS = {
    "max_bytes": 5_000_000,
    "max_pixels": 40_000_000,
    "max_side": 1024,
    "max_decode_bytes": 128 * MIB,
    "budget_bytes": 256 * MIB,
}


def _refused(data: bytes, **limits: int) -> DomainError:
    with pytest.raises(DomainError) as caught:
        process_image(data, **{**LIMITS, **limits})
    return caught.value


@pytest.mark.parametrize(
    "data", [imagegen.jpeg(), imagegen.png(), imagegen.webp()], ids=["jpeg", "png", "webp"]
)
def test_supported_formats_become_a_clean_jpeg(data: bytes) -> None:
    result = process_image(data, **LIMITS)
    image = Image.open(io.BytesIO(result.data))
    assert image.format == "JPEG" and image.mode == "RGB"
    assert len(result.sha256) == 64


def test_exif_orientation_is_applied_and_gps_stripped() -> None:
    data = imagegen.jpeg(80, 40, orientation=6, gps=1)
    assert Image.open(io.BytesIO(data)).getexif().get(imagegen.GPS_IFD_TAG) is not None
    result = process_image(data, **LIMITS)
    image = Image.open(io.BytesIO(result.data))
    assert image.size == (40, 80)  # rotated by the orientation tag
    exif = image.getexif()
    assert imagegen.GPS_IFD_TAG not in exif and imagegen.ORIENTATION_TAG not in exif


def test_downscales_the_longest_side() -> None:
    result = process_image(imagegen.jpeg(3000, 1500), **{**LIMITS, "max_side": 1024})
    assert (result.width, result.height) == (1024, 512)


def test_identical_images_hash_the_same() -> None:
    assert process_image(imagegen.jpeg(), **LIMITS).sha256 == process_image(imagegen.jpeg(), **LIMITS).sha256


def test_non_image_bytes_are_refused() -> None:
    error = _refused(b"%PDF-1.4 definitely not an image" * 10)
    assert (domain_status(error), error.code) == (415, "unsupported_image_type")


def test_truncated_jpeg_is_refused() -> None:
    data = imagegen.jpeg(400, 300)
    error = _refused(data[: len(data) // 2])
    assert domain_status(error) == 422 and error.code == "corrupt_image"


def test_zero_bytes_are_refused() -> None:
    assert _refused(b"").code == "empty_image"


def test_fifty_megapixel_png_is_refused_before_decoding() -> None:
    error = _refused(imagegen.huge_png(50))
    assert (domain_status(error), error.code) == (413, "image_too_many_pixels")
    assert "pixels" in error.detail


def test_byte_limit() -> None:
    error = _refused(imagegen.jpeg(), max_bytes=100)
    assert (domain_status(error), error.code) == (413, "image_too_large")


def test_gif_is_not_accepted() -> None:
    out = io.BytesIO()
    Image.new("P", (10, 10)).save(out, format="GIF")
    assert _refused(out.getvalue()).code == "unsupported_image_type"


def test_a_jpeg_is_decoded_at_the_scale_its_output_needs() -> None:
    """`draft` is asked for the output's aspect: 2560x1920 to 1024 decodes at 1/2 (a square box
    would have kept the full size, since 1920 // 1024 is 1)."""
    from api.uploads.images import fitted_size

    assert fitted_size(2560, 1920, 1024) == (1024, 768)
    assert fitted_size(960, 1280, 512) == (384, 512)
    assert fitted_size(300, 200, 1024) == (300, 200)
    image = Image.open(io.BytesIO(imagegen.jpeg(2560, 1920)))
    image.draft("RGB", fitted_size(*image.size, 1024))
    assert image.size == (1280, 960)
    assert process_image(imagegen.jpeg(2560, 1920), **LIMITS).width == 1024
