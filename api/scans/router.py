"""`/api/v1/scans`: create (JSON with upload_key, or multipart with the image), poll, stream, list."""

from __future__ import annotations

import asyncio
import json
import logging
import time
import uuid
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from typing import Annotated, Any, ClassVar, NoReturn

from fastapi import APIRouter, Depends, File, Form, Header, Query, Request, Response, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, StreamingResponse
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from api.auth.cache import SignedInUser
from api.auth.deps import CurrentUser, LoginFirstRoute, get_signed_in_user
from api.auth.limits import scan_rate_limit
from api.context import AppContext
from api.db import read_in_autocommit
from api.deps import ContextDep, DispatcherDep, SessionDep, SettingsDep, StorageDep
from api.dispatcher import Dispatcher
from api.errors import ApiError, error_responses
from api.http.media_route import Loc, MediaTypeRoute
from api.http.text import check_form_text
from api.scans import answers, maintenance, service
from api.scans.coaching import negotiate, render_result
from api.scans.models import Scan
from api.scans.result_cache import RenderedScan
from api.scans.runtime import ScanRuntimeDep
from api.scans.schemas import (
    AnswerCreate,
    FeedbackCreate,
    FeedbackOut,
    ScanAccepted,
    ScanCreate,
    ScanFailure,
    ScanOut,
    ScanPage,
    ScanResult,
    ScanSummary,
)
from api.scans.status import FINAL_STATUSES, ScanStatus
from api.settings import Settings
from api.storage import Storage
from api.uploads.images import image_size

log = logging.getLogger(__name__)
router = APIRouter(prefix="/scans", tags=["scans"])

EVENTS_POLL_SECONDS = 0.3
EVENTS_MAX_SECONDS = 300.0

_CREATE_RESPONSES = error_responses(401, 403, 404, 409, 413, 415, 422, 429)


class _JsonScanRoute(MediaTypeRoute):
    """`POST /scans` with a JSON `ScanCreate`; any failure of the body is `invalid_body`."""

    media_types = frozenset({"application/json"})
    validation_codes: ClassVar[Mapping[Loc, str]] = {("body",): "invalid_body"}


class _FormScanRoute(LoginFirstRoute, MediaTypeRoute):
    """`POST /scans` with the image in a multipart form; no form is read for an anonymous caller."""

    media_types = frozenset({"multipart/form-data"})
    validation_codes: ClassVar[Mapping[Loc, str]] = {
        ("body", "image"): "image_required",
        ("body", "lat"): "invalid_location",
        ("body", "lng"): "invalid_location",
    }


def _urls(request: Request, scan_id: uuid.UUID) -> tuple[str, str]:
    base = str(request.url_for("get_scan", scan_id=scan_id))
    return base, base + "/events"


IdempotencyKey = Annotated[str | None, Header(alias="Idempotency-Key")]


@dataclass(frozen=True)
class _Creation:
    """What both create endpoints share once their body is read: store the scan and queue it."""

    request: Request
    settings: Settings
    storage: Storage
    dispatcher: Dispatcher
    session: Session
    user: SignedInUser
    idempotency_key: str | None

    async def create(self, data: service.ScanInput) -> JSONResponse:
        scan, created = await run_in_threadpool(
            service.create_scan,
            session=self.session,
            storage=self.storage,
            settings=self.settings,
            user_id=self.user.id,
            data=data,
            idempotency_key=self.idempotency_key,
        )
        if created:
            try:
                # Off the event loop: a confirmed publish waits for the broker (a second or two at
                # most when it is down; then the background re-publisher of api.tasks.publisher
                # takes over).
                await run_in_threadpool(self.dispatcher.enqueue_scan, scan.id)
            except Exception:
                # Not expected (publish failures are handed over); the scan is stored as queued and
                # the beat sweep re-enqueues stuck scans, so nothing is lost.
                log.exception("could not enqueue scan %s; left queued for the stuck-scan sweep", scan.id)
        result_url, events_url = _urls(self.request, scan.id)
        body = ScanAccepted(id=scan.id, status=scan.status, result_url=result_url, events_url=events_url)
        return JSONResponse(body.model_dump(mode="json"), status_code=202, headers={"Location": result_url})


async def _creation(  # noqa: PLR0917 (FastAPI dependencies are positional parameters)
    request: Request,
    settings: SettingsDep,
    storage: StorageDep,
    dispatcher: DispatcherDep,
    session: SessionDep,
    user: CurrentUser,
    idempotency_key: IdempotencyKey = None,
) -> _Creation:
    """Async so that gathering them costs no worker thread (a sync dependency runs in one)."""
    return _Creation(request, settings, storage, dispatcher, session, user, idempotency_key)


CreationDep = Annotated[_Creation, Depends(_creation)]


async def create_scan(body: ScanCreate, creation: CreationDep) -> JSONResponse:
    """Queue a scan of an uploaded image (`upload_key` from `POST /uploads`), or of the image itself
    sent as a multipart form (`image`, with `note`, `lat`, `lng` as form fields). The same
    `Idempotency-Key` returns the same scan."""
    return await creation.create(
        service.ScanInput(upload_key=body.upload_key, image=None, note=body.note, lat=body.lat, lng=body.lng)
    )


async def create_scan_form(
    image: Annotated[UploadFile, File()],
    creation: CreationDep,
    note: Annotated[str | None, Form()] = None,
    lat: Annotated[float | None, Form()] = None,
    lng: Annotated[float | None, Form()] = None,
) -> JSONResponse:
    """The multipart form of `create_scan` (the OpenAPI schema shows both as one operation).

    The image is not read into memory: the form parser spooled it to a temporary file (in memory up
    to 1 MiB, on disk beyond), which is checked and copied to storage in pieces from there.
    """
    max_bytes = creation.settings.upload_max_bytes
    size = image.size if image.size is not None else image_size(image.file)
    if size > max_bytes:
        raise ApiError(413, f"the image is larger than {max_bytes} bytes", code="image_too_large")
    check_form_text("note", note)
    data = service.ScanInput(upload_key=None, image=image.file, note=note, lat=lat, lng=lng)
    return await creation.create(data)


async def create_scan_unsupported() -> NoReturn:
    """Any other `Content-Type` (or none): 415, after the same login and rate limit as the others."""
    raise ApiError(415, "send application/json with upload_key, or multipart/form-data with image",
                   code="unsupported_media_type")  # fmt: skip


# In this order: the router tries them one after the other, and the last takes whatever the
# media-type routes turned down.
router.add_api_route(
    "", create_scan, methods=["POST"], route_class_override=_JsonScanRoute, status_code=202,
    response_model=ScanAccepted, responses=_CREATE_RESPONSES, dependencies=scan_rate_limit,
)  # fmt: skip
# One image and the few text fields (`note`, `lat`, `lng`, room for a client's extras); a text
# field up to Starlette's default 1 MiB (a note is refused far below that, `note_too_long`). Past
# these, Starlette refuses the form with 400 before the route runs.
router.add_api_route(
    "", create_scan_form, methods=["POST"], route_class_override=_FormScanRoute, status_code=202,
    response_model=ScanAccepted, responses=_CREATE_RESPONSES, dependencies=scan_rate_limit,
    form_limits={"max_files": 1, "max_fields": 10, "max_part_size": 1024 * 1024},
)  # fmt: skip
router.add_api_route(
    "", create_scan_unsupported, methods=["POST"], include_in_schema=False,
    response_model=None, dependencies=[*scan_rate_limit, Depends(get_signed_in_user)],
)  # fmt: skip


AcceptLanguage = Annotated[str | None, Header(alias="Accept-Language")]


def _scan_out(scan: Scan, lang: str = "ko") -> ScanOut:
    failure = None
    if scan.status == ScanStatus.failed:
        failure = ScanFailure(code=scan.failure_code or "failed", reason=scan.failure_reason or "")
    return ScanOut(
        id=scan.id,
        status=scan.status,
        note=scan.note,
        lat=scan.lat,
        lng=scan.lng,
        created_at=scan.created_at,
        finished_at=scan.finished_at,
        result=ScanResult.model_validate(render_result(scan.result, lang)) if scan.result else None,
        failure=failure,
    )


@router.get("", response_model=ScanPage, responses=error_responses(401, 422))
def list_scans(
    session: SessionDep,
    user: CurrentUser,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> ScanPage:
    """The caller's scans, newest first; pass `next_cursor` back as `cursor`."""
    rows, next_cursor = service.list_scans(session, user.id, cursor, limit)
    items = []
    for scan in rows:
        top = (scan.result or {}).get("items") or [{}]
        items.append(
            ScanSummary(
                id=scan.id,
                status=scan.status,
                note=scan.note,
                created_at=scan.created_at,
                top_label=top[0].get("label"),
                top_category_id=top[0].get("category_id"),
            )
        )
    return ScanPage(items=items, next_cursor=next_cursor)


@router.get(
    "/{scan_id}",
    response_model=ScanOut,
    responses={
        202: {"model": ScanOut, "description": "still running; poll again after Retry-After"},
        **error_responses(401, 404),
    },
)
async def get_scan(
    scan_id: uuid.UUID, context: ContextDep, user: CurrentUser, accept_language: AcceptLanguage = None
) -> Response:
    """200 with the result (or failure) when finished; 202 + `Retry-After` while pending.

    The result is in Korean, or English when `Accept-Language` prefers it (`Content-Language` says which).
    A scan read before is answered from this process's cache (api/scans/result_cache.py): a finished
    one until it changes, a pending one for a few seconds (its stage may be that old; its finishing
    is never missed).
    """
    lang = negotiate(accept_language)
    rendered = context.rendered_scans
    cached = rendered.get(scan_id, lang, user.id)
    if cached is None:
        generation = rendered.generation()
        status, body = await run_in_threadpool(_read_scan, context, user.id, scan_id, lang)
        cached = RenderedScan(scan_id, user.id, body, final=status in FINAL_STATUSES)
        rendered.remember(lang, cached, generation=generation)
    if not cached.final:
        return _json(cached.body, lang, status_code=202, extra={"Retry-After": "1"})
    return _json(cached.body, lang)


def _json(
    body: bytes, lang: str, *, status_code: int = 200, extra: Mapping[str, str] | None = None
) -> Response:
    headers = {"Content-Language": lang, **(extra or {})}
    return Response(body, status_code=status_code, media_type="application/json", headers=headers)


def _read_scan(context: AppContext, user_id: uuid.UUID, scan_id: uuid.UUID, lang: str) -> tuple[str, bytes]:
    """The scan's status and its `ScanOut` JSON, from one SELECT on a short session of its own."""
    with context.session_factory() as session:
        read_in_autocommit(session)  # a poll is one SELECT: no BEGIN, no ROLLBACK at the end
        scan = service.get_owned_scan(session, user_id, scan_id)
        session.commit()  # the connection goes back before the body is built
    if (
        scan.status not in FINAL_STATUSES
        and context.settings.tasks_in_process
        and maintenance.claim_if_stuck(
            scan.id, session_factory=context.session_factory, settings=context.settings
        )
    ):
        log.warning("scan %s was orphaned (API restarted?); running it again", scan.id)
        context.dispatcher.enqueue_scan(scan.id)
    return scan.status, _scan_out(scan, lang).model_dump_json().encode()


def _sse(event_id: int, stage: str, data: dict[str, Any]) -> str:
    return f"id: {event_id}\nevent: {stage}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


@router.get("/{scan_id}/events", responses=error_responses(401, 404))
async def scan_events(
    scan_id: uuid.UUID,
    context: ContextDep,
    user: CurrentUser,
    last_event_id: Annotated[int, Header(alias="Last-Event-ID")] = 0,
) -> StreamingResponse:
    """Server-sent events per stage (queued, analysing, grounding, done/failed); resumable.

    A stream lives up to 300 s: it holds no pooled connection while it waits. The ownership check
    and each poll open a short session of their own and close it (the request's session would keep
    its read transaction, and so a connection, "idle in transaction" until the stream ends).
    """
    factory = context.session_factory

    def check_owner() -> None:
        with factory() as s:
            service.get_owned_scan(s, user.id, scan_id)

    def poll(after: int) -> list[tuple[int, str, str | None]]:
        with factory() as s:
            return [(e.id, e.stage, e.detail) for e in service.events_after(s, scan_id, after)]

    await run_in_threadpool(check_owner)

    async def stream() -> AsyncIterator[str]:
        after = last_event_id
        deadline = time.monotonic() + EVENTS_MAX_SECONDS
        yield "retry: 1000\n\n"
        while time.monotonic() < deadline:
            try:
                events = await run_in_threadpool(poll, after)
            except SQLAlchemyError as exc:  # pool busy or database down: the headers are sent, poll again
                log.info("scan %s events: poll failed (%s), retrying", scan_id, type(exc).__name__)
                events = []
            for event_id, stage, detail in events:
                after = event_id
                yield _sse(event_id, stage, {"scan_id": str(scan_id), "stage": stage, "detail": detail})
                if stage in FINAL_STATUSES:
                    return
            await asyncio.sleep(EVENTS_POLL_SECONDS)
        yield "event: timeout\ndata: {}\n\n"

    return StreamingResponse(stream(), media_type="text/event-stream", headers={"Cache-Control": "no-cache"})


@router.post(
    "/{scan_id}/feedback",
    status_code=201,
    response_model=FeedbackOut,
    responses=error_responses(401, 404, 422),
)
def add_feedback(
    scan_id: uuid.UUID, body: FeedbackCreate, runtime: ScanRuntimeDep, session: SessionDep, user: CurrentUser
) -> FeedbackOut:
    """Tell us the answer was wrong (or right); stored for review. With `expected_item_id` the scan is
    also re-grounded on that item at once (as `POST /answer` with `item_id` does)."""
    scan = service.get_owned_scan(session, user.id, scan_id)
    feedback = service.add_feedback(
        session=session, runtime=runtime, scan=scan, user_id=user.id,
        correct=body.correct, expected_category_id=body.expected_category_id, comment=body.comment,
        expected_item_id=body.expected_item_id, item_index=body.item_index,
    )  # fmt: skip
    return FeedbackOut.model_validate(feedback, from_attributes=True)


@router.post(
    "/{scan_id}/answer",
    response_model=ScanOut,
    responses=error_responses(401, 404, 409, 422),
)
def answer_question(  # noqa: PLR0917 (FastAPI dependencies are positional parameters)
    scan_id: uuid.UUID,
    body: AnswerCreate,
    runtime: ScanRuntimeDep,
    session: SessionDep,
    user: CurrentUser,
    response: Response,
    accept_language: AcceptLanguage = None,
) -> ScanOut:
    """Answer an item's question (`attribute` + `value`) or correct the item (`item_id`, or `text`
    naming it). The scan is re-grounded from its stored analysis, without a new model call, and
    the new result is returned; corrections are kept as labelled feedback."""
    scan = service.get_owned_scan(session, user.id, scan_id)
    scan = answers.answer_scan(
        session=session, runtime=runtime, scan=scan, user_id=user.id, item_index=body.item_index,
        attribute=body.attribute, value=body.value, item_id=body.item_id, text=body.text,
    )  # fmt: skip
    lang = negotiate(accept_language)
    response.headers["Content-Language"] = lang
    return _scan_out(scan, lang)
