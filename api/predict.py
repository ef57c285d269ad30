"""``POST /predict``, ``GET /predictions/<id>`` and ``GET /predictions``: classify one product.

``/predict`` needs a token unless PREDICT_ANONYMOUS is set; an earlier
prediction is shown to its owner and to admins only.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import logging
import time
from typing import Any

from flask import Blueprint, request, url_for
from sqlalchemy import select

from api.admin_monitoring import refuse_if_maintenance
from api.authn import optional_user, require_user
from api.broker import BacklogFull
from api.errors import ApiError
from api.predictions import answer_from_record, read_prediction
from api.queries import paginate
from api.recorder import record_from_answer
from api.services import services
from common.images import InvalidImage, open_image
from common.orm import Feedback, PredictionRecord
from common.schemas import PredictJob, new_job_id
from common.settings import Settings

logger = logging.getLogger(__name__)
bp = Blueprint("predict", __name__)

# Worker error codes -> HTTP status of the answer.
FAILURE_STATUS = {
    "unsupported_media_type": 415,
    "image_too_large": 413,
    "invalid_image": 422,
    "empty_product": 422,
}


@bp.post("/predict")
def predict() -> tuple[dict[str, Any], int]:
    """Classify a product (multipart form or JSON) and wait for the answer."""
    started = time.perf_counter()
    svc = services()
    user = optional_user() if svc.settings.predict_anonymous else require_user()
    refuse_if_maintenance(svc)
    job = parse_product(svc.settings)
    owner = str(user.id) if user is not None else ""
    try:
        svc.broker.submit(job, owner)
    except BacklogFull:
        raise ApiError(
            503,
            "overloaded",
            "Too many products are waiting to be classified; retry shortly.",
            headers={"Retry-After": "1"},
        ) from None
    answer = svc.broker.wait(job.job_id, svc.settings.predict_timeout_s)
    latency_ms = round((time.perf_counter() - started) * 1000, 2)
    record = {
        "id": job.job_id,
        "user_id": user.id if user is not None else None,
        "created_at": job.enqueued_at,
        "latency_ms": latency_ms,
        **_input_hashes(job),
    }
    if answer is None:
        svc.broker.mark_late(job.job_id)
        svc.predictions.append(record | {"status": "timeout"})
        status_url = url_for("predict.get_prediction", prediction_id=job.job_id)
        raise ApiError(
            504,
            "timeout",
            f"No answer within {svc.settings.predict_timeout_s:g} s; "
            f"it will be at {status_url} once ready.",
            prediction_id=job.job_id,
            status_url=status_url,
        )
    svc.predictions.append(record | record_from_answer(answer))
    if answer["status"] == "failed":
        error = answer["error"]
        raise ApiError(
            FAILURE_STATUS.get(error["code"], 500),
            error["code"],
            error["message"],
            prediction_id=job.job_id,
        )
    answer["latency_ms"] = latency_ms
    return answer, 200


@bp.get("/predictions/<prediction_id>")
def get_prediction(prediction_id: str) -> tuple[dict[str, Any], int]:
    """An earlier prediction: 200 once answered, 202 while queued."""
    svc = services()
    user = optional_user() if svc.settings.predict_anonymous else require_user()
    state = read_prediction(svc, prediction_id, user)
    return state, 202 if state["status"] == "queued" else 200


@bp.get("/predictions")
def list_predictions() -> dict[str, Any]:
    """The caller's recorded predictions, newest first, each with his verdict (or null)."""
    user = require_user()
    svc = services()
    query = (
        select(PredictionRecord)
        .where(PredictionRecord.user_id == user.id)
        .order_by(PredictionRecord.created_at.desc(), PredictionRecord.id)
    )
    with svc.sessions() as session:
        page = paginate(session, query, lambda record: record)
        ids = [record.id for record in page["items"]]
        verdicts = {
            row.prediction_id: row
            for row in session.scalars(
                select(Feedback).where(Feedback.prediction_id.in_(ids), Feedback.user_id == user.id)
            )
        }
        page["items"] = [
            answer_from_record(record)
            | {
                "created_at": record.created_at.isoformat(),
                "feedback": _verdict(verdicts.get(record.id)),
            }
            for record in page["items"]
        ]
    return page


def _verdict(row: Feedback | None) -> dict[str, Any] | None:
    if row is None:
        return None
    return {
        "is_correct": row.is_correct,
        "correct_category": row.correct_category,
        "status": row.status,
        "updated_at": row.updated_at.isoformat(),
    }


def _input_hashes(job: PredictJob) -> dict[str, str | None]:
    """What went in, as sha256 digests: enough to find repeats, nothing to leak."""

    def digest(data: bytes | None) -> str | None:
        return hashlib.sha256(data).hexdigest() if data else None

    return {
        "image_sha256": digest(job.image),
        "designation_sha256": digest(job.designation.encode()),
        "description_sha256": digest(job.description.encode()),
    }


def parse_product(settings: Settings) -> PredictJob:
    """A validated job from a multipart form or a JSON body with a base64 image."""
    if request.mimetype in ("multipart/form-data", "application/x-www-form-urlencoded"):
        designation = request.form.get("designation", "")
        description = request.form.get("description", "")
        upload = request.files.get("image")
        image = upload.read() if upload is not None else None
    elif request.is_json:
        designation, description, image = _from_json(request.get_json())
    else:
        raise ApiError(
            415,
            "unsupported_content_type",
            "Send multipart/form-data (fields "
            "designation, description, file image) or application/json.",
        )
    for name, value in (("designation", designation), ("description", description)):
        if len(value) > settings.max_text_chars:
            raise ApiError(
                422,
                "text_too_long",
                f"{name} has {len(value):,} characters; at most "
                f"{settings.max_text_chars:,} are accepted.",
            )
    image = image or None  # an empty file part means no file was chosen
    if image is None and not designation.strip():
        raise ApiError(400, "missing_input", "Send an image, a designation, or both.")
    if image is not None:
        try:
            open_image(image, settings.max_image_pixels)
        except InvalidImage as exc:
            raise ApiError(FAILURE_STATUS[exc.code], exc.code, str(exc)) from None
    return PredictJob(new_job_id(), designation, description, image)


def _from_json(body: object) -> tuple[str, str, bytes | None]:
    if not isinstance(body, dict):
        raise ApiError(400, "invalid_json", "The body must be a JSON object.")
    values = []
    for name in ("designation", "description", "image_base64"):
        value = body.get(name) or ""
        if not isinstance(value, str):
            raise ApiError(400, "invalid_field", f"{name} must be a string.")
        values.append(value)
    designation, description, encoded = values
    try:
        image = base64.b64decode(encoded, validate=True) if encoded else None
    except (binascii.Error, ValueError):
        raise ApiError(400, "invalid_base64", "image_base64 is not valid base64.") from None
    return designation, description, image
