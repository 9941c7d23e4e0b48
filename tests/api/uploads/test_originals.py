"""Stored originals lose their location: GPS from EXIF, XMP and IPTC, on JPEG, PNG and WebP,
without a pixel re-encoded; the ticket path re-writes the original when a scan takes it."""

from __future__ import annotations

import io
from collections.abc import Callable

import httpx
import pytest
from fastapi.testclient import TestClient
from PIL import Image, PngImagePlugin

from api.uploads.originals import GPS_IFD, without_location
from tests.api.scans import imagegen
from tests.api.scans.conftest import login, wait_for_scan
from tests.api.uploads.test_s3_uploads import moto_url

__all__ = ["moto_url"]
BUCKET = "waste-test-originals"
XMP = (
    b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
    b'<rdf:Description xmlns:exif="http://ns.adobe.com/exif/1.0/" exif:GPSLatitude="37,33.9N"/>'
    b"</rdf:RDF></x:xmpmeta>"
)


def _exif() -> Image.Exif:
    exif = Image.Exif()
    exif[imagegen.ORIENTATION_TAG] = 6
    exif[0x010F] = "PhoneCo"  # Make: kept, it is not a location
    exif[GPS_IFD] = {1: "N", 2: (37.0, 33.0, 59.0), 3: "E", 4: (126.0, 58.0, 41.0)}
    return exif


def _photo(fmt: str) -> bytes:
    image = Image.effect_noise((120, 80), 30).convert("RGB")
    out = io.BytesIO()
    if fmt == "PNG":
        info = PngImagePlugin.PngInfo()
        info.add_itxt("XML:com.adobe.xmp", XMP.decode())
        image.save(out, format="PNG", exif=_exif().tobytes(), pnginfo=info)
    else:
        image.save(out, format=fmt, exif=_exif().tobytes(), xmp=XMP)
    return out.getvalue()


def _pixels(data: bytes) -> bytes:
    return Image.open(io.BytesIO(data)).tobytes()


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_location_goes_and_everything_else_stays(fmt: str) -> None:
    data = _photo(fmt)
    assert GPS_IFD in Image.open(io.BytesIO(data)).getexif() and b"GPSLatitude" in data

    cleaned = without_location(data)

    assert cleaned is not None
    after = Image.open(io.BytesIO(cleaned))
    assert after.format == fmt
    exif = after.getexif()
    assert GPS_IFD not in exif and not exif.get_ifd(GPS_IFD)
    assert exif[imagegen.ORIENTATION_TAG] == 6 and exif[0x010F] == "PhoneCo"
    assert b"GPSLatitude" not in cleaned and b"xmpmeta" not in cleaned
    assert _pixels(cleaned) == _pixels(data)  # the compressed image data was copied, not re-encoded
    assert without_location(cleaned) is None  # nothing left to remove


def test_images_without_location_are_left_alone() -> None:
    assert without_location(imagegen.jpeg(orientation=3)) is None
    assert without_location(imagegen.png()) is None
    assert without_location(imagegen.webp()) is None
    assert without_location(b"not an image at all") is None


@pytest.fixture(params=["local", "s3"])
def app_client(
    request: pytest.FixtureRequest, make_client: Callable[..., TestClient], monkeypatch: pytest.MonkeyPatch
) -> TestClient:
    if request.param == "local":
        return make_client()
    url: str = request.getfixturevalue("moto_url")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    import boto3  # type: ignore[import-untyped]

    s3 = boto3.client("s3", endpoint_url=url, region_name="ap-northeast-2")
    if BUCKET not in [b["Name"] for b in s3.list_buckets().get("Buckets", [])]:
        s3.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "ap-northeast-2"})
    return make_client(s3_bucket=BUCKET, s3_endpoint_url=url)


def test_the_ticket_path_original_has_no_gps_once_scanned(app_client: TestClient) -> None:
    client = app_client
    headers = login(client)
    photo = imagegen.jpeg(80, 40, orientation=6, gps=1)
    ticket = client.post("/api/v1/uploads", json={"content_type": "image/jpeg"}, headers=headers).json()
    files = {"file": ("p.jpg", photo, "image/jpeg")}
    if ticket["url"].startswith("http://testserver"):
        status = client.post(ticket["url"], data=ticket["fields"], files=files).status_code
    else:  # the presigned POST goes to the bucket, the API never sees the bytes
        status = httpx.post(ticket["url"], data=ticket["fields"], files=files, timeout=10).status_code
    assert status in (200, 201, 204), status
    storage = client.app.state.context.storage  # type: ignore[attr-defined]
    assert GPS_IFD in Image.open(io.BytesIO(storage.get(ticket["key"]))).getexif()  # as uploaded

    created = client.post("/api/v1/scans", json={"upload_key": ticket["key"]}, headers=headers)
    assert created.status_code == 202, created.text
    assert wait_for_scan(client, headers, created.json()["id"])["status"] == "done"

    original = storage.get(ticket["key"])
    exif = Image.open(io.BytesIO(original)).getexif()
    assert GPS_IFD not in exif and exif[imagegen.ORIENTATION_TAG] == 6
    assert _pixels(original) == _pixels(photo)


def test_exif_that_cannot_be_parsed_is_dropped_whole() -> None:
    """Damaged EXIF cannot be shown to be free of GPS: the whole APP1 goes, the pixels stay."""
    photo = imagegen.jpeg(40, 30)
    damaged = b"Exif\x00\x00MM\x00\x2a\xff\xff\xff\xff"  # an IFD offset far past the end
    segment = b"\xff\xe1" + (len(damaged) + 2).to_bytes(2, "big") + damaged
    data = photo[:2] + segment + photo[2:]
    cleaned = without_location(data)
    assert cleaned is not None and damaged not in cleaned
    assert _pixels(cleaned) == _pixels(photo)
