"""Row 2 and 3 of issue 15: bodies are refused while they stream, before anything is kept."""

from __future__ import annotations

import contextlib
import select
import socket
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.http.body_limit import FORM_OVERHEAD_BYTES
from tests.api.http.asgi import call
from tests.api.scans.conftest import login
from tests.web.conftest import LiveServer

CHUNK = 64 * 1024
FIFTY_MB = 50 * 1024 * 1024
ONE_GIB = 1024**3


def _json_body(total: int) -> Iterator[bytes]:
    """`{"refresh_token": "aaaa…"}` of `total` bytes, generated as it is pulled."""
    yield b'{"refresh_token": "'
    sent = 19
    while sent < total - 2:
        size = min(CHUNK, total - 2 - sent)
        yield b"a" * size
        sent += size
    yield b'"}'


def test_fifty_megabyte_json_is_refused_after_the_limit_not_after_the_body(
    make_client: Callable[..., TestClient],
) -> None:
    app = make_client().app
    settings = app.state.context.settings  # type: ignore[attr-defined]
    exchange = call(
        app, "POST", "/api/v1/auth/refresh", _json_body(FIFTY_MB), {"content-type": "application/json"}
    )
    assert exchange.status == 413, exchange.body
    assert exchange.json()["code"] == "payload_too_large"
    # The app stopped pulling one chunk past the limit: 128 KiB of the 50 MB were ever read.
    assert exchange.pulled_bytes <= settings.request_body_max_bytes + CHUNK
    assert not exchange.body_finished


def test_declared_content_length_over_the_limit_is_answered_before_any_byte_is_sent(
    make_live_server: Callable[..., LiveServer],
) -> None:
    server = make_live_server()
    host, port = server.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=30) as conn:
        conn.sendall(
            b"POST /api/v1/auth/refresh HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            + f"Content-Length: {FIFTY_MB}\r\n\r\n".encode()
        )
        # Not one body byte sent: the answer can only come from the declared length. The server
        # closes the connection after it (it will not read the rest), so read to the end.
        received = b""
        while chunk := conn.recv(4096):
            received += chunk
        answer = received.decode("latin-1")
    assert answer.startswith("HTTP/1.1 413 "), answer
    assert "payload_too_large" in answer


def test_small_json_bodies_still_pass(make_client: Callable[..., TestClient]) -> None:
    client = make_client()
    response = client.post("/api/v1/auth/dev/token", json={"nickname": "민지"})
    assert response.status_code == 200
    assert client.post("/api/v1/auth/refresh", json={"refresh_token": "x" * 4000}).status_code == 401


def _upload_form(
    fields: dict[str, str], file_bytes: int, boundary: str = "edgeboundary", chunk: int = CHUNK
) -> Iterator[bytes]:
    for name, value in fields.items():
        yield (f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n').encode()
    yield (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.jpg"\r\n'
        "Content-Type: image/jpeg\r\n\r\n"
    ).encode()
    sent = 0
    while sent < file_bytes:
        yield b"\xff" * chunk
        sent += chunk
    yield f"\r\n--{boundary}--\r\n".encode()


@pytest.fixture
def private_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Where Python's temporary files (Starlette spools form files there) go during the test."""
    directory = tmp_path / "spool"
    directory.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(directory))
    return directory


def _files(root: Path) -> list[Path]:
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


def test_unauthenticated_gigabyte_upload_is_refused_before_anything_is_written(
    make_client: Callable[..., TestClient], private_tmp: Path
) -> None:
    app = make_client().app
    settings = app.state.context.settings  # type: ignore[attr-defined]
    forged = {"key": "uploads/" + "a" * 32 + "/" + "b" * 32 + ".jpg", "Content-Type": "image/jpeg",
              "expires": "9999999999", "max_bytes": str(ONE_GIB), "signature": "0" * 64}  # fmt: skip
    content_type = {"content-type": "multipart/form-data; boundary=edgeboundary"}
    for fields in (forged, {}):
        exchange = call(app, "POST", "/api/v1/uploads/local", _upload_form(fields, ONE_GIB), content_type)
        assert (exchange.status, exchange.json()["code"]) == (403, "upload_signature_invalid")
        # Refused at the file part's headers: the gigabyte itself was never pulled.
        assert exchange.pulled_bytes < 2 * CHUNK
    assert _files(private_tmp) == []
    assert _files(settings.storage_dir) == []


def test_declared_gigabyte_upload_is_413_at_once(make_client: Callable[..., TestClient]) -> None:
    app = make_client().app
    headers = {"content-type": "multipart/form-data; boundary=edgeboundary", "content-length": str(ONE_GIB)}
    exchange = call(app, "POST", "/api/v1/uploads/local", _upload_form({}, ONE_GIB), headers)
    assert (exchange.status, exchange.json()["code"]) == (413, "payload_too_large")
    assert exchange.pulled_bytes == 0


def test_a_signed_upload_over_its_ticket_stops_at_the_ticket_size(
    make_client: Callable[..., TestClient], private_tmp: Path
) -> None:
    client = make_client(upload_max_bytes=256 * 1024)
    login = client.post("/api/v1/auth/dev/token", json={"nickname": "tester"}).json()
    headers = {"Authorization": f"Bearer {login['access_token']}"}
    ticket = client.post("/api/v1/uploads", json={"content_type": "image/jpeg"}, headers=headers).json()
    content_type = {"content-type": "multipart/form-data; boundary=edgeboundary"}
    form = _upload_form(ticket["fields"], ONE_GIB, chunk=16 * 1024)
    exchange = call(client.app, "POST", "/api/v1/uploads/local", form, content_type)
    assert (exchange.status, exchange.json()["code"]) == (413, "image_too_large")
    assert exchange.pulled_bytes <= ticket["max_bytes"] + FORM_OVERHEAD_BYTES
    assert _files(private_tmp) == []
    storage_dir = client.app.state.context.settings.storage_dir  # type: ignore[attr-defined]
    assert _files(storage_dir) == []


def test_a_signed_traversal_key_is_a_clean_422(make_client: Callable[..., TestClient]) -> None:
    from api.storage import sign_local_upload

    client = make_client()
    settings = client.app.state.context.settings  # type: ignore[attr-defined]
    url = "/api/v1/uploads/local"
    for key in ("uploads/../../../etc/passwd.jpg", "../outside.jpg", "uploads/a/b.jpg", "/abs.jpg"):
        fields = {"key": key, "Content-Type": "image/jpeg", "expires": "9999999999", "max_bytes": "1000"}
        fields["signature"] = sign_local_upload(settings, key, "image/jpeg", 9999999999, 1000)
        response = client.post(url, data=fields, files={"file": ("p.jpg", b"\xff\xd8\xff", "image/jpeg")})
        assert (response.status_code, response.json()["code"]) == (422, "invalid_upload_key"), key
    assert not (settings.data_dir / "outside.jpg").exists()


def test_image_routes_allow_a_large_form_but_only_small_json(make_client: Callable[..., TestClient]) -> None:
    client = make_client()
    headers = login(client)
    json_body = call(client.app, "POST", "/api/v1/scans", _json_body(1024 * 1024),
                     {**headers, "content-type": "application/json"})  # fmt: skip
    assert (json_body.status, json_body.json()["code"]) == (413, "payload_too_large")
    image = b"\xff\xd8" + b"\x00" * (1024 * 1024)  # 1 MiB: past the JSON limit, far below the upload one
    form = client.post("/api/v1/scans", files={"image": ("p.jpg", image, "image/jpeg")}, headers=headers)
    # Through the edge: the route's own image check is what refuses it.
    assert (form.status_code, form.json()["code"]) == (415, "unsupported_image_type"), form.text


def test_a_client_that_goes_away_mid_body_runs_nothing_and_leaves_nothing(
    make_client: Callable[..., TestClient], private_tmp: Path
) -> None:
    client = make_client()
    headers = login(client)
    truncated = iter([b'{"content_type": "image/jpeg"'])  # the rest never comes
    exchange = call(client.app, "POST", "/api/v1/uploads", truncated,
                    {**headers, "content-type": "application/json"}, disconnect=True)  # fmt: skip
    assert (exchange.status, exchange.json()["code"]) == (400, "request_incomplete")  # the route never ran
    ticket = client.post("/api/v1/uploads", json={"content_type": "image/jpeg"}, headers=headers).json()
    content_type = {"content-type": "multipart/form-data; boundary=edgeboundary"}
    form = _upload_form(ticket["fields"], 4 * CHUNK)
    partial = iter(list(form)[:-2])  # the file's last chunk and the closing boundary never come
    exchange = call(client.app, "POST", "/api/v1/uploads/local", partial, content_type, disconnect=True)
    assert exchange.status == 400
    storage_dir = client.app.state.context.settings.storage_dir  # type: ignore[attr-defined]
    assert _files(private_tmp) == [] and _files(storage_dir) == []


def test_unauthenticated_gigabyte_upload_over_http_is_answered_long_before_it_is_sent(
    make_live_server: Callable[..., LiveServer], private_tmp: Path
) -> None:
    """The same over a real socket to uvicorn, chunked: the 403 arrives while the client is still
    sending, and the client stops at the first sign of it."""
    server = make_live_server()
    host, port = server.url.removeprefix("http://").split(":")
    forged = {"key": "uploads/" + "a" * 32 + "/" + "b" * 32 + ".jpg", "Content-Type": "image/jpeg",
              "expires": "9999999999", "max_bytes": str(ONE_GIB), "signature": "0" * 64}  # fmt: skip
    sent = 0
    with socket.create_connection((host, int(port)), timeout=30) as conn:
        conn.sendall(
            b"POST /api/v1/uploads/local HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
            b"Content-Type: multipart/form-data; boundary=edgeboundary\r\n\r\n"
        )
        with contextlib.suppress(OSError):  # the server closes the connection after its answer
            for chunk in _upload_form(forged, ONE_GIB):
                readable, _, _ = select.select([conn], [], [], 0)
                if readable:
                    break
                conn.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                sent += len(chunk)
        received = _read_response(conn)
    assert received.startswith(b"HTTP/1.1 403 "), received[:200]
    assert b"upload_signature_invalid" in received
    assert sent < ONE_GIB // 4  # in practice a few MiB: what the socket buffers took
    assert _files(private_tmp) == []
    assert _files(server.context.settings.storage_dir) == []


def _read_response(conn: socket.socket) -> bytes:
    """One HTTP/1.1 response with a Content-Length (the server may keep the connection open)."""
    received = b""
    while b"\r\n\r\n" not in received:
        data = conn.recv(4096)
        if not data:
            return received
        received += data
    head, _, body = received.partition(b"\r\n\r\n")
    length = next(int(line.split(b":", 1)[1]) for line in head.split(b"\r\n")
                  if line.lower().startswith(b"content-length:"))  # fmt: skip
    while len(body) < length and (data := conn.recv(4096)):
        body += data
    return head + b"\r\n\r\n" + body


def test_anonymous_scan_form_is_refused_before_its_body_is_read(
    make_client: Callable[..., TestClient], private_tmp: Path
) -> None:
    """FastAPI reads a form before any dependency runs; the scan form's route checks the token first."""
    client = make_client()
    app = client.app
    content_type = {"content-type": "multipart/form-data; boundary=edgeboundary"}
    for headers in ({}, {"authorization": "Bearer not-a-token"}):
        exchange = call(
            app, "POST", "/api/v1/scans", _upload_form({}, 8 * 1024 * 1024), content_type | headers
        )
        assert (exchange.status, exchange.json()["code"]) == (401, "unauthorized")
        assert exchange.pulled_bytes == 0
    assert _files(private_tmp) == []
    signed_in = call(app, "POST", "/api/v1/scans", _upload_form({}, CHUNK), content_type | login(client))
    assert (signed_in.status, signed_in.json()["code"]) == (422, "image_required")  # read, then checked
