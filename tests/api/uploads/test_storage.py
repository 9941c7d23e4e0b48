"""`LocalStorage`: `delete_prefix` takes a folder and nothing outside it; `put` stores a file in pieces."""

from __future__ import annotations

import tempfile
from collections.abc import Callable

import pytest

from api.settings import Settings
from api.storage import LocalStorage


def test_delete_prefix_deletes_one_folder_and_leftovers(make_settings: Callable[..., Settings]) -> None:
    storage = LocalStorage(make_settings())
    for key in ("scans/a/1.jpg", "scans/a/deep/2.jpg", "scans/ab/3.jpg", "uploads/a/4.png"):
        storage.put(key, b"x", "image/jpeg")
    (storage.root / "scans/a/5.jpg.part").write_bytes(b"interrupted")

    assert storage.delete_prefix("scans/a/") == 3
    assert not (storage.root / "scans/a").exists()
    assert storage.head("scans/ab/3.jpg") == 1 and storage.head("uploads/a/4.png") == 1
    assert storage.delete_prefix("scans/nobody/") == 0


@pytest.mark.parametrize("prefix", ["", "/", "scans", "scans/../", "../outside/"])
def test_delete_prefix_refuses_anything_but_a_folder(
    make_settings: Callable[..., Settings], prefix: str
) -> None:
    with pytest.raises(ValueError, match="invalid storage prefix"):
        LocalStorage(make_settings()).delete_prefix(prefix)


def test_a_file_is_stored_in_pieces_from_its_start(make_settings: Callable[..., Settings]) -> None:
    """`POST /scans` hands storage the form's spooled upload, not bytes (api/scans/router.py)."""
    storage = LocalStorage(make_settings())
    data = bytes(range(256)) * 10_000  # 2.5 MB: more than one copy chunk
    with tempfile.SpooledTemporaryFile(max_size=1024 * 1024) as upload:
        upload.write(data)  # left at its end, as a parser leaves it
        storage.put("scans/a/1.jpg", upload, "image/jpeg")
        assert not upload.closed
    assert storage.get("scans/a/1.jpg") == data
    assert not list(storage.root.rglob("*.part"))
