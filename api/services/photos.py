"""Photos sent to ``/predict``, kept in the image store so flagged ones can become products.

A kept photo is linked from its prediction record (``photo_hash``) for
PREDICTION_PHOTO_RETENTION_DAYS; the trainer's retention task removes it later
unless a product or pending feedback uses it.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from common.image_store import ImageStore
from common.orm import Feedback, PredictionRecord
from common.settings import Settings

logger = logging.getLogger(__name__)


def keep_photo(settings: Settings, image: bytes | None) -> dict[str, Any]:
    """Store a prediction's photo; its record's ``photo_hash`` and ``photo_bytes``.

    Nothing when there is no photo or none is kept; a store that cannot be written
    (a full disk) costs the photo, never the prediction.
    """
    if image is None or settings.prediction_photo_retention_days == 0:
        return {}
    try:
        digest = ImageStore(settings.images_path).put(image)
    except OSError:
        logger.warning("prediction photo not kept: image store not writable", exc_info=True)
        return {}
    return {"photo_hash": digest, "photo_bytes": len(image)}


def photo_of(row: Feedback, record: PredictionRecord | None) -> str | None:
    """The hash of the photo the feedback's prediction was made with, if it had one."""
    return (record.image_sha256 if record is not None else None) or row.image_sha256


def usage(session: Session, settings: Settings) -> dict[str, Any]:
    """The prediction photos the image store keeps: how many, and their bytes on disk."""
    per_photo = (
        select(func.max(PredictionRecord.photo_bytes).label("size"))
        .where(PredictionRecord.photo_hash.is_not(None))
        .group_by(PredictionRecord.photo_hash)
        .subquery()
    )
    photos, size = session.execute(
        select(func.count(), func.coalesce(func.sum(per_photo.c.size), 0))
    ).one()
    return {
        "retention_days": settings.prediction_photo_retention_days,
        "photos": int(photos),
        "bytes": int(size),
    }
