"""`POST /uploads` hands out a form upload; `POST /uploads/local` receives it on the embedded profile."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, File, Form, Request, Response, UploadFile

from api.auth.deps import CurrentUser
from api.deps import ContextDep, SessionDep
from api.errors import ApiError, error_responses
from api.ratelimit import local_upload_rate_limit, upload_rate_limit
from api.uploads.images import ALLOWED_CONTENT_TYPES
from api.uploads.models import Upload
from api.uploads.schemas import UploadRequest, UploadTicket
from api.uploads.storage import LocalStorage, verify_local_upload

router = APIRouter(prefix="/uploads", tags=["uploads"])

_EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp", "image/heic": "heic"}


@router.post("", status_code=201, response_model=UploadTicket, responses=error_responses(401, 415, 422, 429),
             dependencies=upload_rate_limit)  # fmt: skip
def create_upload(
    body: UploadRequest, request: Request, context: ContextDep, session: SessionDep, user: CurrentUser
) -> UploadTicket:
    """A presigned form upload (S3 POST policy, or a signed local form) valid for 15 minutes."""
    content_type = body.content_type.lower().strip()
    if content_type not in ALLOWED_CONTENT_TYPES:
        raise ApiError(415, f"content_type must be one of {', '.join(sorted(ALLOWED_CONTENT_TYPES))}",
                       code="unsupported_media_type")  # fmt: skip
    settings = context.settings
    key = f"uploads/{user.id.hex}/{uuid.uuid4().hex}.{_EXTENSIONS[content_type]}"
    base_url = settings.public_base_url or str(request.base_url)
    ticket = context.scans.storage.presign_upload(
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


@router.post("/local", status_code=204, responses=error_responses(403, 404, 413, 422, 429),
             dependencies=local_upload_rate_limit)  # fmt: skip
async def receive_local_upload(  # noqa: PLR0917 - one parameter per form field
    context: ContextDep,
    key: Annotated[str, Form(max_length=300)],
    content_type: Annotated[str, Form(alias="Content-Type", max_length=100)],
    expires: Annotated[int, Form()],
    max_bytes: Annotated[int, Form()],
    signature: Annotated[str, Form(max_length=128)],
    file: Annotated[UploadFile, File()],
) -> Response:
    """The embedded profile's stand-in for S3: checks the signature, size and expiry, then stores."""
    storage = context.scans.storage
    if not isinstance(storage, LocalStorage):
        raise ApiError(404, "local uploads are disabled: images go to S3", code="not_found")
    ok = verify_local_upload(
        context.settings,
        key=key,
        content_type=content_type,
        expires=expires,
        max_bytes=max_bytes,
        signature=signature,
    )
    if not ok:
        raise ApiError(403, "the upload signature is invalid or has expired", code="upload_signature_invalid")
    data = await file.read(max_bytes + 1)
    if not data:
        raise ApiError(422, "the uploaded file is empty (0 bytes)", code="empty_image")
    if len(data) > max_bytes:
        raise ApiError(413, f"the file is larger than {max_bytes} bytes", code="image_too_large")
    storage.put(key, data, content_type)
    return Response(status_code=204)
