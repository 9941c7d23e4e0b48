"""`DELETE /users/me` erases the user's scans: rows (scans, events, feedback, uploads) and every
stored object, on local storage and on S3 (a moto server over HTTP); other users keep theirs.
A storage failure answers 503 and deletes nothing from the database."""

from __future__ import annotations

import shutil
import socket
import uuid
from collections.abc import Callable, Iterator

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, text

from api.context import AppContext
from api.scans.erasure import stored_keys
from api.scans.models import Scan, ScanEvent, ScanFeedback
from api.storage import Storage
from api.uploads.models import Upload
from api.users.models import User
from tests.api.scans import imagegen
from tests.api.scans.conftest import login, wait_for_scan

pytestmark = pytest.mark.services
BUCKET = "waste-test-erasure"


@pytest.fixture(params=["local", "s3"])
def storage_kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def app_client(
    storage_kind: str, make_client: Callable[..., TestClient], request: pytest.FixtureRequest,
    monkeypatch: pytest.MonkeyPatch,
) -> TestClient:  # fmt: skip
    if storage_kind == "local":
        return make_client()
    moto_url: str = request.getfixturevalue("moto_url")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    import boto3  # type: ignore[import-untyped]

    s3 = boto3.client("s3", endpoint_url=moto_url, region_name="ap-northeast-2")
    if BUCKET not in [b["Name"] for b in s3.list_buckets().get("Buckets", [])]:
        s3.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "ap-northeast-2"})
    return make_client(s3_bucket=BUCKET, s3_endpoint_url=moto_url)


def _context(client: TestClient) -> AppContext:
    context: AppContext = client.app.state.context  # type: ignore[attr-defined]
    return context


def _storage(client: TestClient) -> Storage:
    return _context(client).storage


def _upload(client: TestClient, headers: dict[str, str], seed: int) -> str:
    """The presigned/signed form flow; the form goes to the API (local) or to the bucket (S3)."""
    ticket = client.post("/api/v1/uploads", json={"content_type": "image/jpeg"}, headers=headers).json()
    files = {"file": ("p.jpg", imagegen.unique_jpeg(seed), "image/jpeg")}
    if ticket["url"].startswith("http://testserver"):
        status = client.post(ticket["url"], data=ticket["fields"], files=files).status_code
    else:  # the moto server, on loopback
        status = httpx.post(ticket["url"], data=ticket["fields"], files=files, timeout=10).status_code
    assert status in (200, 201, 204), status
    key: str = ticket["key"]
    return key


def _scan(
    client: TestClient, headers: dict[str, str], seed: int, note: str, upload_key: str | None = None
) -> str:
    if upload_key:
        created = client.post("/api/v1/scans", json={"upload_key": upload_key, "note": note}, headers=headers)
    else:
        files = {"image": ("x.jpg", imagegen.unique_jpeg(seed), "image/jpeg")}
        created = client.post("/api/v1/scans", files=files, data={"note": note}, headers=headers)
    assert created.status_code == 202, created.text
    scan_id: str = created.json()["id"]
    assert wait_for_scan(client, headers, scan_id)["status"] == "done"
    feedback = client.post(f"/api/v1/scans/{scan_id}/feedback", json={"correct": True}, headers=headers)
    assert feedback.status_code == 201, feedback.text
    return scan_id


def _user_data(client: TestClient, user_id: uuid.UUID) -> tuple[set[str], dict[str, int]]:
    """The user's stored keys and row counts per table."""
    with _context(client).session_factory() as session:
        scan_ids = select(Scan.id).where(Scan.user_id == user_id)
        counts = {
            "scans": session.scalar(select(func.count()).where(Scan.user_id == user_id)),
            "events": session.scalar(select(func.count()).where(ScanEvent.scan_id.in_(scan_ids))),
            "feedback": session.scalar(select(func.count()).where(ScanFeedback.scan_id.in_(scan_ids))),
            "uploads": session.scalar(select(func.count()).where(Upload.user_id == user_id)),
        }
        return stored_keys(session, user_id), {name: int(n or 0) for name, n in counts.items()}


def _me(client: TestClient, headers: dict[str, str]) -> uuid.UUID:
    return uuid.UUID(client.get("/api/v1/users/me", headers=headers).json()["id"])


def test_deleting_an_account_erases_its_scans_and_images(app_client: TestClient) -> None:
    client = app_client
    alice, bob = login(client, "alice"), login(client, "bob")
    alice_id, bob_id = _me(client, alice), _me(client, bob)
    uploaded = _upload(client, alice, 1)
    _scan(client, alice, 1, "신문지", upload_key=uploaded)
    _scan(client, alice, 2, "알루미늄 캔")
    never_used = _upload(client, alice, 3)
    bob_scan = _scan(client, bob, 4, "건전지")

    alice_keys, alice_rows = _user_data(client, alice_id)
    bob_keys, bob_rows = _user_data(client, bob_id)
    assert {uploaded, never_used} < alice_keys and len(alice_keys) == 4  # 2 uploads + 2 cleaned copies
    assert alice_rows == {"scans": 2, "events": 8, "feedback": 2, "uploads": 2}
    storage = _storage(client)
    assert all(storage.head(key) for key in alice_keys | bob_keys)

    assert client.delete("/api/v1/users/me", headers=alice).status_code == 204

    assert [key for key in alice_keys if storage.head(key) is not None] == []
    assert _user_data(client, alice_id) == (set(), dict.fromkeys(alice_rows, 0))
    with _context(client).session_factory() as session:
        assert session.get(User, alice_id) is None
    # Bob keeps everything: rows, files, and a working scan.
    assert _user_data(client, bob_id) == (bob_keys, bob_rows)
    assert all(storage.head(key) for key in bob_keys)
    assert client.get(f"/api/v1/scans/{bob_scan}", headers=bob).json()["status"] == "done"
    assert client.get("/api/v1/users/me/stats", headers=bob).json()["total_scans"] == 1


def test_a_failing_local_storage_deletes_nothing_and_a_retry_finishes(
    make_client: Callable[..., TestClient],
) -> None:
    client = make_client()
    alice = login(client, "alice")
    alice_id = _me(client, alice)
    for seed, note in enumerate(["신문지", "유리병"]):
        _scan(client, alice, seed, note)
    keys, rows = _user_data(client, alice_id)
    # A real filesystem fault: a directory where the image file was cannot be unlinked.
    blocked = _context(client).settings.storage_dir / sorted(keys)[-1]
    blocked.unlink()
    (blocked / "inside").mkdir(parents=True)

    response = client.delete("/api/v1/users/me", headers=alice)
    assert response.status_code == 503, response.text
    assert response.json()["code"] == "storage_unavailable" and response.headers["Retry-After"]
    assert "not deleted" in response.json()["detail"]
    assert client.get("/api/v1/users/me", headers=alice).status_code == 200  # sessions still valid
    assert _user_data(client, alice_id) == (keys, rows)  # every row is still there
    assert client.get("/api/v1/scans", headers=alice).json()["items"]

    shutil.rmtree(blocked)
    assert client.delete("/api/v1/users/me", headers=alice).status_code == 204
    assert _user_data(client, alice_id)[1] == dict.fromkeys(rows, 0)
    assert [key for key in keys if _storage(client).head(key) is not None] == []


def test_s3_down_at_deletion_is_503_and_keeps_the_account(
    moto_url: str, make_client: Callable[..., TestClient], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{sock.getsockname()[1]}"
    client = make_client()  # scans made on local storage...
    alice = login(client, "alice")
    _scan(client, alice, 7, "신문지")
    down = make_client(s3_bucket=BUCKET, s3_endpoint_url=closed)  # ...deleted by an API whose S3 is down
    response = down.delete("/api/v1/users/me", headers=alice)
    assert (response.status_code, response.json()["code"]) == (503, "storage_unavailable")
    assert _user_data(client, _me(client, alice))[1]["scans"] == 1


def _objects(client: TestClient, prefix: str) -> list[str]:
    """Every stored key under `prefix`, listed from the storage itself (not from any row)."""
    settings = _context(client).settings
    if settings.s3_bucket is None:
        root = settings.storage_dir
        return sorted(str(p.relative_to(root)) for p in (root / prefix).rglob("*") if p.is_file())
    import boto3

    s3 = boto3.client("s3", endpoint_url=settings.s3_endpoint_url, region_name="ap-northeast-2")
    listed = s3.list_objects_v2(Bucket=settings.s3_bucket, Prefix=prefix)
    return sorted(item["Key"] for item in listed.get("Contents", []))


def test_deleting_an_account_erases_photos_no_row_points_to(app_client: TestClient) -> None:
    """A process killed between the image PUT and the scan's commit leaves an object without a row;
    an upload can land after its row is gone. Both are under the user's folders and go with them."""
    client = app_client
    alice, bob = login(client, "alice"), login(client, "bob")
    alice_id, bob_id = _me(client, alice), _me(client, bob)
    _scan(client, alice, 11, "신문지")
    _scan(client, bob, 12, "건전지")
    storage = _storage(client)
    orphans = [
        f"scans/{alice_id.hex}/{uuid.uuid4().hex}.jpg",
        f"uploads/{alice_id.hex}/{uuid.uuid4().hex}.png",
    ]
    for key in orphans:
        storage.put(key, imagegen.unique_jpeg(13), "image/jpeg")
    bob_orphan = f"scans/{bob_id.hex}/{uuid.uuid4().hex}.jpg"
    storage.put(bob_orphan, imagegen.unique_jpeg(14), "image/jpeg")
    with _context(client).session_factory() as session:
        assert not set(orphans) & stored_keys(session, alice_id)  # no row points to them
    bob_before = _objects(client, f"scans/{bob_id.hex}/")

    assert client.delete("/api/v1/users/me", headers=alice).status_code == 204

    assert _objects(client, f"scans/{alice_id.hex}/") == []
    assert _objects(client, f"uploads/{alice_id.hex}/") == []
    assert bob_orphan in bob_before and _objects(client, f"scans/{bob_id.hex}/") == bob_before


@pytest.fixture
def refused_insert(app_client: TestClient) -> Iterator[str]:
    """A real database failure at the scan's INSERT: a trigger refuses notes equal to the returned text."""
    marker = "refuse-this-insert"
    engine = _context(app_client).engine
    with engine.begin() as conn:
        conn.execute(text(
            "CREATE OR REPLACE FUNCTION test_refuse_scan() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN RAISE EXCEPTION 'scan insert refused by the test'; END $$"
        ))  # fmt: skip
        conn.execute(text(
            "CREATE TRIGGER test_refuse_scan BEFORE INSERT ON scans FOR EACH ROW "
            f"WHEN (NEW.note = '{marker}') EXECUTE FUNCTION test_refuse_scan()"
        ))  # fmt: skip
    yield marker
    with engine.begin() as conn:
        conn.execute(text("DROP TRIGGER IF EXISTS test_refuse_scan ON scans"))
        conn.execute(text("DROP FUNCTION IF EXISTS test_refuse_scan()"))


def test_a_failed_scan_insert_leaves_no_photo(app_client: TestClient, refused_insert: str) -> None:
    client = app_client
    alice = login(client, "alice")
    alice_id = _me(client, alice)
    files = {"image": ("x.jpg", imagegen.unique_jpeg(15), "image/jpeg")}
    response = client.post("/api/v1/scans", files=files, data={"note": refused_insert}, headers=alice)
    assert response.status_code >= 400
    uploaded = _upload(client, alice, 16)
    response = client.post(
        "/api/v1/scans", json={"upload_key": uploaded, "note": refused_insert}, headers=alice
    )
    assert response.status_code >= 400

    assert _objects(client, f"scans/{alice_id.hex}/") == []  # no cleaned copy of either
    with _context(client).session_factory() as session:
        assert session.scalar(select(func.count()).where(Scan.user_id == alice_id)) == 0
    assert _objects(client, f"uploads/{alice_id.hex}/") == [uploaded]  # the upload, still usable
    assert client.delete("/api/v1/users/me", headers=alice).status_code == 204
    assert _objects(client, f"uploads/{alice_id.hex}/") == []
