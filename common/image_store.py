"""Product images on a directory volume, addressed by the sha256 of their bytes.

``<root>/ab/cd/abcdef...`` (two-level fan-out keeps directories small). The same
bytes always land in the same file, so storing twice is a no-op, and a file is
written under a temporary name and renamed: readers never see half an image.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from pathlib import Path

_HASH = re.compile(r"^[0-9a-f]{64}$")


class ImageNotFound(LookupError):
    """No image with that hash in the store."""


def content_hash(data: bytes) -> str:
    """The address of ``data``: its sha256, hex."""
    return hashlib.sha256(data).hexdigest()


class ImageStore:
    """Content-addressed image files under ``root``."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, digest: str) -> Path:
        if not _HASH.match(digest):
            raise ValueError(f"'{digest}' is not a sha256 hex digest")
        return self.root / digest[:2] / digest[2:4] / digest

    def put(self, data: bytes) -> str:
        """Store ``data`` (once) and return its hash."""
        digest = content_hash(data)
        target = self.path(digest)
        if target.is_file():
            return digest
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, target)  # a concurrent writer of the same bytes is harmless
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return digest

    def get(self, digest: str) -> bytes:
        """The bytes stored under ``digest``."""
        try:
            return self.path(digest).read_bytes()
        except FileNotFoundError:
            raise ImageNotFound(f"no image {digest} in {self.root}") from None

    def __contains__(self, digest: str) -> bool:
        return self.path(digest).is_file()
