"""``/admin/retrain-model`` and ``/admin/jobs/<id>``: start training, follow or cancel a job."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, g

from api.errors import ApiError
from api.guards import guard_admin_blueprint
from api.schemas import Job, RetrainIn
from api.services import jobs, services
from api.spec import ADMIN, BEARER, json_body, responses, spec

bp = Blueprint("jobs", __name__, url_prefix="/admin")

PROMOTE = {"auto": "auto", "always": "always", "never": "never", True: "always", False: "never"}
_INTS = {
    "epochs": (1, 1000),
    "image_epochs": (1, 1000),
    "batch_size": (1, 4096),
    "image_batch_size": (1, 4096),
    "patience": (1, 1000),
    "image_patience": (1, 1000),
    "sample": (1, 10_000_000),
    "replay": (0, 10_000_000),
}
_FLOATS = ("learning_rate", "image_learning_rate")


bp.before_request(guard_admin_blueprint)


def retrain_params(body: dict[str, Any]) -> dict[str, Any]:
    """The job's parameters from the request body, checked here so mistakes answer 422 now."""
    params: dict[str, Any] = {}
    known = {*_INTS, *_FLOATS, "promote", "data", "model_params"}
    unknown = sorted(set(body) - known)
    if unknown:
        raise ApiError(422, "invalid_parameter", f"Unknown parameter(s): {', '.join(unknown)}.")
    for name, (low, high) in _INTS.items():
        if name in body:
            value = body[name]
            if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
                raise ApiError(
                    422, "invalid_parameter", f"{name} must be an integer in [{low}, {high}]."
                )
            params[name] = value
    for name in _FLOATS:
        if name in body:
            value = body[name]
            if not isinstance(value, int | float) or isinstance(value, bool) or not 0 < value < 1:
                raise ApiError(422, "invalid_parameter", f"{name} must be a number in (0, 1).")
            params[name] = float(value)
    promote = body.get("promote", "auto")
    if not isinstance(promote, str | bool) or promote not in PROMOTE:
        raise ApiError(422, "invalid_parameter", "promote is auto, always, never, true or false.")
    params["promote"] = PROMOTE[promote]
    data = body.get("data", "all")
    if data not in ("all", "recent"):
        raise ApiError(
            422,
            "invalid_parameter",
            "data is 'all' (every labelled product) or 'recent' (products ingested since "
            "production was trained, plus a replay sample of the others: replay, default 2000).",
        )
    if data == "recent":
        params["data"] = data
    model_params = body.get("model_params", {})
    if not isinstance(model_params, dict) or not all(
        isinstance(v, int | float | str)
        for v in model_params.values()  # bool is an int too
    ):
        raise ApiError(
            422,
            "invalid_parameter",
            "model_params maps model parameter names to numbers, strings or booleans.",
        )
    clash = sorted(set(model_params) & known)
    if clash:
        raise ApiError(422, "invalid_parameter", f"Not model parameters: {', '.join(clash)}.")
    params.update(model_params)
    return params


@bp.post("/retrain-model")
@spec.validate(
    json=RetrainIn,
    resp=responses({202: Job}, *ADMIN, 409, 415, 422),
    tags=["training"],
    security=BEARER,
)
def retrain_model() -> tuple[dict[str, Any], int]:
    """Queue a retrain (202 with the job); 409 while another training is queued or running."""
    svc = services()
    body = json_body(RetrainIn).model_dump(exclude_unset=True)
    job = jobs.start_retrain(svc, retrain_params(body), g.admin.username)
    return {
        "job_id": job.id,
        "status_url": f"/admin/jobs/{job.id}",
        **jobs.status_fields("queued"),
    }, 202


@bp.get("/jobs/<job_id>")
@spec.validate(resp=responses({200: Job}, *ADMIN, 404), tags=["training"], security=BEARER)
def get_job(job_id: str) -> dict[str, Any]:
    """Status, progress, result or error of an admin job."""
    svc = services()
    return jobs.describe(svc, jobs.fetch(svc, job_id))


@bp.post("/jobs/<job_id>/cancel")
@spec.validate(resp=responses({202: Job}, *ADMIN, 404, 409), tags=["training"], security=BEARER)
def cancel_job(job_id: str) -> tuple[dict[str, Any], int]:
    """Cancel a queued job, or stop a running one at its next progress report."""
    svc = services()
    return jobs.cancel(svc, jobs.fetch(svc, job_id), g.admin.username), 202
