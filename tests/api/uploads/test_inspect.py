"""The request's image check: the same refusals as the full normalisation, without doing it."""

from __future__ import annotations

import tempfile

import pytest

from api.domain_errors import DomainError
from api.errors import domain_status
from api.uploads.images import inspect_image, process_image
from tests.api.scans import imagegen

MIB = 1024 * 1024
LIMITS = {"max_bytes": 5_000_000, "max_pixels": 40_000_000, "max_side": 1024, "max_decode_bytes": 128 * MIB}


def _cut(data: bytes) -> bytes:
    return data[: len(data) // 2]


def _damaged_past_header_webp() -> bytes:
    """A WEBP whose RIFF and VP8 headers are intact and whose compressed data is not."""
    data = bytearray(imagegen.webp(400, 300))
    data[60:-10] = b"\xff" * (len(data) - 70)
    return bytes(data)


@pytest.mark.parametrize(
    ("data", "status", "code"),
    [
        (b"", 422, "empty_image"),
        (b"%PDF-1.4 not a photo" * 10, 415, "unsupported_image_type"),
        (b"GIF89a not really", 415, "unsupported_image_type"),
        (_cut(imagegen.jpeg(300, 200)), 422, "corrupt_image"),
        (_cut(imagegen.png(300, 200)), 422, "corrupt_image"),
        (imagegen.huge_png(50), 413, "image_too_many_pixels"),
    ],
    ids=["empty", "pdf", "gif-magic", "truncated-jpeg", "truncated-png", "50-megapixel-png"],
)
def test_refuses_what_the_normalisation_would(data: bytes, status: int, code: str) -> None:
    for check in (inspect_image, lambda d, **kw: process_image(d, budget_bytes=256 * MIB, **kw)):
        with pytest.raises(DomainError) as caught:
            check(data, **LIMITS)
        assert (domain_status(caught.value), caught.value.code) == (status, code)


def test_decode_cost_is_refused_from_the_header() -> None:
    with pytest.raises(DomainError) as caught:
        inspect_image(imagegen.flat_png(6000, 4000), **{**LIMITS, "max_decode_bytes": 16 * MIB})
    assert caught.value.code == "image_too_many_pixels"


@pytest.mark.parametrize(
    "data", [imagegen.jpeg(1280, 960), imagegen.png(), imagegen.webp()], ids=["jpeg", "png", "webp"]
)
def test_reports_format_and_size(data: bytes) -> None:
    info = inspect_image(data, **LIMITS)
    assert info.content_type in {"image/jpeg", "image/png", "image/webp"}
    assert info.width > 0 and info.height > 0


def test_a_webp_damaged_past_its_header_is_left_to_the_worker() -> None:
    data = _damaged_past_header_webp()
    assert inspect_image(data, **LIMITS).format == "WEBP"
    with pytest.raises(DomainError) as caught:
        process_image(data, budget_bytes=256 * MIB, **LIMITS)
    assert caught.value.code == "corrupt_image"


def test_a_spooled_upload_is_checked_where_it_lies_and_left_open() -> None:
    """The multipart route passes the form's file: Pillow must neither need it in memory nor close it."""
    data = imagegen.jpeg()
    with tempfile.SpooledTemporaryFile(max_size=1024) as upload:  # rolled over to disk
        upload.write(data)
        assert inspect_image(upload, **LIMITS) == inspect_image(data, **LIMITS)
        assert not upload.closed
        upload.seek(0)
        assert upload.read() == data
    with tempfile.SpooledTemporaryFile() as cut:
        cut.write(_cut(data))
        with pytest.raises(DomainError) as refused:
            inspect_image(cut, **LIMITS)
        assert refused.value.code == "corrupt_image"
