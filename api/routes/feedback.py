"""``POST /feedback``: a user's verdict on one of his predictions.

Stored in the database (one row per prediction and user; a second verdict
updates it) and appended to the CSV export under FEEDBACK_DIR.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from flask import Blueprint
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from api.errors import ApiError
from api.guards import require_user
from api.schemas import FeedbackOut, NewFeedback
from api.services import Services, services
from api.services.feedback import feedback_json, is_classified_text, not_recorded
from api.services.predictions import read_prediction
from api.spec import BEARER, USER, guarded_by, json_body, responses, spec
from common import feedback_csv
from common.categories import CATEGORIES
from common.image_store import ImageStore
from common.orm import FEEDBACK_DISMISSED, FEEDBACK_NEW, Feedback, PredictionRecord, User

logger = logging.getLogger(__name__)
bp = Blueprint("feedback", __name__)

MAX_COMMENT_CHARS = 2000


@bp.post("/feedback")
@spec.validate(
    json=NewFeedback,
    resp=responses({200: FeedbackOut, 201: FeedbackOut}, *USER, 403, 404, 409, 415, 422),
    tags=["feedback"],
    security=BEARER,
)
@guarded_by(require_user)
def post_feedback() -> tuple[dict[str, Any], int]:
    """A verdict on one of the caller's predictions (a second one updates it); with the
    product's text (designation, description) an admin can make it a labelled product."""
    user = require_user()
    svc = services()
    body = json_body(NewFeedback).model_dump()
    values = _validate(body, svc)
    prediction_id = values.pop("prediction_id")
    answer = read_prediction(svc, prediction_id, user)  # 404/403 for unknown or others'
    if answer.get("status") != "done":
        raise ApiError(409, "prediction_not_done", "Only an answered prediction takes feedback.")
    outcome = _outcome(svc, prediction_id, answer)
    photo = outcome.pop("photo_hash")
    _check_text(values, outcome)
    row, created = _upsert(svc, prediction_id, user, values | outcome)
    # Touched after the commit: a retention run that chose this prediction before the
    # feedback existed then keeps the file (fresh), or has removed it already (False).
    store = ImageStore(svc.settings.images_path)
    image_path = store.relative(photo) if photo and store.touch(photo) else None
    feedback_csv.append(svc.settings.feedback_dir, [csv_row(row, user.username, image_path)])
    return feedback_json(row), 201 if created else 200


def _validate(body: dict[str, Any], svc: Services) -> dict[str, Any]:
    prediction_id = body.get("prediction_id")
    if not isinstance(prediction_id, str) or not 0 < len(prediction_id) <= 64:
        raise ApiError(400, "invalid_field", "prediction_id is required and must be a string.")
    is_correct = body.get("is_correct")
    if not isinstance(is_correct, bool):
        raise ApiError(400, "invalid_field", "is_correct is required and must be true or false.")
    correct = body.get("correct_category")
    if correct is not None and (
        isinstance(correct, bool) or not isinstance(correct, int) or correct not in CATEGORIES
    ):
        raise ApiError(422, "invalid_category", "correct_category must be one of the 27 codes.")
    values: dict[str, Any] = {
        "prediction_id": prediction_id,
        "is_correct": is_correct,
        "correct_category": None if is_correct else correct,
    }
    for name, limit in (
        ("comment", MAX_COMMENT_CHARS),
        ("designation", svc.settings.max_text_chars),
        ("description", svc.settings.max_text_chars),
    ):
        value = body.get(name)
        if value is not None and (not isinstance(value, str) or len(value) > limit):
            raise ApiError(400, "invalid_field", f"{name} must be a string of at most {limit:,}.")
        values[name] = value
    values["comment"] = values["comment"] or ""
    return values


def _outcome(svc: Services, prediction_id: str, answer: dict[str, Any]) -> dict[str, Any]:
    """What the prediction said, and the hashes of what went in; 409 until it is recorded."""
    with svc.sessions() as session:
        record = session.get(PredictionRecord, prediction_id)
    if record is None:
        raise not_recorded()
    return {
        "model_version": answer.get("model_version"),
        "predicted_category": (answer.get("category") or {}).get("code"),
        "confidence": answer.get("confidence"),
        "image_sha256": record.image_sha256,
        "designation_sha256": record.designation_sha256,
        "description_sha256": record.description_sha256,
        "photo_hash": record.photo_hash,
    }


def _check_text(values: dict[str, Any], outcome: dict[str, Any]) -> None:
    # Text sent back must be what was classified: nobody labels other content through feedback.
    for name in ("designation", "description"):
        if not is_classified_text(values.get(name), outcome.get(f"{name}_sha256")):
            raise ApiError(422, "input_mismatch", f"{name} is not the text that was classified.")


def _upsert(
    svc: Services, prediction_id: str, user: User, values: dict[str, Any]
) -> tuple[Feedback, bool]:
    """Insert, or update the user's earlier verdict; a concurrent insert becomes an update."""
    for _ in range(3):
        try:
            with svc.sessions.begin() as session:
                row = session.scalars(
                    select(Feedback).where(
                        Feedback.prediction_id == prediction_id, Feedback.user_id == user.id
                    )
                ).first()
                created = row is None
                if row is None:
                    row = Feedback(prediction_id=prediction_id, user_id=user.id)
                    session.add(row)
                for name, value in values.items():
                    if value is not None or name in ("correct_category", "confidence"):
                        setattr(row, name, value)
                if row.status == FEEDBACK_DISMISSED:  # a new verdict is reviewed again
                    row.status = FEEDBACK_NEW
                row.updated_at = datetime.now(UTC)
            return row, created
        except IntegrityError:
            continue  # the same user's twin request won the insert: update it
    raise ApiError(409, "conflict", "Concurrent feedback on this prediction; retry.")


def csv_row(row: Feedback, username: str, image_path: str | None) -> dict[str, Any]:
    """The export's row; ``image_path`` is the kept photo's path inside IMAGE_DIR."""
    return {
        "time": row.updated_at.isoformat(timespec="milliseconds"),
        "prediction_id": row.prediction_id,
        "user": username,
        "predicted_code": row.predicted_category,
        "predicted_score": row.confidence,
        "model_version": row.model_version,
        "is_correct": row.is_correct,
        "correct_code": row.correct_category,
        "image_sha256": row.image_sha256,
        "image_path": image_path,
        "designation_sha256": row.designation_sha256,
        "description_sha256": row.description_sha256,
        "comment": row.comment,
    }
