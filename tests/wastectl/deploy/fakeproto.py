"""Decode the Kubernetes protobuf encoding of a Secret, as client-go's typed clientset sends it.

Helm's release storage writes Secrets through the typed clientset, which encodes request bodies as
`application/vnd.kubernetes.protobuf` and does not fall back to JSON; a real API server accepts it, so
the fake does too. Wire format: the magic `k8s\\0`, then a runtime.Unknown {1: TypeMeta, 2: raw}, where
raw is a core/v1 Secret {1: ObjectMeta, 2: map data, 3: type, 4: map stringData, 5: immutable}.
"""

from __future__ import annotations

import base64
from typing import Any

MAGIC = b"k8s\x00"


def _varint(buf: bytes, pos: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        byte = buf[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result, pos
        shift += 7


def _fields(buf: bytes) -> list[tuple[int, int | bytes]]:
    out: list[tuple[int, int | bytes]] = []
    pos = 0
    while pos < len(buf):
        key, pos = _varint(buf, pos)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, pos = _varint(buf, pos)
            out.append((number, value))
        elif wire == 2:
            size, pos = _varint(buf, pos)
            out.append((number, buf[pos : pos + size]))
            pos += size
        elif wire == 1:
            pos += 8
        elif wire == 5:
            pos += 4
        else:
            raise ValueError(f"unsupported protobuf wire type {wire}")
    return out


def _entry(buf: bytes) -> tuple[str, bytes]:
    key, value = "", b""
    for number, raw in _fields(buf):
        if number == 1 and isinstance(raw, bytes):
            key = raw.decode()
        elif number == 2 and isinstance(raw, bytes):
            value = raw
    return key, value


def _meta(buf: bytes) -> dict[str, Any]:
    names = {1: "name", 2: "generateName", 3: "namespace", 5: "uid", 6: "resourceVersion"}
    meta: dict[str, Any] = {}
    for number, raw in _fields(buf):
        if number in names and isinstance(raw, bytes):
            meta[names[number]] = raw.decode()
        elif number in (11, 12) and isinstance(raw, bytes):
            key, value = _entry(raw)
            meta.setdefault("labels" if number == 11 else "annotations", {})[key] = value.decode()
        elif number == 14 and isinstance(raw, bytes):
            meta.setdefault("finalizers", []).append(raw.decode())
    return meta


def decode_secret(body: bytes) -> dict[str, Any]:
    if not body.startswith(MAGIC):
        raise ValueError("not a Kubernetes protobuf body (missing the k8s\\0 magic)")
    kind, raw = "", b""
    for number, value in _fields(body[len(MAGIC) :]):
        if number == 1 and isinstance(value, bytes):
            type_meta = dict(_fields(value))
            kind = bytes(type_meta.get(2, b"")).decode()  # type: ignore[arg-type]
        elif number == 2 and isinstance(value, bytes):
            raw = value
    if kind != "Secret":
        raise ValueError(f"protobuf bodies are decoded for Secrets only, got {kind or 'no kind'}")
    secret: dict[str, Any] = {"apiVersion": "v1", "kind": "Secret", "metadata": {}}
    for number, value in _fields(raw):
        if number == 1 and isinstance(value, bytes):
            secret["metadata"] = _meta(value)
        elif number in (2, 4) and isinstance(value, bytes):
            key, data = _entry(value)
            secret.setdefault("data", {})[key] = base64.b64encode(data).decode()
        elif number == 3 and isinstance(value, bytes):
            secret["type"] = value.decode()
        elif number == 5:
            secret["immutable"] = bool(value)
    return secret
