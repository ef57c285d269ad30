"""``POST /predict/batch`` and ``GET /predictions/batch/<id>``: many products in one request.

Each product becomes one job on the predict stream, as from ``/predict``: the
workers batch them as they batch everything. One bad product fails alone; the
answer lists one result per product, in the request's order.
"""

from __future__ import annotations

import json
import time
from typing import Any

from flask import Blueprint, request, url_for

from api.errors import ApiError
from api.guards import predict_caller, refuse_if_maintenance
from api.schemas import BatchIn, BatchOut, PredictQuery
from api.services import Services, services
from api.services.broker import BacklogFull
from api.services.callbacks import callback_target
from api.services.collector import wants_async
from api.services.intake import check_product, decode_image, prediction_record, spend_quota
from api.services.photos import keep_photo
from api.services.predictions import authorize, read_prediction
from api.services.recorder import record_from_answer
from api.spec import BEARER, USER, guarded_by, json_body, query_args, responses, spec
from common import keys
from common.orm import User
from common.schemas import PredictJob, new_job_id

bp = Blueprint("batch", __name__)


@bp.post("/predict/batch")
@spec.validate(
    query=PredictQuery,
    json=BatchIn,
    resp=responses({200: BatchOut, 202: BatchOut}, *USER, 409, 413, 415, 422, 429, 503),
    tags=["predict"],
    security=BEARER,
)
@guarded_by(predict_caller)
def predict_batch() -> tuple[dict[str, Any], int] | tuple[dict[str, Any], int, dict[str, str]]:
    """Classify up to MAX_BATCH_PRODUCTS products and wait for their answers; with
    ``Prefer: respond-async`` or ``?wait=false``, 202 at once with the batch's status URL."""
    started = time.perf_counter()
    svc = services()
    user = predict_caller()
    refuse_if_maintenance(svc)
    request_body = json_body(BatchIn)
    products = request_body.products
    limit = svc.settings.max_batch_products
    if len(products) > limit:
        raise ApiError(
            413,
            "too_many_products",
            f"{len(products)} products; at most {limit} per request.",
        )
    spend_quota(svc.quota, user, request.remote_addr or "unknown", len(products))
    callback = callback_target(svc.redis, user, request_body.callback_url)
    owner = str(user.id) if user is not None else ""
    items: list[dict[str, Any]] = []
    jobs: dict[int, PredictJob] = {}
    for index, product in enumerate(products):
        item: dict[str, Any] = {"index": index, "ref": product.ref, "prediction_id": None}
        items.append(item)
        try:
            image = decode_image(product.image_base64, f"products[{index}].image_base64")
            job = check_product(svc.settings, product.designation, product.description, image)
            svc.broker.submit(job, owner)
        except ApiError as exc:
            item |= {"status": "failed", "error": {"code": exc.code, "message": exc.message}}
            continue
        except BacklogFull:
            item |= {"status": "failed", "error": OVERLOADED}
            continue
        item["prediction_id"] = job.job_id
        jobs[index] = job
    batch_id = _remember(svc, owner, items)
    photos = {i: keep_photo(svc.settings, job.image) for i, job in jobs.items()}  # model at work
    if wants_async(request.headers.get("Prefer", ""), query_args(PredictQuery).wait):
        _track(svc, jobs, photos, items, user, batch_id, callback)
        for index, job in jobs.items():
            items[index] |= {"status": "queued", "status_url": _prediction_url(job.job_id)}
        accepted = _batch_body(batch_id, items)
        headers = {"Location": accepted["status_url"], "Preference-Applied": "respond-async"}
        return accepted, 202, headers
    answers = svc.broker.wait_many(
        [job.job_id for job in jobs.values()], svc.settings.predict_timeout_s
    )
    latency_ms = round((time.perf_counter() - started) * 1000, 2)
    late = {i: job for i, job in jobs.items() if answers.get(job.job_id) is None}
    # After the wait, so that the collector cannot take this request's answers: it delivers
    # the callback, and records the answers that come after the request gave up.
    _track(svc, jobs if callback else late, photos, items, user, batch_id, callback)
    for index, job in jobs.items():
        record = prediction_record(job, user, latency_ms) | photos[index]
        answer = answers.get(job.job_id)
        if answer is None:
            svc.predictions.append(record | {"status": "timeout"})
            items[index] |= {"status": "queued", "status_url": _prediction_url(job.job_id)}
            continue
        svc.predictions.append(record | record_from_answer(answer))
        items[index] |= answer | {"latency_ms": latency_ms}
    return _batch_body(batch_id, items), 200


@bp.get("/predictions/batch/<batch_id>")
@spec.validate(
    resp=responses({200: BatchOut, 202: BatchOut}, *USER, 403, 404),
    tags=["predict"],
    security=BEARER,
)
def get_batch(batch_id: str) -> tuple[dict[str, Any], int]:
    """An earlier batch: 200 once every product is answered, 202 while some wait."""
    svc = services()
    user = predict_caller()
    raw = svc.redis.get(keys.batch(batch_id)) if len(batch_id) <= 64 else None
    if raw is None:
        raise ApiError(404, "not_found", f"No batch with id '{batch_id}'.")
    stored = json.loads(raw)
    authorize(stored["owner"], user)
    items = [_current(svc, item, user) for item in stored["items"]]
    body = _batch_body(batch_id, items)
    return body, 202 if body["status"] == "queued" else 200


OVERLOADED = {
    "code": "overloaded",
    "message": "Too many products are waiting to be classified; retry this one shortly.",
}


def _track(
    svc: Services,
    jobs: dict[int, PredictJob],
    photos: dict[int, dict[str, Any]],
    items: list[dict[str, Any]],
    user: User | None,
    batch_id: str,
    callback: dict[str, Any] | None,
) -> None:
    for index, job in jobs.items():
        record = prediction_record(job, user, 0.0) | photos[index]
        entry = {"record": record, "batch_id": batch_id}
        svc.collector.track(entry | {"ref": items[index]["ref"], "callback": callback})


def _remember(svc: Services, owner: str, items: list[dict[str, Any]]) -> str:
    """Keep the batch (who asked, which predictions) as long as its answers are kept."""
    batch_id = new_job_id()
    stored = {"owner": owner, "items": items}
    svc.redis.set(keys.batch(batch_id), json.dumps(stored), ex=svc.settings.result_ttl_s)
    return batch_id


def _current(svc: Services, item: dict[str, Any], user: User | None) -> dict[str, Any]:
    if item["prediction_id"] is None:
        return item
    try:
        state = read_prediction(svc, item["prediction_id"], user)
    except ApiError as exc:
        state = {"status": "failed", "error": {"code": exc.code, "message": exc.message}}
    if state["status"] == "queued":
        state = state | {"status_url": _prediction_url(item["prediction_id"])}
    return item | state


def _prediction_url(prediction_id: str) -> str:
    return url_for("predict.get_prediction", prediction_id=prediction_id)


def _batch_body(batch_id: str, items: list[dict[str, Any]]) -> dict[str, Any]:
    counts = {"done": 0, "failed": 0, "queued": 0}
    for item in items:
        counts[item["status"] if item["status"] in counts else "failed"] += 1
    return {
        "batch_id": batch_id,
        "status": "queued" if counts["queued"] else "done",
        "status_url": url_for("batch.get_batch", batch_id=batch_id),
        "counts": counts,
        "results": items,
    }
