"""``/admin/models``, ``/admin/models/<v>/promote`` and ``/admin/evaluate-model``."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, g

from api.errors import ApiError
from api.guards import guard_admin_blueprint
from api.queries import arg
from api.schemas import EvaluateQuery, Evaluation, Job, PromoteIn, VersionList, VersionOut
from api.services import jobs, services, versions
from api.spec import ADMIN, BEARER, json_body, responses, spec
from common.events import record_event

bp = Blueprint("models", __name__, url_prefix="/admin")


bp.before_request(guard_admin_blueprint)


@bp.get("/models")
@spec.validate(resp=responses({200: VersionList}, *ADMIN), tags=["models"], security=BEARER)
def list_models() -> dict[str, Any]:
    """Versions with metrics, parameters, provenance, and which one serves."""
    svc = services()
    with svc.sessions() as session:
        return versions.list_versions(svc, session)


@bp.post("/models/<version>/promote")
@spec.validate(
    json=PromoteIn,
    resp=responses({200: VersionOut}, *ADMIN, 404, 409, 415),
    tags=["models"],
    security=BEARER,
)
def promote(version: str) -> dict[str, Any]:
    """Promote (or roll back to) ``version``; ``{"force": true}`` skips the per-class gate.

    Promoting the version in production changes nothing and answers 200."""
    force = json_body(PromoteIn).force
    return versions.promote(services(), version, force, g.admin.username)


@bp.get("/evaluate-model")
@spec.validate(
    query=EvaluateQuery,
    resp=responses({200: Evaluation, 202: Job}, *ADMIN, 404),
    tags=["models"],
    security=BEARER,
)
def evaluate_model() -> tuple[dict[str, Any], int]:
    """Production's scores and latency; ``?data=recent`` queues a job on fresh products."""
    svc = services()
    data = arg("data", str, "evaluation_set")
    if data == "evaluation_set":
        return versions.evaluation(svc), 200
    if data != "recent":
        raise ApiError(400, "invalid_query", "data is 'recent' or absent.")
    version = versions.evaluation(svc)["version"]
    job = jobs.enqueue(
        svc,
        "evaluate_recent",
        {"version": version},
        g.admin.username,
        timeout_s=svc.settings.evaluate_timeout_s,
    )
    record_event(
        svc.sessions,
        "evaluation",
        f"evaluation of {version} on recent data queued",
        actor=g.admin.username,
        subject=job.id,
    )
    return {
        "job_id": job.id,
        "status_url": f"/admin/jobs/{job.id}",
        **jobs.status_fields("queued"),
        "version": version,
    }, 202
