"""The analyse stage's first step: the image as the client sent it becomes the one the model sees.

The request only checks an image (`api.uploads.images.inspect_image`: format, limits, a 1/8-scale
decode) and stores it as sent; decoding at full size, turning, flattening, stripping metadata and
re-encoding (`process_image`, ~20-30 ms of CPU per phone photo) happen here, in the worker, so
they cost the API nothing (docs/benchmarks.md, "Both submit paths").

Order, so that a crash at any point only repeats work and leaves nothing behind: the cleaned JPEG
is written, the original is scrubbed (a ticket upload, kept for the retention period) or deleted
(a multipart original, which exists only for this step), then the stage's next transaction
records the hash of the cleaned image and clears `original_key`; a run that finds the original
gone and the cleaned copy there only hashes that copy. An image that turns out to be unusable
here (a WEBP damaged past its header) fails the scan with the code the request would have
answered, and its multipart original goes.
"""

from __future__ import annotations

import hashlib
import logging
import uuid

from api.analyser.base import PermanentAnalyserError, TransientAnalyserError
from api.domain_errors import DomainError, Unavailable
from api.scans.runtime import ScanRuntime
from api.uploads.images import ALLOWED_FORMATS, ProcessedImage, process_image
from api.uploads.originals import scrub_original

log = logging.getLogger(__name__)


def original_key_for(image_key: str) -> str:
    """Where a multipart scan's original waits for this step: next to the cleaned image's key."""
    return image_key.removesuffix(".jpg") + ".original"


def _normalise(runtime: ScanRuntime, raw: bytes) -> ProcessedImage:
    settings = runtime.settings
    try:
        return process_image(
            raw,
            max_bytes=settings.upload_max_bytes,
            max_pixels=settings.image_max_pixels,
            max_side=settings.image_output_side,
            max_decode_bytes=settings.image_decode_max_bytes,
            budget_bytes=settings.image_decode_budget_bytes,
        )
    except Unavailable as exc:  # the process's decode budget stayed full: another attempt later
        raise TransientAnalyserError(exc.code, exc.detail) from None
    except DomainError as exc:
        raise PermanentAnalyserError(exc.code, exc.detail) from None


def prepare_image(
    runtime: ScanRuntime, scan_id: uuid.UUID, *, original_key: str, image_key: str, upload_key: str | None
) -> str:
    """Normalise the stored original into `image_key`; returns the cleaned image's SHA-256.

    The caller records it (hash, `original_key` cleared) in its next transaction: the stage's
    cache lookup, so preparing costs no transaction of its own.
    """
    storage = runtime.storage
    raw = storage.get(original_key)
    if raw is None:
        # A run that stopped after deleting the multipart original but before its commit.
        cleaned = storage.get(image_key)
        if cleaned is None:
            raise PermanentAnalyserError("image_missing", f"the stored original {original_key} is gone")
        return hashlib.sha256(cleaned).hexdigest()
    try:
        image = _normalise(runtime, raw)
    except PermanentAnalyserError:
        if original_key != upload_key:
            storage.delete(original_key)  # unusable, and it may carry the sender's location
        raise
    storage.put(image_key, image.data, image.content_type)
    if original_key == upload_key:
        scrub_original(storage, original_key, raw, ALLOWED_FORMATS[image.source_format])
    else:
        storage.delete(original_key)
    log.debug("scan %s: image normalised (%dx%d)", scan_id, image.width, image.height)
    return image.sha256
