"""Retention of the photos sent to ``/predict``: expired ones nothing uses leave the image store.

A prediction's photo expires PREDICTION_PHOTO_RETENTION_DAYS after the
prediction. The file stays while a product uses it (an accepted correction, or
the same photo imported), while feedback still pending needs it, or while a
younger prediction links it. A file goes only if it was not stored again since
the cut-off (``ImageStore.discard_if_idle``), so a photo sent a moment ago
survives even before its prediction is recorded. An expired link is cleared
once its file is gone or something else holds it; a link to a file kept because
it was stored again stays, so that a later run looks at that file again.
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
    after = ""  # keyset: rows whose link stays are not selected again in this run
    while True:
        with sessions.begin() as session:
            expired = session.execute(
                select(PredictionRecord.id, PredictionRecord.photo_hash)
                .where(
                    PredictionRecord.photo_hash.is_not(None),
                    PredictionRecord.created_at < cutoff,
                    PredictionRecord.id > after,
                    ~_pending_feedback(),
                )
                .order_by(PredictionRecord.id)
                .limit(BATCH)
            ).all()
            if not expired:
                break
            after = expired[-1][0]
            hashes = {digest for _, digest in expired}
            settled = _in_use(session, hashes, cutoff)  # the file stays; the link may go
            for digest in hashes - settled:
                if store.discard_if_idle(digest, cutoff.timestamp()):
                    removed += 1
                    settled.add(digest)
                elif digest not in store:
                    settled.add(digest)  # gone already: nothing to keep a link to
            ids = [pid for pid, digest in expired if digest in settled]
            if ids:
                # Feedback posted since the select needs the link (and touched the file).
                cleared = session.execute(
                    update(PredictionRecord)
                    .where(PredictionRecord.id.in_(ids), ~_pending_feedback())
                    .values(photo_hash=None, photo_bytes=None)
                    .execution_options(synchronize_session=False)
                )
                unlinked += cleared.rowcount
        if len(expired) < BATCH:
            break
    if unlinked or removed:
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
