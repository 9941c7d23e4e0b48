"""S3 presigned POST uploads against a moto server over HTTP (moto does not enforce the policy,
so the policy's conditions are checked by decoding it; the upload, HEAD and scan are real)."""

from __future__ import annotations

import base64
import json
import shutil
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from tests.api.scans import imagegen
from tests.api.scans.conftest import login, wait_for_scan

BUCKET = "waste-test-images"


@pytest.fixture(scope="module")
def moto_url() -> Iterator[str]:
    binary = shutil.which("moto_server") or str(Path(sys.executable).parent / "moto_server")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    process = subprocess.Popen(  # our own venv's moto server, loopback only
        [binary, "-H", "127.0.0.1", "-p", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            httpx.get(url + "/moto-api/", timeout=1)
            break
        except httpx.HTTPError:
            time.sleep(0.1)
    yield url
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture
def s3_client(
    moto_url: str, make_client: Callable[..., TestClient], monkeypatch: pytest.MonkeyPatch
) -> TestClient:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    import boto3  # type: ignore[import-untyped]

    s3 = boto3.client("s3", endpoint_url=moto_url, region_name="ap-northeast-2")
    existing = [b["Name"] for b in s3.list_buckets().get("Buckets", [])]
    if BUCKET not in existing:
        s3.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "ap-northeast-2"})
    return make_client(s3_bucket=BUCKET, s3_endpoint_url=moto_url)


def test_presigned_post_carries_size_and_type_conditions(s3_client: TestClient) -> None:
    headers = login(s3_client)
    response = s3_client.post("/api/v1/uploads", json={"content_type": "image/png"}, headers=headers)
    assert response.status_code == 201, response.text
    ticket = response.json()
    assert ticket["url"].startswith("http://127.0.0.1:") and BUCKET in ticket["url"]
    fields = ticket["fields"]
    assert fields["key"] == ticket["key"] and fields["Content-Type"] == "image/png"
    assert {"policy", "x-amz-signature", "x-amz-credential", "x-amz-algorithm"} <= set(fields)
    policy = json.loads(base64.b64decode(fields["policy"]))
    conditions = policy["conditions"]
    assert ["content-length-range", 1, 10 * 1024 * 1024] in conditions
    assert {"Content-Type": "image/png"} in conditions
    assert {"key": ticket["key"]} in conditions and {"bucket": BUCKET} in conditions
    expires = datetime.strptime(policy["expiration"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    assert 14 * 60 < (expires - datetime.now(UTC)).total_seconds() <= 15 * 60
    me = s3_client.get("/api/v1/users/me", headers=headers).json()
    assert ticket["key"].startswith(f"uploads/{me['id'].replace('-', '')}/")
    # The local form endpoint is off when images go to S3.
    local = s3_client.post("/api/v1/uploads/local", data={"key": "x"}, files={"file": ("a", b"1")})
    assert local.status_code in (404, 422)


def test_upload_to_s3_then_scan(s3_client: TestClient) -> None:
    headers = login(s3_client)
    ticket = s3_client.post("/api/v1/uploads", json={"content_type": "image/jpeg"}, headers=headers).json()
    missing = s3_client.post("/api/v1/scans", json={"upload_key": ticket["key"]}, headers=headers)
    assert (missing.status_code, missing.json()["code"]) == (409, "upload_missing")  # HEAD said: not there

    sent = httpx.post(
        ticket["url"],
        data=ticket["fields"],
        files={"file": ("p.jpg", imagegen.jpeg(), "image/jpeg")},
        timeout=10,
    )
    assert sent.status_code in (200, 201, 204), sent.text
    created = s3_client.post(
        "/api/v1/scans", json={"upload_key": ticket["key"], "note": "신문지"}, headers=headers
    )
    assert created.status_code == 202, created.text
    scan = wait_for_scan(s3_client, headers, created.json()["id"])
    assert scan["status"] == "done" and scan["result"]["items"][0]["category_id"] == "paper"
    storage = s3_client.app.state.context.storage  # type: ignore[attr-defined]
    assert storage.head(ticket["key"]) is not None
    # The cleaned copy the analyser reads is in the bucket too, EXIF-free and re-encoded.
    cleaned = [key for key in _keys(storage) if key.startswith("scans/")]
    assert len(cleaned) == 1 and storage.get(cleaned[0]).startswith(b"\xff\xd8")


def _keys(storage: object) -> list[str]:
    client = storage.client  # type: ignore[attr-defined]
    listing = client.list_objects_v2(Bucket=BUCKET)
    return [item["Key"] for item in listing.get("Contents", [])]


def test_storage_outage_is_a_clear_503(
    make_client: Callable[..., TestClient], monkeypatch: pytest.MonkeyPatch
) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{sock.getsockname()[1]}"
    monkeypatch.delenv("AWS_ACCESS_KEY_ID", raising=False)
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY", raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    client = make_client(s3_bucket=BUCKET, s3_endpoint_url=closed)
    headers = login(client)
    no_credentials = client.post("/api/v1/uploads", json={"content_type": "image/jpeg"}, headers=headers)
    assert (no_credentials.status_code, no_credentials.json()["code"]) == (503, "storage_unavailable")

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    client = make_client(s3_bucket=BUCKET, s3_endpoint_url=closed)
    headers = login(client, "outage")
    ticket = client.post("/api/v1/uploads", json={"content_type": "image/jpeg"}, headers=headers)
    assert ticket.status_code == 201  # signing needs no network
    response = client.post("/api/v1/scans", json={"upload_key": ticket.json()["key"]}, headers=headers)
    assert (response.status_code, response.json()["code"]) == (503, "storage_unavailable")


def test_a_multipart_scan_is_streamed_to_s3(s3_client: TestClient) -> None:
    """The form's spooled file goes to the bucket as it is (then the worker's cleaned copy)."""
    headers = login(s3_client, "multipart")
    image = imagegen.jpeg()
    created = s3_client.post(
        "/api/v1/scans",
        files={"image": ("p.jpg", image, "image/jpeg")},
        data={"note": "신문지"},
        headers=headers,
    )
    assert created.status_code == 202, created.text
    scan = wait_for_scan(s3_client, headers, created.json()["id"])
    assert scan["status"] == "done"
    storage = s3_client.app.state.context.storage  # type: ignore[attr-defined]
    mine = [key for key in _keys(storage) if key.startswith("scans/") and uuid.UUID(scan["id"]).hex in key]
    assert len(mine) == 1 and storage.get(mine[0]).startswith(b"\xff\xd8")  # the original went after it
