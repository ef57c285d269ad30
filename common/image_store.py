"""Product images on a directory volume, addressed by the sha256 of their bytes.

``<root>/ab/cd/abcdef...`` (two-level fan-out keeps directories small). The same
bytes always land in the same file, so storing twice writes nothing, and a file is
written under a temporary name and renamed: readers never see half an image.
A file's modification time is the last time it was stored or touched: retention
(``discard_if_idle``) never removes what was stored after its cut-off.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
import uuid
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

    def relative(self, digest: str) -> str:
        """The image's path inside the store, ``ab/cd/abcdef...``."""
        return self.path(digest).relative_to(self.root).as_posix()

    def put(self, data: bytes) -> str:
        """Store ``data`` (once) and return its hash; bytes already there are only touched."""
        digest = content_hash(data)
        target = self.path(digest)
        if self.touch(digest):
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

    def touch(self, digest: str) -> bool:
        """Mark the image as stored now; False when it is not in the store."""
        path = self.path(digest)
        try:
            os.utime(path)
        except FileNotFoundError:
            return False
        except OSError:  # not ours to touch (a read-only volume): still there
            return path.is_file()
        return True

    def discard_if_idle(self, digest: str, stored_before: float) -> bool:
        """Delete the image unless it was stored or touched at ``stored_before`` (a Unix
        time) or later; True when it was deleted.

        The file is renamed aside first: a concurrent ``put`` or ``touch`` either came
        before, and the file goes back, or finds it gone and writes it again.
        """
        target = self.path(digest)
        aside = target.with_name(f".gone-{uuid.uuid4().hex}")
        try:
            os.rename(target, aside)
        except FileNotFoundError:
            return False
        if aside.stat().st_mtime >= stored_before:
            os.replace(aside, target)  # same bytes as any copy written meanwhile
            return False
        aside.unlink()
        return True

    def get(self, digest: str) -> bytes:
        """The bytes stored under ``digest``."""
        try:
            return self.path(digest).read_bytes()
        except FileNotFoundError:
            raise ImageNotFound(f"no image {digest} in {self.root}") from None

    def __contains__(self, digest: str) -> bool:
        return self.path(digest).is_file()
