"""Admin jobs on the trainer's RQ queue: enqueue, describe, cancel, and the one training slot.

Jobs are enqueued by dotted name through ``common.job_queue`` (the API never
imports the trainer). A running job keeps a liveness key fresh; when that key is
gone the trainer died, and reading the job fails it (``common.job_liveness``)
through RQ's own abandoned-job path, which also runs the job's failure callback.
"""

from __future__ import annotations

import logging
import uuid
from datetime import UTC, datetime
from typing import Any

from rq.job import Job, JobStatus

from api.errors import ApiError
from api.services import Services
from common import job_events, job_liveness, keys
from common.events import record_event
from common.job_queue import claim_training_slot, enqueue_job, queue_retrain

logger = logging.getLogger(__name__)

ACTIVE = job_liveness.ACTIVE
PROGRESS_KEYS = ("stage", "epoch", "metrics", "done", "total", "updated_at")


def enqueue(
    svc: Services,
    kind: str,
    params: dict[str, Any],
    actor: str,
    *,
    timeout_s: int,
    job_id: str | None = None,
    staging: str | None = None,
    at_front: bool = False,
) -> Job:
    """Queue an admin job of ``kind``; its end is recorded by ``common.job_events``."""
    return enqueue_job(
        svc.queue, svc.settings, kind, params, actor, timeout_s=timeout_s, job_id=job_id,
        meta={"staging": staging} if staging else None, at_front=at_front,
    )  # fmt: skip


def start_retrain(svc: Services, params: dict[str, Any], actor: str) -> Job:
    """Queue a retrain unless one is queued or running (409 naming it)."""
    job_id = uuid.uuid4().hex
    holder = claim_training_slot(svc.queue.connection, svc.settings, job_id)
    if holder is not None:
        raise ApiError(
            409, "training_in_progress",
            f"Training job {holder} is queued or running; one training at a time.",
            job_id=holder, status_url=f"/admin/jobs/{holder}",
        )  # fmt: skip
    return queue_retrain(svc.queue, svc.settings, svc.sessions, params, actor, job_id=job_id)


def fetch(svc: Services, job_id: str) -> Job:
    job = job_liveness.fetch(svc.queue.connection, job_id)
    if job is None:
        raise ApiError(404, "not_found", f"No job with id '{job_id}'.")
    return job


def _status(svc: Services, job: Job) -> JobStatus:
    """The job's status, after failing it if its trainer is gone."""
    return job_liveness.status(svc.queue.connection, svc.settings, job)


def status_fields(status: str) -> dict[str, str]:
    """A job's ``status``, and ``state``, its former name, kept for one release."""
    return {"status": status, "state": status}


def describe(svc: Services, job: Job) -> dict[str, Any]:
    """What an admin sees of a job: state, progress, result or error."""
    status = _status(svc, job)
    canceled = bool(svc.redis.exists(keys.job_cancel(job.id)))
    state = str(status.value)
    if canceled and status == JobStatus.FAILED:
        state = "canceled"
    elif canceled and status == JobStatus.STARTED:
        state = "canceling"
    meta = job.get_meta(refresh=False)
    body: dict[str, Any] = {
        "job_id": job.id,
        "kind": meta.get("kind"),
        **status_fields(state),
        "progress": {k: meta[k] for k in PROGRESS_KEYS if k in meta},
        "params": meta.get("params", {}),
        "requested_by": meta.get("requested_by"),
        "enqueued_at": _iso(job.enqueued_at),
        "started_at": _iso(job.started_at),
        "ended_at": _iso(job.ended_at),
        "status_url": f"/admin/jobs/{job.id}",
    }
    if status == JobStatus.FINISHED:
        body["result"] = job.return_value()
    elif status in (JobStatus.FAILED, JobStatus.STOPPED):
        body["error"] = _last_line(job.exc_info)
    return body


def cancel(svc: Services, job: Job, actor: str) -> dict[str, Any]:
    """Cancel a queued job at once, or ask a running one to stop at its next progress report."""
    status = _status(svc, job)
    if status not in ACTIVE:
        raise ApiError(409, "job_finished", f"Job {job.id} is already {status.value}.")
    svc.redis.set(keys.job_cancel(job.id), actor, ex=svc.settings.job_result_ttl_s)
    # Taken off the queue first: a job a worker took meanwhile keeps running until the
    # cancel key stops it, still failed by RQ if its trainer dies.
    if status != JobStatus.STARTED and (status != JobStatus.QUEUED or svc.queue.remove(job)):
        job.cancel()  # it never runs: no callback will clean up after it
        job_events.clean_up(job, svc.queue.connection)
    record_event(
        svc.sessions,
        "training" if job.meta.get("kind") == "retrain" else "ingestion",
        f"{job.meta.get('kind', 'job')} job {job.id} canceled",
        actor=actor,
        subject=job.id,
    )
    return describe(svc, job)


def _iso(value: datetime | None) -> str | None:
    return value.replace(tzinfo=UTC).isoformat() if value else None


def _last_line(exc_info: str | None) -> str | None:
    if not exc_info:
        return None
    lines = [line for line in exc_info.strip().splitlines() if line.strip()]
    return lines[-1] if lines else None
