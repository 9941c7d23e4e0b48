"""Decode memory is bounded: an image whose decode needs more than the per-image budget is
refused (413) before decoding, and concurrent decodes share one process-wide byte budget."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from api.domain_errors import DomainError
from api.errors import domain_status
from api.uploads.images import DecodeBudget, decode_cost, process_image
from tests.api.scans import imagegen
from tests.api.scans.conftest import login
from tests.api.uploads.test_images import LIMITS

#: The review's image: 6300 x 6300 RGBA (39.7 MP, under the 40 MP header limit) in a 151 KiB PNG.
WORST_SIDE = 6300


def test_a_png_just_under_the_pixel_limit_is_refused_before_decoding() -> None:
    data = imagegen.flat_png(WORST_SIDE, WORST_SIDE)
    assert len(data) < 200 * 1024 and LIMITS["max_pixels"] > WORST_SIDE**2
    with pytest.raises(DomainError) as caught:
        process_image(data, **LIMITS)
    error = caught.value
    assert (domain_status(error), error.code) == (413, "image_too_many_pixels")
    assert "6300x6300 RGBA" in error.detail and "MiB" in error.detail and "limit is 128 MiB" in error.detail


def test_images_within_the_budget_still_decode() -> None:
    # A phone screenshot (RGBA) and a 24 MP RGB PNG: both under 128 MiB of decode.
    for width, height, mode in [(1290, 2796, "RGBA"), (6000, 4000, "RGB")]:
        assert decode_cost(width, height, mode) <= LIMITS["max_decode_bytes"]
        result = process_image(imagegen.flat_png(width, height, mode), **LIMITS)
        assert max(result.width, result.height) == LIMITS["max_side"]


def test_a_large_jpeg_is_costed_after_reduce_on_load() -> None:
    """`draft` decodes a 40 MP JPEG at 1/4 scale: its full-size cost would be refused, the draft is not."""
    data = imagegen.jpeg(7300, 5400)
    assert decode_cost(7300, 5400, "RGB") > LIMITS["max_decode_bytes"]
    assert process_image(data, **LIMITS).width == LIMITS["max_side"]


def test_the_budget_makes_a_decode_wait_for_another_to_finish() -> None:
    budget = DecodeBudget(100)
    first_inside, second_inside, release_first = threading.Event(), threading.Event(), threading.Event()

    def first() -> None:
        with budget.hold(80):
            first_inside.set()
            release_first.wait(60)

    def second() -> None:
        with budget.hold(80, timeout=60):
            second_inside.set()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    threads[0].start()
    assert first_inside.wait(60)
    threads[1].start()
    assert budget.free == 20 and not second_inside.is_set()  # 80 + 80 > 100: the second waits
    release_first.set()
    assert second_inside.wait(60)
    for thread in threads:
        thread.join(60)
    assert budget.free == 100


def test_a_decode_that_cannot_get_its_share_is_a_503_with_retry_after() -> None:
    budget = DecodeBudget(100)
    with budget.hold(100), pytest.raises(DomainError) as caught, budget.hold(1, timeout=0):
        pass
    error = caught.value
    assert (domain_status(error), error.code) == (503, "image_decoder_busy")
    assert error.retry_after
    assert budget.free == 100


def test_one_image_larger_than_the_whole_budget_gets_it_alone() -> None:
    budget = DecodeBudget(100)
    with budget.hold(500):
        assert budget.free == 0
    assert budget.free == 100


def test_the_api_refuses_the_worst_case_png_with_413(make_client: Callable[..., TestClient]) -> None:
    client = make_client()
    headers = login(client)
    files = {"image": ("bomb.png", imagegen.flat_png(WORST_SIDE, WORST_SIDE), "image/png")}
    response = client.post("/api/v1/scans", files=files, headers=headers)
    assert response.status_code == 413, response.text
    assert response.json()["code"] == "image_too_many_pixels" and "MiB" in response.json()["detail"]
    small = client.post(
        "/api/v1/scans",
        files={"image": ("ok.png", imagegen.flat_png(1290, 2796), "image/png")},
        headers=headers,
    )
    assert small.status_code == 202, small.text
