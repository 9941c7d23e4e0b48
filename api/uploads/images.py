"""Image checks run before any analyser call: sniff, limits, orientation, strip metadata, downscale.

Pillow decides what the bytes really are (the client's Content-Type is never trusted). The
pixel limit is checked from the header before decoding, so a decompression bomb is refused
without allocating its bitmap. The output is a fresh JPEG built from pixels only: EXIF (and with
it GPS), ICC profiles and comments do not survive.

Decode memory is bounded twice (docs/benchmarks.md, "Image decode memory"): the header tells
the size of the bitmap the decode will allocate (after JPEG's reduce-on-load `draft`) and its
working copies, and an image whose estimate exceeds `max_decode_bytes` is refused with 413
before decoding; accepted decodes then share a process-wide byte budget (`DecodeBudget`), so 8
concurrent worst-case PNGs hold at most `budget_bytes` of bitmaps between them, not 8 x 480 MB.
"""

from __future__ import annotations

import ctypes
import hashlib
import io
import sys
import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import IO, Any, BinaryIO

from PIL import Image, ImageOps, UnidentifiedImageError

from api.domain_errors import DomainError, InvalidInput, TooLarge, Unavailable, UnsupportedMedia

ALLOWED_FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
ALLOWED_CONTENT_TYPES = frozenset(ALLOWED_FORMATS.values())
#: How long a decode waits for its share of the process budget before answering 503.
DECODE_WAIT_SECONDS = 30.0
MIB = 1024 * 1024
#: Modes Pillow resamples well without a conversion first.
_RESAMPLED_AS_IS = frozenset({"RGB", "L", "RGBA", "LA", "CMYK", "YCbCr"})


def _heif_available() -> bool:
    try:
        from pillow_heif import register_heif_opener  # type: ignore[import-not-found]
    except ImportError:
        return False
    register_heif_opener()
    ALLOWED_FORMATS["HEIF"] = "image/heic"
    return True


@dataclass(frozen=True)
class ProcessedImage:
    data: bytes
    sha256: str
    width: int
    height: int
    source_format: str
    content_type: str = "image/jpeg"


def _bad_image(
    detail: str, code: str = "invalid_image", kind: type[DomainError] = InvalidInput
) -> DomainError:
    return kind(detail, code=code)


class DecodeBudget:
    """Bytes of decoded bitmaps one process may hold at once; a decode waits for its share.

    A counting semaphore over bytes rather than over decodes: eight small phone photos decode
    side by side, while two worst-case PNGs take turns.
    """

    def __init__(self, total: int) -> None:
        self.total = total
        self.free = total
        self._changed = threading.Condition()

    @contextmanager
    def hold(self, cost: int, *, timeout: float = DECODE_WAIT_SECONDS) -> Iterator[None]:
        cost = min(cost, self.total)  # one image larger than the whole budget still gets it alone
        with self._changed:
            if not self._changed.wait_for(lambda: self.free >= cost, timeout):
                raise Unavailable(
                    "too many large images are being decoded right now; retry shortly",
                    code="image_decoder_busy",
                    retry_after=5,
                )
            self.free -= cost
        try:
            yield
        finally:
            with self._changed:
                self.free += cost
                self._changed.notify_all()


_BUDGETS: dict[int, DecodeBudget] = {}
_BUDGETS_LOCK = threading.Lock()
_M_MMAP_THRESHOLD = -3  # glibc's mallopt parameter number (malloc.h)


def decode_budget(total: int) -> DecodeBudget:
    """The process-wide budget of this size (memory is per process, whatever app built it)."""
    with _BUDGETS_LOCK:
        if not _BUDGETS:
            _return_freed_bitmaps_to_the_os()
        return _BUDGETS.setdefault(total, DecodeBudget(total))


def _return_freed_bitmaps_to_the_os() -> None:
    """Have glibc map every allocation of 1 MiB or more on its own, so a freed bitmap is unmapped.

    Without this the budget bounds live bitmaps but not RSS: after the first large free, glibc
    raises its mmap threshold (up to 32 MiB) and serves Pillow's 16 MiB blocks from per-thread
    arenas, which keep the memory. 8 concurrent decodes under a 256 MiB budget peaked 532 MiB
    over idle that way, 263 MiB with the fixed threshold (bench/image_memory.py). Setting the
    threshold also turns glibc's adjustment off; on other C libraries this does nothing.
    """
    if not sys.platform.startswith("linux"):
        return
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return
    mallopt(_M_MMAP_THRESHOLD, 1024 * 1024)


def fitted_size(width: int, height: int, max_side: int) -> tuple[int, int]:
    """The size `Image.thumbnail((max_side, max_side))` gives: aspect kept, longest side at most max_side."""
    if max(width, height) <= max_side:
        return width, height
    if width >= height:
        return max_side, max(1, round(height * max_side / width))
    return max(1, round(width * max_side / height)), max_side


def decode_cost(width: int, height: int, mode: str) -> int:
    """Upper estimate of the bitmap bytes a decode of this image holds at its peak.

    The bitmap itself (Pillow keeps 1-bit, L and P at one byte a pixel, 16-bit grey at two, every
    other mode, RGB included, at four) plus the full-size working copies `_normalise` makes: up
    to one byte a pixel for RGB and L (the downscale box-reduces first, to a ninth or less), one
    4-byte premultiplied copy for RGBA and LA (Pillow resamples in RGBa) and a byte of decoder
    buffers, two 4-byte copies for the rest (to RGBA, then RGBa). Checked against the peak RSS of
    single decodes (a 40 MP RGBA PNG: estimate 341 MiB, measured 333 MiB over the baseline).
    """
    if mode in ("1", "L", "P"):
        stored = 1
    elif mode.startswith("I;16"):
        stored = 2
    else:
        stored = 4
    if mode in ("L", "RGB", "CMYK", "YCbCr"):
        extra = 1
    elif mode in ("RGBA", "LA", "1"):
        extra = 5
    else:
        extra = 8
    return width * height * (stored + extra)


@dataclass(frozen=True)
class ImageInfo:
    """What the request-time check learnt from an image's header (and a cheap decode)."""

    format: str
    width: int
    height: int

    @property
    def content_type(self) -> str:
        return ALLOWED_FORMATS[self.format]


@contextmanager
def _as_domain_errors() -> Iterator[None]:
    """Pillow's ways of saying "not an image", "a bomb" or "damaged", as the API's domain errors."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            yield
    except DomainError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _bad_image(
            "the image has too many pixels (decompression bomb refused)", "image_too_many_pixels", TooLarge
        ) from None
    except UnidentifiedImageError:
        raise _bad_image(
            "the file is not a supported image (JPEG, PNG or WEBP)",
            "unsupported_image_type",
            UnsupportedMedia,
        ) from None
    except (OSError, SyntaxError, ValueError) as exc:
        raise _bad_image(f"the image is damaged or truncated: {exc}", "corrupt_image") from None


def image_size(data: bytes | BinaryIO) -> int:
    """The length of an image held in memory or in a seekable file (the file is left at its start)."""
    if isinstance(data, bytes):
        return len(data)
    size = data.seek(0, io.SEEK_END)
    data.seek(0)
    return size


class _Lent(io.RawIOBase):
    """A file lent to Pillow: read and seek go to it, but `close()` (Pillow's `Image.close`) leaves
    it open for its owner, who stores it next."""

    def __init__(self, file: BinaryIO) -> None:
        super().__init__()
        self._file = file

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        chunk = self._file.read(len(buffer))
        buffer[: len(chunk)] = chunk
        return len(chunk)

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        return self._file.seek(offset, whence)

    def tell(self) -> int:
        return self._file.tell()


def _readable(data: bytes | BinaryIO) -> IO[bytes]:
    """`data` as a file at its start, for Pillow."""
    if isinstance(data, bytes):
        return io.BytesIO(data)
    data.seek(0)
    return io.BufferedReader(_Lent(data))


def _open_within_limits(
    data: bytes | BinaryIO, *, max_bytes: int, max_pixels: int, max_side: int, max_decode_bytes: int
) -> tuple[Image.Image, int]:
    """The opened (not decoded) image and the bitmap bytes its decode will hold; refused when over a limit."""
    size = image_size(data)
    if not size:
        raise _bad_image("the image is empty (0 bytes)", code="empty_image")
    if size > max_bytes:
        raise _bad_image(f"the image is {size} bytes; the limit is {max_bytes}", "image_too_large", TooLarge)
    _heif_available()
    opened = Image.open(_readable(data), formats=list(ALLOWED_FORMATS))
    width, height = opened.size
    if width * height > max_pixels:
        raise _bad_image(
            f"the image is {width}x{height} = {width * height} pixels; the limit is {max_pixels}",
            "image_too_many_pixels",
            TooLarge,
        )
    if opened.format == "JPEG":
        # Let libjpeg decode at 1/2, 1/4 or 1/8 scale when that still covers the output size: a
        # 12 MP phone photo then costs a fraction of its full decode (docs/benchmarks.md). Asked
        # for the output's own aspect, not a square: `draft` needs both sides to fit its scale.
        opened.draft("RGB", fitted_size(width, height, max_side))
    cost = decode_cost(*opened.size, opened.mode)
    if cost > max_decode_bytes:
        raise _bad_image(
            f"the image is {width}x{height} {opened.mode}: decoding it needs about "
            f"{cost // MIB} MiB, the limit is {max_decode_bytes // MIB} MiB; "
            "send fewer pixels (a phone photo or screenshot fits) or a JPEG",
            "image_too_many_pixels",
            TooLarge,
        )
    return opened, cost


def inspect_image(
    data: bytes | BinaryIO, *, max_bytes: int, max_pixels: int, max_side: int, max_decode_bytes: int
) -> ImageInfo:
    """The request's check: every limit `process_image` applies, at a fraction of its cost.

    `data` may be the upload's spooled file (`POST /scans` multipart): it is read where it lies,
    never copied into memory whole.

    The header gives format, size and decode cost. A JPEG is then decoded at 1/8 scale
    (libjpeg's DCT scaling still reads every byte of the compressed data, so a truncated or
    damaged file fails here), about 0.6 ms for a phone photo against ~20-30 ms for the full
    normalisation; a PNG's chunks and CRCs are walked without inflating them (`verify`). A WEBP
    or HEIF damaged past its header passes, and its scan fails in the worker with the same
    `corrupt_image` code (docs/scans.md).
    """
    with _as_domain_errors():
        opened, _ = _open_within_limits(
            data, max_bytes=max_bytes, max_pixels=max_pixels, max_side=max_side,
            max_decode_bytes=max_decode_bytes,
        )  # fmt: skip
        info = ImageInfo(format=opened.format or "", width=opened.width, height=opened.height)
        if info.format not in ALLOWED_FORMATS:
            raise _bad_image(
                f"unsupported image format {info.format or 'unknown'}",
                "unsupported_image_type",
                UnsupportedMedia,
            )
        opened.close()
        if info.format in ("JPEG", "PNG"):
            # Opened again: a JPEG's `draft` holds from its first call, which set the worker's scale.
            again = Image.open(_readable(data), formats=[info.format])
            if info.format == "JPEG":
                again.draft("RGB", (max(1, info.width // 8), max(1, info.height // 8)))
                again.load()
            else:
                again.verify()
            again.close()
        return info


def process_image(
    data: bytes, *, max_bytes: int, max_pixels: int, max_side: int, max_decode_bytes: int, budget_bytes: int
) -> ProcessedImage:
    """Validate and normalise an uploaded image; a `DomainError` (invalid, too large, ...) when unusable.

    `max_decode_bytes` refuses one image whose decode would need more (413); `budget_bytes` is
    the process-wide total all concurrent decodes share (`DecodeBudget`, 503 after a long wait).
    Runs in the scan worker (`api.scans.prepare`), not on the request's thread.
    """
    with _as_domain_errors():
        opened, cost = _open_within_limits(
            data, max_bytes=max_bytes, max_pixels=max_pixels, max_side=max_side,
            max_decode_bytes=max_decode_bytes,
        )  # fmt: skip
        fmt = opened.format or ""
        with decode_budget(budget_bytes).hold(cost):
            opened.load()
            return _normalise(opened, fmt, max_side)


def _normalise(opened: Image.Image, fmt: str, max_side: int) -> ProcessedImage:
    """Downscale first, then turn and flatten: every step after the first works on the small image.

    Palette, 1-bit and 16-bit images become RGBA/L before the downscale (Pillow would resample
    the first two with nearest-neighbour); the full-size working copies are what `decode_cost`
    counts.
    """
    if fmt not in ALLOWED_FORMATS:
        raise _bad_image(
            f"unsupported image format {fmt or 'unknown'}", "unsupported_image_type", UnsupportedMedia
        )
    image: Image.Image = opened
    if image.mode not in _RESAMPLED_AS_IS:
        image = image.convert("L" if image.mode == "1" else "RGBA")  # keeps `info`, EXIF included
        opened.close()  # the full-size original goes before the resampling copy is made
    # Bicubic: the model looks at 512-1024 px (`detail`), where Lanczos' extra sharpness buys nothing
    # for its ~20 % more CPU per request; `reducing_gap` lets large ratios shrink by box-averaging first.
    image.thumbnail((max_side, max_side), Image.Resampling.BICUBIC, reducing_gap=2.0)
    ImageOps.exif_transpose(image, in_place=True)  # no copy of the bitmap when nothing turns
    if image.mode not in ("RGB", "L"):
        background = Image.new("RGB", image.size, (255, 255, 255))
        rgba = image.convert("RGBA")
        background.paste(rgba, mask=rgba.getchannel("A"))
        image = background
    out = io.BytesIO()
    # No `optimize`: its extra Huffman pass costs more CPU per request than the few percent it saves.
    image.convert("RGB").save(out, format="JPEG", quality=85)
    payload = out.getvalue()
    return ProcessedImage(
        data=payload,
        sha256=hashlib.sha256(payload).hexdigest(),
        width=image.width,
        height=image.height,
        source_format=fmt,
    )
