from __future__ import annotations

import hashlib
import os
import time

import pytest

from common.image_store import ImageNotFound, ImageStore


def test_put_is_content_addressed_and_idempotent(tmp_path):
    store = ImageStore(tmp_path / "images")
    data = b"\xff\xd8 not really a jpeg"
    digest = store.put(data)
    assert digest == hashlib.sha256(data).hexdigest()
    path = store.path(digest)
    assert path.relative_to(tmp_path / "images").parts == (digest[:2], digest[2:4], digest)
    before = path.stat()
    assert store.put(data) == digest
    after = path.stat()
    assert after.st_ino == before.st_ino  # not rewritten
    assert after.st_mtime_ns >= before.st_mtime_ns  # but marked as stored again
    assert store.get(digest) == data and digest in store
    assert [p.name for p in path.parent.iterdir()] == [digest]  # no temporary file left


def test_missing_and_malformed_addresses(tmp_path):
    store = ImageStore(tmp_path)
    with pytest.raises(ImageNotFound):
        store.get("0" * 64)
    with pytest.raises(ValueError, match="sha256"):
        store.path("../../etc/passwd")


def test_discard_if_idle_keeps_what_was_stored_since(tmp_path):
    store = ImageStore(tmp_path)
    old, fresh = store.put(b"old photo"), store.put(b"fresh photo")
    os.utime(store.path(old), (1_000_000, 1_000_000))
    os.utime(store.path(fresh), (1_000_000, 1_000_000))
    cutoff = time.time() - 60
    assert store.touch(fresh) and not store.touch("0" * 64)
    assert store.discard_if_idle(old, cutoff) is True
    assert old not in store
    assert store.discard_if_idle(fresh, cutoff) is False  # touched after the cut-off
    assert store.get(fresh) == b"fresh photo"
    assert store.discard_if_idle(old, cutoff) is False  # already gone
    assert store.relative(fresh) == f"{fresh[:2]}/{fresh[2:4]}/{fresh}"
    left = sorted(p.name for p in tmp_path.rglob("*") if p.is_file())
    assert left == [fresh]  # nothing set aside is left behind
