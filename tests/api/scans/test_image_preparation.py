"""The request stores the image as sent; the worker's first step normalises it and removes the
original (multipart) or its location (ticket), and an image found unusable there fails the scan."""

from __future__ import annotations

import hashlib
import io
import uuid
from collections.abc import Callable

from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy import select

from api.db import session_scope
from api.scans.models import Scan
from api.scans.prepare import original_key_for, prepare_image
from api.scans.runtime import ScanRuntime
from api.scans.status import ScanStatus
from api.settings import LOW_DETAIL_SIDE
from api.storage import Storage
from tests.api.scans import imagegen
from tests.api.scans.conftest import login, wait_for_scan
from tests.api.uploads.test_inspect import _damaged_past_header_webp


def _row(client: TestClient, scan_id: str) -> Scan:
    with session_scope(client.app.state.context.session_factory) as session:  # type: ignore[attr-defined]
        scan = session.scalar(select(Scan).where(Scan.id == uuid.UUID(scan_id)))
        assert scan is not None
        session.expunge(scan)
        return scan


def _storage(client: TestClient) -> Storage:
    storage: Storage = client.app.state.context.storage  # type: ignore[attr-defined]
    return storage


def test_multipart_original_is_normalised_then_removed(make_client: Callable[..., TestClient]) -> None:
    client = make_client()
    headers = login(client)
    photo = imagegen.jpeg(1600, 1200, gps=1, orientation=6)
    response = client.post("/api/v1/scans", files={"image": ("p.jpg", photo, "image/jpeg")}, headers=headers)
    assert response.status_code == 202, response.text
    assert wait_for_scan(client, headers, response.json()["id"])["status"] == ScanStatus.done

    scan = _row(client, response.json()["id"])
    storage = _storage(client)
    cleaned = storage.get(scan.image_key)
    assert cleaned is not None and scan.original_key is None
    assert storage.get(original_key_for(scan.image_key)) is None
    assert scan.image_sha256 == hashlib.sha256(cleaned).hexdigest()
    image = Image.open(io.BytesIO(cleaned))
    # The default detail is `low`, so 512 px: what the model is given (LOW_DETAIL_SIDE).
    assert image.format == "JPEG" and max(image.size) == LOW_DETAIL_SIDE
    assert image.size == (384, 512)  # turned by its EXIF orientation, which is gone with the GPS
    assert not image.getexif()


def test_an_image_unusable_past_its_header_fails_the_scan(make_client: Callable[..., TestClient]) -> None:
    client = make_client()
    headers = login(client)
    data = _damaged_past_header_webp()
    response = client.post("/api/v1/scans", files={"image": ("p.webp", data, "image/webp")}, headers=headers)
    assert response.status_code == 202, response.text

    result = wait_for_scan(client, headers, response.json()["id"])
    assert result["status"] == ScanStatus.failed
    assert result["failure"]["code"] == "corrupt_image"
    scan = _row(client, response.json()["id"])
    storage = _storage(client)
    assert storage.get(scan.original_key or original_key_for(scan.image_key)) is None
    assert storage.get(scan.image_key) is None


def test_a_run_stopped_after_the_original_went_goes_on(make_client: Callable[..., TestClient]) -> None:
    """A worker killed between deleting the multipart original and committing the row: the next
    attempt finds the cleaned copy, records its hash and finishes the scan (nothing redone)."""
    client = make_client()
    headers = login(client)
    me = client.get("/api/v1/users/me", headers=headers).json()
    context = client.app.state.context  # type: ignore[attr-defined]
    storage = _storage(client)
    image_key = f"scans/{uuid.UUID(me['id']).hex}/{uuid.uuid4().hex}.jpg"
    cleaned = imagegen.jpeg(200, 100)
    storage.put(image_key, cleaned, "image/jpeg")
    with session_scope(context.session_factory) as session:
        scan = Scan(user_id=uuid.UUID(me["id"]), image_key=image_key, image_sha256="0" * 64,
                    original_key=original_key_for(image_key), status=ScanStatus.queued)  # fmt: skip
        session.add(scan)
        session.flush()
        scan_id = scan.id
    assert prepare_image(
        ScanRuntime.from_context(context), scan_id,
        original_key=original_key_for(image_key), image_key=image_key, upload_key=None,
    ) == hashlib.sha256(cleaned).hexdigest()  # fmt: skip

    context.dispatcher.enqueue_scan(scan_id)

    assert wait_for_scan(client, headers, str(scan_id))["status"] == ScanStatus.done
    row = _row(client, str(scan_id))
    assert (row.image_sha256, row.original_key) == (hashlib.sha256(cleaned).hexdigest(), None)
    assert storage.get(image_key) == cleaned
