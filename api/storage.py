"""Where images live: a local directory (embedded profile) or an S3 bucket.

Both hand out a *form upload* the same way (`url` + `fields`, multipart POST with the file last),
so a client has one code path: S3 gets a presigned POST whose policy carries
`content-length-range` and `Content-Type` conditions; local storage gets an HMAC-signed form that
the API itself accepts at `POST /api/v1/uploads/local`.
"""

from __future__ import annotations

import hashlib
import hmac
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, Protocol

from api.domain_errors import Unavailable
from api.settings import Settings

LOCAL_UPLOAD_PATH = "/api/v1/uploads/local"
COPY_CHUNK = 1024 * 1024  # a file being stored is copied in pieces this large


@dataclass(frozen=True)
class PresignedUpload:
    url: str
    fields: dict[str, str]
    expires_at: int


class Storage(Protocol):
    def put(self, key: str, data: bytes | BinaryIO, content_type: str) -> None:
        """Store `data`: bytes, or a seekable file read from its start in chunks (never whole)."""
        ...

    def get(self, key: str) -> bytes | None: ...
    def head(self, key: str) -> int | None:
        """The object's size in bytes, or None when it does not exist."""
        ...

    def delete(self, key: str) -> None: ...
    def delete_prefix(self, prefix: str) -> int:
        """Delete every object whose key starts with `prefix` (a folder, ending in `/`); the count."""
        ...

    def presign_upload(
        self, key: str, *, content_type: str, max_bytes: int, ttl: int, base_url: str
    ) -> PresignedUpload: ...


def _signing_key(settings: Settings) -> bytes:
    return hmac.new(
        settings.jwt_secret.get_secret_value().encode(), b"local-uploads", hashlib.sha256
    ).digest()


def sign_local_upload(settings: Settings, key: str, content_type: str, expires: int, max_bytes: int) -> str:
    message = f"{key}\n{content_type}\n{expires}\n{max_bytes}".encode()
    return hmac.new(_signing_key(settings), message, hashlib.sha256).hexdigest()


def verify_local_upload(
    settings: Settings, *, key: str, content_type: str, expires: int, max_bytes: int, signature: str
) -> bool:
    expected = sign_local_upload(settings, key, content_type, expires, max_bytes)
    return hmac.compare_digest(expected, signature) and expires >= int(time.time())


def _folder(prefix: str) -> str:
    """A prefix of at least one path segment ending in `/`: `""` or `"scans"` would reach too far."""
    if not prefix.strip("/") or not prefix.endswith("/") or ".." in prefix.split("/"):
        raise ValueError(f"invalid storage prefix {prefix!r}: a folder such as 'scans/<user>/'")
    return prefix


class LocalStorage:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.root = settings.storage_dir

    def _path(self, key: str) -> Path:
        path = (self.root / key).resolve()
        if not path.is_relative_to(self.root.resolve()):
            raise ValueError(f"invalid storage key {key!r}")
        return path

    def put(self, key: str, data: bytes | BinaryIO, content_type: str) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(path.suffix + ".part")
        if isinstance(data, bytes):
            tmp.write_bytes(data)
        else:
            data.seek(0)
            with tmp.open("wb") as out:
                shutil.copyfileobj(data, out, COPY_CHUNK)
        tmp.replace(path)

    def get(self, key: str) -> bytes | None:
        path = self._path(key)
        return path.read_bytes() if path.is_file() else None

    def head(self, key: str) -> int | None:
        path = self._path(key)
        return path.stat().st_size if path.is_file() else None

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def delete_prefix(self, prefix: str) -> int:
        folder = self._path(_folder(prefix))
        if not folder.is_dir():
            return 0
        files = [path for path in folder.rglob("*") if not path.is_dir()]
        for path in files:  # `.part` leftovers of an interrupted put included
            path.unlink(missing_ok=True)
        for path in sorted(folder.rglob("*"), reverse=True):  # deepest first
            path.rmdir()
        folder.rmdir()
        return len(files)

    def presign_upload(
        self, key: str, *, content_type: str, max_bytes: int, ttl: int, base_url: str
    ) -> PresignedUpload:
        expires = int(time.time()) + ttl
        signature = sign_local_upload(self.settings, key, content_type, expires, max_bytes)
        fields = {
            "key": key,
            "Content-Type": content_type,
            "expires": str(expires),
            "max_bytes": str(max_bytes),
            "signature": signature,
        }
        return PresignedUpload(
            url=base_url.rstrip("/") + LOCAL_UPLOAD_PATH, fields=fields, expires_at=expires
        )


_MISSING = ("NoSuchKey", "404", "NotFound")


class StorageUnavailable(Unavailable):
    """S3 failed (unreachable, credentials, permissions): the client may retry."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail, code="storage_unavailable")


class S3Storage:
    def __init__(self, settings: Settings) -> None:
        import boto3  # type: ignore[import-untyped]
        from botocore.config import Config  # type: ignore[import-untyped]

        assert settings.s3_bucket is not None
        self.bucket = settings.s3_bucket
        self.session: Any = boto3.session.Session()
        self.client: Any = self.session.client(
            "s3",
            region_name=settings.aws_region,
            endpoint_url=settings.s3_endpoint_url,
            config=Config(signature_version="s3v4", retries={"max_attempts": 3, "mode": "standard"}),
        )

    def _call(self, operation: str, *, missing_ok: bool = False, **kwargs: Any) -> Any:
        """Run one S3 operation; None for a missing key when `missing_ok`, else StorageUnavailable."""
        from botocore.exceptions import BotoCoreError, ClientError  # type: ignore[import-untyped]

        try:
            return getattr(self.client, operation)(Bucket=self.bucket, **kwargs)
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code")
            if missing_ok and code in _MISSING:
                return None
            raise StorageUnavailable(f"image storage refused {operation}: {code}") from None
        except BotoCoreError as exc:
            raise StorageUnavailable(f"image storage unavailable: {exc}") from None

    def put(self, key: str, data: bytes | BinaryIO, content_type: str) -> None:
        if not isinstance(data, bytes):
            data.seek(0)  # botocore streams a seekable file (and seeks back itself for a retry)
        self._call("put_object", Key=key, Body=data, ContentType=content_type)

    def get(self, key: str) -> bytes | None:
        response = self._call("get_object", missing_ok=True, Key=key)
        if response is None:
            return None
        body: bytes = response["Body"].read()
        return body

    def head(self, key: str) -> int | None:
        response = self._call("head_object", missing_ok=True, Key=key)
        return None if response is None else int(response["ContentLength"])

    def delete(self, key: str) -> None:
        self._call("delete_object", Key=key)

    def delete_prefix(self, prefix: str) -> int:
        """List and delete in pages of at most 1000 keys (the `DeleteObjects` limit)."""
        deleted, token = 0, None
        while True:
            page: dict[str, Any] = self._call(
                "list_objects_v2", Prefix=_folder(prefix), **({"ContinuationToken": token} if token else {})
            )
            keys = [{"Key": item["Key"]} for item in page.get("Contents", [])]
            if keys:
                result = self._call("delete_objects", Delete={"Objects": keys, "Quiet": True})
                if result.get("Errors"):
                    first = result["Errors"][0]
                    raise StorageUnavailable(f"image storage refused to delete {first.get('Key')}: "
                                             f"{first.get('Code')}")  # fmt: skip
                deleted += len(keys)
            token = page.get("NextContinuationToken")
            if not page.get("IsTruncated") or not token:
                return deleted

    def presign_upload(
        self, key: str, *, content_type: str, max_bytes: int, ttl: int, base_url: str
    ) -> PresignedUpload:
        if self.session.get_credentials() is None:  # botocore would fail with an AttributeError
            raise StorageUnavailable("no AWS credentials to sign uploads with")
        post: dict[str, Any] = self._call(
            "generate_presigned_post",
            Key=key,
            Fields={"Content-Type": content_type},
            Conditions=[{"Content-Type": content_type}, ["content-length-range", 1, max_bytes]],
            ExpiresIn=ttl,
        )
        return PresignedUpload(
            url=post["url"], fields=dict(post["fields"]), expires_at=int(time.time()) + ttl
        )


def make_storage(settings: Settings) -> Storage:
    """S3 when `WASTE_S3_BUCKET` is set, else the local directory."""
    if settings.s3_bucket:
        return S3Storage(settings)
    return LocalStorage(settings)
