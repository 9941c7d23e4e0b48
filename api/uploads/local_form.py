"""The local upload form, parsed as it streams so that nothing is kept before it is authorised.

Starlette's form parser spools a file part to a temporary file before the route can look at the
signature, so a 1 GiB POST without a valid ticket was written to /tmp before its 403. Here the
text fields come first (as in an S3 POST policy form), the file part's headers trigger the
caller's `authorise(fields)`, which raises for a bad ticket or returns the ticket's byte limit,
and only then are file bytes kept: in memory, refused with 413 the moment they pass that limit.
Fields after the file are ignored, like S3 does.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.requests import ClientDisconnect, Request

from api.errors import ApiError
from api.http.text import LINE_CONTROL

MAX_FIELDS = 10
MAX_FIELD_BYTES = 1024
FILE_FIELD = "file"

Authorise = Callable[[dict[str, str]], int]


@dataclass
class _Part:
    name: str = ""
    is_file: bool = False
    disposition: bytes = b""
    value: bytearray = field(default_factory=bytearray)


class _Reader:
    """State of the parser's (synchronous) callbacks; an ApiError raised in one ends the parse."""

    def __init__(self, authorise: Authorise) -> None:
        self.authorise = authorise
        self.fields: dict[str, str] = {}
        self.part = _Part()
        self.header_name = b""
        self.header_value = b""
        self.data: bytearray | None = None
        self.max_bytes = 0
        self.done = False

    def on_part_begin(self) -> None:
        self.part = _Part()

    def on_header_field(self, data: bytes, start: int, end: int) -> None:
        self.header_name += data[start:end]

    def on_header_value(self, data: bytes, start: int, end: int) -> None:
        self.header_value += data[start:end]
        if len(self.header_value) > MAX_FIELD_BYTES:
            raise ApiError(422, "a form part header is too long", code="invalid_upload_form")

    def on_header_end(self) -> None:
        if self.header_name.lower() == b"content-disposition":
            self.part.disposition = self.header_value
        self.header_name = self.header_value = b""

    def on_headers_finished(self) -> None:
        _, options = parse_options_header(self.part.disposition)
        name = options.get(b"name", b"").decode("utf-8", "replace")
        if not name:
            raise ApiError(422, "every form part needs a name", code="invalid_upload_form")
        self.part.name = name
        self.part.is_file = b"filename" in options
        if self.part.is_file or name == FILE_FIELD:
            if name != FILE_FIELD:
                raise ApiError(
                    422, f"the file must be sent as the '{FILE_FIELD}' field", code="invalid_upload_form"
                )
            self.max_bytes = self.authorise(dict(self.fields))
            self.data = bytearray()
        elif len(self.fields) >= MAX_FIELDS:
            raise ApiError(422, f"the form has more than {MAX_FIELDS} fields", code="invalid_upload_form")

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        if self.done:
            return
        if self.data is not None:
            self.data += data[start:end]
            if len(self.data) > self.max_bytes:
                raise ApiError(413, f"the file is larger than {self.max_bytes} bytes", code="image_too_large")
            return
        self.part.value += data[start:end]
        if len(self.part.value) > MAX_FIELD_BYTES:
            raise ApiError(422, f"form field {self.part.name!r} is too long", code="invalid_upload_form")

    def on_part_end(self) -> None:
        if self.done:
            return
        if self.data is not None:
            self.done = True
            return
        try:
            text = self.part.value.decode("utf-8")
        except UnicodeDecodeError:
            raise ApiError(
                422, f"form field {self.part.name!r} is not UTF-8", code="invalid_upload_form"
            ) from None
        if LINE_CONTROL.search(text):
            raise ApiError(
                422, f"form field {self.part.name!r} holds control characters", code="control_character"
            )
        self.fields.setdefault(self.part.name, text)


async def read_local_upload(request: Request, authorise: Authorise) -> tuple[dict[str, str], bytes]:
    """The form's text fields and the file's bytes; raises ApiError (403 from `authorise`, 413,
    415, 422) before keeping anything it should not."""
    media, options = parse_options_header(request.headers.get("content-type", ""))
    boundary = options.get(b"boundary")
    if media != b"multipart/form-data" or not boundary:
        raise ApiError(415, "send the upload as multipart/form-data (the ticket's fields, then 'file')",
                       code="unsupported_media_type")  # fmt: skip
    reader = _Reader(authorise)
    parser = MultipartParser(boundary, {
        "on_part_begin": reader.on_part_begin, "on_part_data": reader.on_part_data,
        "on_part_end": reader.on_part_end, "on_header_field": reader.on_header_field,
        "on_header_value": reader.on_header_value, "on_header_end": reader.on_header_end,
        "on_headers_finished": reader.on_headers_finished,
    })  # fmt: skip
    try:
        async for chunk in request.stream():
            parser.write(chunk)
            if reader.done:
                break
    except MultipartParseError:
        raise ApiError(
            422, "the upload is not a well-formed multipart form", code="invalid_upload_form"
        ) from None
    except ClientDisconnect:
        raise ApiError(
            400, "the client went away before the upload ended", code="upload_incomplete"
        ) from None
    if reader.data is None:
        reader.authorise(dict(reader.fields))  # a bad ticket is 403 with or without a file
        raise ApiError(422, f"the form has no '{FILE_FIELD}' part", code="file_required")
    if not reader.done:
        raise ApiError(422, "the upload ended before the file did", code="invalid_upload_form")
    return reader.fields, bytes(reader.data)
