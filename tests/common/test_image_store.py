from __future__ import annotations

import hashlib

import pytest

from common.image_store import ImageNotFound, ImageStore


def test_put_is_content_addressed_and_idempotent(tmp_path):
    store = ImageStore(tmp_path / "images")
    data = b"\xff\xd8 not really a jpeg"
    digest = store.put(data)
    assert digest == hashlib.sha256(data).hexdigest()
    path = store.path(digest)
    assert path.relative_to(tmp_path / "images").parts == (digest[:2], digest[2:4], digest)
    mtime = path.stat().st_mtime_ns
    assert store.put(data) == digest
    assert path.stat().st_mtime_ns == mtime  # not rewritten
    assert store.get(digest) == data and digest in store
    assert [p.name for p in path.parent.iterdir()] == [digest]  # no temporary file left


def test_missing_and_malformed_addresses(tmp_path):
    store = ImageStore(tmp_path)
    with pytest.raises(ImageNotFound):
        store.get("0" * 64)
    with pytest.raises(ValueError, match="sha256"):
        store.path("../../etc/passwd")
