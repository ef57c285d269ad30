"""Feedback as the API shows it, and the rule for the text it carries."""

from __future__ import annotations

import hashlib
from typing import Any

from api.errors import ApiError
from common.orm import Feedback


def not_recorded() -> ApiError:
    """409 for a prediction the recorder has not written yet (it does a moment after the
    answer): without its record neither its photo nor its text can be checked."""
    return ApiError(
        409,
        "not_recorded",
        "The prediction is not recorded yet; retry in a moment.",
        headers={"Retry-After": "1"},
    )


def is_classified_text(text: str | None, digest: str | None) -> bool:
    """Whether ``text`` may stand for what was classified: no text always may (it claims
    nothing); other text must be the one whose sha256 the prediction recorded (``digest``,
    None when the prediction had no such text)."""
    return not text or (digest is not None and hashlib.sha256(text.encode()).hexdigest() == digest)


def feedback_json(row: Feedback) -> dict[str, Any]:
    return {
        "id": row.id,
        "prediction_id": row.prediction_id,
        "user_id": row.user_id,
        "is_correct": row.is_correct,
        "correct_category": row.correct_category,
        "comment": row.comment,
        "predicted_category": row.predicted_category,
        "confidence": row.confidence,
        "model_version": row.model_version,
        "has_text": row.designation is not None,
        "status": row.status,
        "product_id": row.product_id,
        "created_at": row.created_at.isoformat(),
        "updated_at": row.updated_at.isoformat(),
    }
