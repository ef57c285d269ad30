"""Queueing the trainer's jobs: one way to enqueue them, and the one training slot.

The API (admin requests), the trainer's schedule and its alerts all queue jobs
here: by dotted name from ``keys.TRAINING_JOBS``, with the callbacks that record
how each ends (``common.job_events``). At most one retrain is queued or running:
it holds ``keys.TRAINING_LOCK`` from being queued until it ends, and its liveness
beat keeps the lock from expiring while it runs.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

import redis
from rq import Queue, Retry
from rq.callbacks import Callback
from rq.job import Job
from sqlalchemy.orm import Session, sessionmaker

from common import job_events, job_liveness, keys
from common.events import record_event
from common.settings import Settings

logger = logging.getLogger(__name__)

SCHEDULER = "scheduler"

IMPORT_RETRIES = 2
"""Runs of an import after its first one fails (a trainer that died mid-import): the
staged upload the admin was told was accepted stays until the last. No interval: the
trainer runs no RQ scheduler to requeue a delayed retry."""

CLAIM_GRACE_S = 60
"""How long a claimed slot is kept for a job its claimer has not queued yet."""

_REFRESH = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('EXPIRE', KEYS[1], ARGV[2]) end
return 0
"""


def enqueue_job(
    queue: Queue,
    settings: Settings,
    kind: str,
    params: dict[str, Any],
    actor: str,
    *,
    timeout_s: int,
    job_id: str | None = None,
    meta: dict[str, Any] | None = None,
    at_front: bool = False,
    reason: str | None = None,
) -> Job:
    """Queue the ``kind`` job; its end is recorded by ``common.job_events``."""
    return queue.enqueue_call(
        keys.TRAINING_JOBS[kind],
        args=(params,),
        timeout=timeout_s,
        result_ttl=settings.job_result_ttl_s,
        failure_ttl=settings.job_result_ttl_s,
        job_id=job_id or uuid.uuid4().hex,
        meta={
            "kind": kind,
            "requested_by": actor,
            "params": params,
            **({"reason": reason} if reason else {}),
            **(meta or {}),
        },  # fmt: skip
        at_front=at_front,
        description=f"{kind} requested by {actor}{f': {reason}' if reason else ''}"[:500],
        on_success=Callback(job_events.SUCCESS),
        on_failure=Callback(job_events.FAILURE),
        retry=Retry(max=IMPORT_RETRIES, enqueue_at_front=at_front) if kind == "import" else None,
    )


def training_slot_ttl(settings: Settings) -> int:
    """How long the slot lasts unless refreshed: a day past a retrain's own time limit, so
    a retrain waiting behind other jobs keeps it. Only a backstop: a holder that ended or
    died is evicted by the next claim (``claim_training_slot``)."""
    return settings.retrain_timeout_s + 24 * 3600


def claim_training_slot(connection: redis.Redis, settings: Settings, job_id: str) -> str | None:
    """Take the training slot for ``job_id``; None once taken, else the holder's id.

    A holder that is no longer queued or running (its callbacks never ran), or whose
    trainer stopped beating, is failed and evicted (``common.job_liveness``).
    """
    ttl = training_slot_ttl(settings)
    for _ in range(3):
        if connection.set(keys.TRAINING_LOCK, job_id, nx=True, ex=ttl):
            return None
        current = connection.get(keys.TRAINING_LOCK)
        if current is None:
            continue
        holder = current.decode() if isinstance(current, bytes) else str(current)
        if job_liveness.is_active(connection, settings, holder) or _just_claimed(
            connection, settings
        ):
            return holder
        job_events.release_training_slot(connection, holder)
    return "unknown"  # lost every race: someone else is starting one right now


def _just_claimed(connection: redis.Redis, settings: Settings) -> bool:
    """Whether the slot was taken (or refreshed) within ``CLAIM_GRACE_S``: a holder whose
    job does not exist yet is then still being queued, not lost."""
    left = int(connection.ttl(keys.TRAINING_LOCK))  # type: ignore[arg-type]
    return left > training_slot_ttl(settings) - CLAIM_GRACE_S


def refresh_training_slot(connection: redis.Redis, settings: Settings, job_id: str) -> bool:
    """Extend the slot's TTL if ``job_id`` still holds it; True when it did."""
    return bool(
        connection.eval(_REFRESH, 1, keys.TRAINING_LOCK, job_id, training_slot_ttl(settings))
    )


def queue_retrain(
    queue: Queue,
    settings: Settings,
    sessions: sessionmaker[Session],
    params: dict[str, Any],
    actor: str,
    *,
    job_id: str,
    reason: str | None = None,
) -> Job:
    """Queue a retrain holding the slot ``job_id`` already claimed; frees it if that fails."""
    try:
        job = enqueue_job(
            queue, settings, "retrain", params, actor,
            timeout_s=settings.retrain_timeout_s, job_id=job_id, reason=reason,
        )  # fmt: skip
    except BaseException:
        job_events.release_training_slot(queue.connection, job_id)
        raise
    record_event(
        sessions, "training",
        f"retrain job {job.id} queued{f': {reason}' if reason else ''}"[:2000],
        actor=actor, subject=job.id, params=params,
    )  # fmt: skip
    return job


def enqueue_retrain(
    settings: Settings,
    connection: redis.Redis,
    sessions: sessionmaker[Session],
    reason: str,
    params: dict[str, Any] | None = None,
) -> str | None:
    """The schedule's retrain (promotion ``auto``) unless the slot is taken; its job id."""
    job_id = uuid.uuid4().hex
    if claim_training_slot(connection, settings, job_id) is not None:
        return None
    queue = Queue(settings.training_queue, connection=connection)
    params = {"promote": "auto", **(params or {})}
    job = queue_retrain(queue, settings, sessions, params, SCHEDULER, job_id=job_id, reason=reason)
    return str(job.id)
