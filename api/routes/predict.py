"""``POST /predict``, ``GET /predictions/<id>`` and ``GET /predictions``: classify one product.

``/predict`` needs a token unless PREDICT_ANONYMOUS is set; an earlier
prediction is shown to its owner and to admins only.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from flask import Blueprint, request, url_for
from sqlalchemy import select

from api.errors import ApiError
from api.guards import predict_caller as caller
from api.guards import refuse_if_maintenance, require_user
from api.queries import paginate
from api.schemas import (
    PageQuery,
    PredictIn,
    Prediction,
    PredictionPage,
    PredictQuery,
    ProductForm,
)
from api.services import services
from api.services.broker import BacklogFull
from api.services.callbacks import callback_target
from api.services.collector import wants_async
from api.services.intake import (
    FAILURE_STATUS,
    check_product,
    decode_image,
    prediction_record,
    spend_quota,
)
from api.services.photos import keep_photo
from api.services.predictions import answer_from_record, read_prediction
from api.services.recorder import record_from_answer
from api.spec import BEARER, USER, guarded_by, json_body, query_args, responses, spec
from common.orm import Feedback, PredictionRecord
from common.schemas import PredictJob
from common.settings import Settings

logger = logging.getLogger(__name__)
bp = Blueprint("predict", __name__)


@bp.post("/predict")
@spec.validate(
    query=PredictQuery,
    json=PredictIn,
    form=ProductForm,
    resp=responses({200: Prediction, 202: Prediction}, *USER, 409, 413, 415, 422, 429, 503, 504),
    tags=["predict"],
    security=BEARER,
)
@guarded_by(caller)
def predict() -> tuple[dict[str, Any], int] | tuple[dict[str, Any], int, dict[str, str]]:
    """Classify a product (multipart form or JSON) and wait for the answer; with
    ``Prefer: respond-async`` or ``?wait=false``, 202 at once with its status URL."""
    started = time.perf_counter()
    svc = services()
    user = caller()
    refuse_if_maintenance(svc)
    spend_quota(svc.quota, user, request.remote_addr or "unknown", 1)
    job, callback_url = parse_product(svc.settings)
    callback = callback_target(svc.redis, user, callback_url)
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
    photo = keep_photo(svc.settings, job.image)  # written while the model works
    tracked = {"record": prediction_record(job, user, 0.0) | photo, "callback": callback}
    if wants_async(request.headers.get("Prefer", ""), query_args(PredictQuery).wait):
        svc.collector.track(tracked)
        status_url = url_for("predict.get_prediction", prediction_id=job.job_id)
        body = {"prediction_id": job.job_id, "status": "queued", "status_url": status_url}
        return body, 202, {"Location": status_url, "Preference-Applied": "respond-async"}
    answer = svc.broker.wait(job.job_id, svc.settings.predict_timeout_s)
    # After the wait, so that the collector cannot take this request's answer: it delivers
    # the callback, and records an answer that comes after the request gave up.
    if callback or answer is None:
        svc.collector.track(tracked)
    latency_ms = round((time.perf_counter() - started) * 1000, 2)
    record = prediction_record(job, user, latency_ms) | photo
    if answer is None:
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
@spec.validate(
    resp=responses({200: Prediction, 202: Prediction}, *USER, 403, 404),
    tags=["predict"],
    security=BEARER,
)
def get_prediction(prediction_id: str) -> tuple[dict[str, Any], int]:
    """An earlier prediction: 200 once answered, 202 while queued."""
    svc = services()
    user = caller()
    state = read_prediction(svc, prediction_id, user)
    return state, 202 if state["status"] == "queued" else 200


@bp.get("/predictions")
@spec.validate(
    query=PageQuery, resp=responses({200: PredictionPage}, *USER), tags=["predict"], security=BEARER
)
@guarded_by(require_user)
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


def parse_product(settings: Settings) -> tuple[PredictJob, str | None]:
    """A validated job from a multipart form or a JSON body with a base64 image, and the
    callback URL the request names, if any."""
    if request.mimetype in ("multipart/form-data", "application/x-www-form-urlencoded"):
        upload = request.files.get("image")
        job = check_product(
            settings,
            request.form.get("designation", ""),
            request.form.get("description", ""),
            upload.read() if upload is not None else None,
        )
        return job, request.form.get("callback_url")
    body = json_body(PredictIn)
    job = check_product(
        settings, body.designation, body.description, decode_image(body.image_base64)
    )
    return job, body.callback_url
