"""Encoding detection (UTF-8 vs EUC-KR/CP949) and a decoded line stream that never loads the file.

data.go.kr standard CSVs are usually EUC-KR (CP949 is its superset, so we decode with cp949);
files re-saved by tools are UTF-8, often with a BOM.
"""

from __future__ import annotations

import codecs
from collections.abc import Iterator
from typing import BinaryIO

from api.locations.importer.formats import ImportFileError

SNIFF_BYTES = 64 * 1024


def detect_encoding(head: bytes) -> str:
    """The encoding of a file starting with `head`; ImportFileError when it is neither."""
    if not head.strip():
        raise ImportFileError("the file is empty")
    if head.startswith(b"PK\x03\x04"):
        raise ImportFileError("this is a ZIP/XLSX file, not CSV: export the sheet as CSV first")
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or b"\x00" in head:
        raise ImportFileError("the file looks like UTF-16 or binary data: save it as UTF-8 or EUC-KR CSV")
    return _utf8_or_cp949(head)


def detect_file_encoding(binary: BinaryIO) -> str:
    """Like `detect_encoding`, but a head that is plain ASCII (an English header and many ASCII
    rows) says nothing: then the first later chunk holding non-ASCII bytes decides. The file is
    read chunk by chunk, never held whole; the caller seeks back to the start.
    """
    head = binary.read(SNIFF_BYTES)
    encoding = detect_encoding(head)
    if encoding != "utf-8" or not head.isascii():
        return encoding
    while chunk := binary.read(SNIFF_BYTES):
        if not chunk.isascii():
            # start after a newline: neither UTF-8 nor CP949 uses 0x0A inside a character
            newline = chunk.find(b"\n")
            return _utf8_or_cp949(chunk[newline + 1 :] if 0 <= newline < len(chunk) - 1 else chunk)
    return encoding


def _utf8_or_cp949(sample: bytes) -> str:
    for encoding in ("utf-8", "cp949"):
        try:
            codecs.getincrementaldecoder(encoding)().decode(sample, final=False)
        except UnicodeDecodeError:
            continue
        return encoding
    raise ImportFileError(
        "cannot detect the encoding: the file is neither UTF-8 nor EUC-KR/CP949"
        " (pass --encoding if you know it)"
    )


def check_encoding(name: str) -> str:
    try:
        return codecs.lookup(name).name
    except LookupError:
        raise ImportFileError(f"unknown encoding {name!r}") from None


class DecodedLines:
    """Iterate a binary file as text lines; undecodable lines are replaced and remembered by number."""

    def __init__(self, binary: BinaryIO, encoding: str) -> None:
        self._binary = binary
        self._encoding = encoding
        self.line = 0
        self.bad_lines: set[int] = set()

    def __iter__(self) -> Iterator[str]:
        for raw in self._binary:
            self.line += 1
            encoding = self._encoding if self.line == 1 else self._encoding.replace("-sig", "")
            try:
                yield raw.decode(encoding)
            except UnicodeDecodeError:
                self.bad_lines.add(self.line)
                yield raw.decode(encoding, errors="replace")
