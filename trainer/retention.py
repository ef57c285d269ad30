"""Retention of the photos sent to ``/predict``: expired ones nothing uses leave the image store.

A prediction's photo expires PREDICTION_PHOTO_RETENTION_DAYS after the
prediction. The file stays while a product uses it (an accepted correction, or
the same photo imported), while feedback still pending needs it, or while a
younger prediction links it; expired links are cleared either way. A file goes
only if it was not stored again since the cut-off (``ImageStore.discard_if_idle``),
so a photo sent a moment ago survives even before its prediction is recorded.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from sqlalchemy import ColumnElement, exists, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from common.image_store import ImageStore
from common.orm import FEEDBACK_NEW, Feedback, PredictionRecord, Product
from common.settings import Settings

logger = logging.getLogger(__name__)

PERIOD_S = 3600
"""How often the trainer's schedule runs the task."""
BATCH = 500


def remove_expired_photos(
    settings: Settings, sessions: sessionmaker[Session], now: datetime | None = None
) -> dict[str, int]:
    """Clear expired photo links and delete the photos nothing uses; what it did."""
    cutoff = (now or datetime.now(UTC)) - timedelta(days=settings.prediction_photo_retention_days)
    store = ImageStore(settings.images_path)
    unlinked = removed = 0
    while True:
        with sessions.begin() as session:
            expired = session.execute(
                select(PredictionRecord.id, PredictionRecord.photo_hash)
                .where(
                    PredictionRecord.photo_hash.is_not(None),
                    PredictionRecord.created_at < cutoff,
                    ~_pending_feedback(),
                )
                .limit(BATCH)
            ).all()
            hashes = {digest for _, digest in expired}
            for digest in hashes - _in_use(session, hashes, cutoff):
                removed += store.discard_if_idle(digest, cutoff.timestamp())
            ids = [pid for pid, _ in expired]
            session.execute(
                update(PredictionRecord)
                .where(PredictionRecord.id.in_(ids))
                .values(photo_hash=None, photo_bytes=None)
            )
            unlinked += len(ids)
        if len(expired) < BATCH:
            break
    if unlinked:
        logger.info(
            "photo retention: %d expired links cleared, %d photos removed", unlinked, removed
        )
    return {"unlinked": unlinked, "removed": removed}


def _pending_feedback() -> ColumnElement[bool]:
    """Whether feedback awaiting review is attached to the prediction."""
    return exists().where(
        Feedback.prediction_id == PredictionRecord.id, Feedback.status == FEEDBACK_NEW
    )


def _in_use(session: Session, hashes: set[str], cutoff: datetime) -> set[str]:
    """Those of ``hashes`` a product, pending feedback or an unexpired prediction uses."""
    if not hashes:
        return set()
    found = set(session.scalars(select(Product.image_hash).where(Product.image_hash.in_(hashes))))
    found |= set(
        session.scalars(
            select(Feedback.image_sha256).where(
                Feedback.status == FEEDBACK_NEW, Feedback.image_sha256.in_(hashes)
            )
        )
    )
    found |= set(
        session.scalars(
            select(PredictionRecord.photo_hash).where(
                PredictionRecord.photo_hash.in_(hashes),
                or_(PredictionRecord.created_at >= cutoff, _pending_feedback()),
            )
        )
    )
    return found
