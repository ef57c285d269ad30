"""What a killed process left half-written: removed once it is surely abandoned.

Training writes a version aside and renames it into place (``.staging-*``, ``.tmp-*``
and ``.export-*`` directories on the model volume); the image store writes ``.tmp-*``
files and renames a photo it deletes to ``.gone-*`` first. A process killed in between
leaves them behind, and nothing else would ever remove them.
"""

from __future__ import annotations

import logging
import shutil
import time
from pathlib import Path

from common.settings import Settings

logger = logging.getLogger(__name__)

PERIOD_S = 3600
"""How often the trainer's schedule runs the task."""
MODEL_VOLUME = (".staging-*", ".tmp-*", ".export-*")
IMAGE_STORE = ("*/*/.tmp-*", "*/*/.gone-*")
STORE_GRACE_S = 3600
"""An image store write or delete takes milliseconds: an hour-old one was abandoned."""


def remove_leftovers(settings: Settings, now: float | None = None) -> dict[str, int]:
    """Remove what is older than a training run may last (model volume) or than
    ``STORE_GRACE_S`` (image store); how many of each."""
    now = time.time() if now is None else now
    training_grace_s = settings.retrain_timeout_s + 3600
    removed = {
        "model_volume": _remove(settings.models_path, MODEL_VOLUME, now - training_grace_s),
        "image_store": _remove(settings.images_path, IMAGE_STORE, now - STORE_GRACE_S),
    }
    if any(removed.values()):
        logger.info("leftovers of killed processes removed: %s", removed)
    return removed


def _remove(root: Path, patterns: tuple[str, ...], before: float) -> int:
    count = 0
    for pattern in patterns:
        for path in root.glob(pattern):
            try:
                if path.lstat().st_mtime >= before:
                    continue
                if path.is_dir() and not path.is_symlink():
                    shutil.rmtree(path)
                else:
                    path.unlink()
            except FileNotFoundError:
                continue  # its own process finished with it meanwhile
            count += 1
    return count
