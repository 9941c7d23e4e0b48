"""Location metadata removed from stored originals, without re-encoding a pixel.

A ticket upload lands in storage (S3 or the local form) as the client sent it, and the scan keeps
it for `WASTE_IMAGE_RETENTION_DAYS` next to the cleaned copy. When a scan takes the upload, its
worker step re-writes the original without its location: the EXIF GPS directory is deleted
(orientation and the rest of EXIF stay), and XMP and IPTC packets, which repeat GPS and carry
place names, are dropped whole. The container is edited segment by segment (JPEG markers, PNG
chunks, WebP RIFF chunks), so the compressed image data is copied byte for byte.
"""

from __future__ import annotations

import logging
import struct
import warnings
import zlib

from PIL import Image

from api.storage import Storage

log = logging.getLogger(__name__)
GPS_IFD = 0x8825
_EXIF_HEADER = b"Exif\x00\x00"
_XMP_KEYWORDS = (b"XML:com.adobe.xmp", b"Raw profile type xmp", b"Raw profile type iptc")


def scrub_original(storage: Storage, key: str, data: bytes, content_type: str) -> bool:
    """Re-write the stored original `key` (whose bytes are `data`) without location; True if it had any.

    Called by the worker's image step (`api.scans.prepare`) once the cleaned copy is stored and
    before the scan row is marked prepared: a failure here (503 from S3) retries the step, so the
    original is never left with its location behind a prepared scan.
    """
    cleaned = without_location(data)
    if cleaned is None:
        return False
    storage.put(key, cleaned, content_type)
    return True


def without_location(data: bytes) -> bytes | None:
    """The same image without location metadata, or None when it carries none (or is not ours).

    Only called on bytes Pillow has decoded; a container this walk cannot follow anyway (a
    segment length past the end) is left as it is and logged, never turned into a 500.
    """
    try:
        if data.startswith(b"\xff\xd8"):
            cleaned = _jpeg(data)
        elif data.startswith(b"\x89PNG\r\n\x1a\n"):
            cleaned = _png(data)
        elif data[:4] == b"RIFF" and data[8:12] == b"WEBP":
            cleaned = _webp(data)
        else:
            return None
    except (struct.error, IndexError) as exc:
        log.warning("could not walk an original's metadata to remove its location: %s", exc)
        return None
    return cleaned if cleaned != data else None


def _exif_without_gps(tiff: bytes) -> bytes | None:
    """EXIF (TIFF bytes, with or without the `Exif` header) minus GPS; None when it has no GPS.

    EXIF that Pillow cannot parse cannot be shown to be free of GPS: it becomes `b""`, which the
    callers read as "drop the whole block".
    """
    exif = Image.Exif()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # Pillow only warns about "Corrupt EXIF data"
            exif.load(tiff)
            gps = exif.get_ifd(GPS_IFD) if GPS_IFD in exif else None
        if gps is None:
            return None
        del exif[GPS_IFD]
        cleaned: bytes = exif.tobytes()  # starts with the `Exif` header
    except Exception:  # Pillow raises SyntaxError, struct.error, ValueError, ... on damaged EXIF
        return b""
    return cleaned


def _jpeg(data: bytes) -> bytes:
    out, pos = bytearray(data[:2]), 2
    while pos + 4 <= len(data) and data[pos] == 0xFF:
        marker = data[pos + 1]
        if marker == 0xDA or not 0xC0 <= marker <= 0xFE:
            break  # start of scan (or a marker without a length): the rest is copied as it is
        length = struct.unpack(">H", data[pos + 2 : pos + 4])[0]
        segment, payload = data[pos : pos + 2 + length], data[pos + 4 : pos + 2 + length]
        pos += 2 + length
        if marker == 0xE1 and payload.startswith(_EXIF_HEADER):
            cleaned = _exif_without_gps(payload)
            if cleaned == b"":
                continue
            if cleaned is not None:
                segment = b"\xff\xe1" + struct.pack(">H", len(cleaned) + 2) + cleaned
        elif marker in (0xE1, 0xED):  # XMP (an APP1 without the Exif header) and IPTC (APP13)
            continue
        out += segment
    return bytes(out + data[pos:])


def _png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def _png(data: bytes) -> bytes:
    out, pos = bytearray(data[:8]), 8
    while pos + 12 <= len(data):
        length = struct.unpack(">I", data[pos : pos + 4])[0]
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        chunk = data[pos : pos + 12 + length]
        pos += 12 + length
        if kind == b"eXIf":
            cleaned = _exif_without_gps(body)
            if cleaned == b"":
                continue
            if cleaned is not None:
                chunk = _png_chunk(kind, cleaned[len(_EXIF_HEADER) :])
        elif kind in (b"iTXt", b"tEXt", b"zTXt") and body.split(b"\x00", 1)[0] in _XMP_KEYWORDS:
            continue
        out += chunk
        if kind == b"IEND":
            break
    return bytes(out)


def _webp(data: bytes) -> bytes:
    chunks: list[tuple[bytes, bytes]] = []
    pos = 12
    while pos + 8 <= len(data):
        kind, length = data[pos : pos + 4], struct.unpack("<I", data[pos + 4 : pos + 8])[0]
        chunks.append((kind, data[pos + 8 : pos + 8 + length]))
        pos += 8 + length + (length & 1)
    kept: list[tuple[bytes, bytes]] = []
    for kind, body in chunks:
        if kind == b"XMP ":
            continue
        cleaned = _exif_without_gps(body) if kind == b"EXIF" else None
        if cleaned == b"":
            continue
        kept.append((kind, body if cleaned is None else cleaned[len(_EXIF_HEADER) :]))
    if kept and kept[0][0] == b"VP8X":
        flags = kept[0][1][0] & ~0x04  # the VP8X "has XMP" bit: no XMP is kept
        if not any(kind == b"EXIF" for kind, _ in kept):
            flags &= ~0x08  # and its "has EXIF" bit
        kept[0] = (b"VP8X", bytes([flags]) + kept[0][1][1:])
    body = b"".join(
        kind + struct.pack("<I", len(part)) + part + b"\x00" * (len(part) & 1) for kind, part in kept
    )
    return b"RIFF" + struct.pack("<I", 4 + len(body)) + b"WEBP" + body
