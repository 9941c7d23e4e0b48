"""`POST /uploads` hands out a form upload; `POST /uploads/local` receives it on the embedded profile."""

from __future__ import annotations

import re
import uuid
from typing import Any

from fastapi import APIRouter, Request, Response

from api.auth.deps import CurrentUser
from api.auth.limits import upload_rate_limit
from api.deps import SessionDep, SettingsDep, StorageDep
from api.errors import ApiError, error_responses
from api.ratelimit import local_upload_rate_limit
from api.settings import Settings
from api.storage import LocalStorage, verify_local_upload
from api.uploads.images import ALLOWED_CONTENT_TYPES
from api.uploads.local_form import read_local_upload
from api.uploads.models import Upload
from api.uploads.schemas import UploadRequest, UploadTicket

router = APIRouter(prefix="/uploads", tags=["uploads"])

_EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp", "image/heic": "heic"}


@router.post("", status_code=201, response_model=UploadTicket, responses=error_responses(401, 415, 422, 429),
             dependencies=upload_rate_limit)  # fmt: skip
def create_upload(
    *,
    body: UploadRequest,
    request: Request,
    settings: SettingsDep,
    storage: StorageDep,
    session: SessionDep,
    user: CurrentUser,
) -> UploadTicket:
    """A presigned form upload (S3 POST policy, or a signed local form) valid for 15 minutes."""
    content_type = body.content_type.lower().strip()
    if content_type not in ALLOWED_CONTENT_TYPES:
        raise ApiError(415, f"content_type must be one of {', '.join(sorted(ALLOWED_CONTENT_TYPES))}",
                       code="unsupported_media_type")  # fmt: skip
    key = f"uploads/{user.id.hex}/{uuid.uuid4().hex}.{_EXTENSIONS[content_type]}"
    base_url = settings.public_base_url or str(request.base_url)
    ticket = storage.presign_upload(
        key, content_type=content_type, max_bytes=settings.upload_max_bytes,
        ttl=settings.upload_url_ttl_seconds, base_url=base_url,
    )  # fmt: skip
    session.add(Upload(key=key, user_id=user.id, content_type=content_type))
    session.commit()
    return UploadTicket(
        key=key,
        url=ticket.url,
        fields=ticket.fields,
        max_bytes=settings.upload_max_bytes,
        expires_at=ticket.expires_at,
    )


# Documented by hand: the route parses the form itself (api/uploads/local_form.py).
_LOCAL_FORM_SCHEMA: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["key", "Content-Type", "expires", "max_bytes", "signature", "file"],
                    "properties": {
                        "key": {"type": "string", "maxLength": 300},
                        "Content-Type": {"type": "string", "maxLength": 100},
                        "expires": {"type": "integer"},
                        "max_bytes": {"type": "integer"},
                        "signature": {"type": "string", "maxLength": 128},
                        "file": {"type": "string", "format": "binary"},
                    },
                }
            }
        },
    }
}
# The only keys POST /uploads hands out (a signed key is still checked: the signing secret may leak).
_KEY = re.compile(r"uploads/[0-9a-f]{32}/[0-9a-f]{32}\.(jpg|png|webp|heic)")
_SIGNED_FIELDS = ("key", "Content-Type", "expires", "max_bytes", "signature")


def _authorise(settings: Settings, fields: dict[str, str]) -> int:
    """The ticket's byte limit, or 403/422 before a single file byte is kept."""
    missing = [name for name in _SIGNED_FIELDS if name not in fields]
    if missing:
        raise ApiError(403, f"the upload form lacks the signed fields {', '.join(missing)} (before 'file')",
                       code="upload_signature_invalid")  # fmt: skip
    try:
        expires, max_bytes = int(fields["expires"]), int(fields["max_bytes"])
    except ValueError:
        raise ApiError(
            403, "the upload signature is invalid or has expired", code="upload_signature_invalid"
        ) from None
    ok = verify_local_upload(
        settings, key=fields["key"], content_type=fields["Content-Type"], expires=expires,
        max_bytes=max_bytes, signature=fields["signature"],
    )  # fmt: skip
    if not ok:
        raise ApiError(403, "the upload signature is invalid or has expired", code="upload_signature_invalid")
    if not _KEY.fullmatch(fields["key"]):
        raise ApiError(422, "the upload key is not one this API hands out", code="invalid_upload_key")
    return min(max_bytes, settings.upload_max_bytes)


@router.post(
    "/local", status_code=204, openapi_extra=_LOCAL_FORM_SCHEMA,
    responses=error_responses(403, 404, 413, 415, 422, 429), dependencies=local_upload_rate_limit,
)  # fmt: skip
async def receive_local_upload(request: Request, settings: SettingsDep, storage: StorageDep) -> Response:
    """The embedded profile's stand-in for S3: the signed fields, then the file (`multipart/form-data`).
    The signature, expiry and key are checked before any file byte is kept; nothing is written for a
    refused upload."""
    if not isinstance(storage, LocalStorage):
        raise ApiError(404, "local uploads are disabled: images go to S3", code="not_found")
    fields, data = await read_local_upload(request, lambda form: _authorise(settings, form))
    if not data:
        raise ApiError(422, "the uploaded file is empty (0 bytes)", code="empty_image")
    storage.put(fields["key"], data, fields["Content-Type"])
    return Response(status_code=204)
