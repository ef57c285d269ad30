"""Enqueueing a retrain from the trainer's own schedule (alerts, periodic retraining).

The same job the API's ``POST /admin/retrain-model`` queues, holding the same
one training slot, so a scheduled retrain never runs beside an admin's.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

import redis
from rq import Queue
from rq.callbacks import Callback

from common import job_events, keys
from common.events import record_event
from common.job_events import _sessions
from common.settings import Settings

logger = logging.getLogger(__name__)

JOB_FUNC = "trainer.job_control.run"
ACTOR = "scheduler"


def enqueue_retrain(
    settings: Settings, connection: redis.Redis, reason: str, params: dict[str, Any] | None = None
) -> str | None:
    """Queue a retrain (promotion ``auto``) unless the training slot is taken; its job id."""
    job_id = uuid.uuid4().hex
    ttl = settings.retrain_timeout_s + 3600
    if not connection.set(keys.TRAINING_LOCK, job_id, nx=True, ex=ttl):
        return None
    params = {"promote": "auto", **(params or {})}
    try:
        Queue(settings.training_queue, connection=connection).enqueue_call(
            JOB_FUNC,
            args=("retrain", params),
            timeout=settings.retrain_timeout_s,
            result_ttl=settings.job_result_ttl_s,
            failure_ttl=settings.job_result_ttl_s,
            job_id=job_id,
            meta={"kind": "retrain", "requested_by": ACTOR, "params": params, "reason": reason},
            description=f"retrain requested by {ACTOR}: {reason}"[:500],
            on_success=Callback(job_events.SUCCESS),
            on_failure=Callback(job_events.FAILURE),
        )
    except BaseException:
        job_events.release_training_slot(connection, job_id)
        raise
    record_event(
        _sessions(settings.database_url),
        "training",
        f"retrain job {job_id} queued: {reason}"[:2000],
        actor=ACTOR,
        subject=job_id,
    )
    return job_id
