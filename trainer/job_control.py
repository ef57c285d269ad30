"""Admin jobs as the API enqueues them: ``trainer.job_control.run(kind, params)``.

Wraps the jobs of ``trainer.jobs`` with what the API needs to supervise them:
a liveness key refreshed by a thread (a missing key means the trainer died,
and the API marks the job failed) and cooperative cancellation (an admin's
cancel request stops the job at its next progress report).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

import redis
from rq import get_current_job

from common import keys
from common.logs import log_context
from common.settings import load_settings

logger = logging.getLogger(__name__)


class JobCanceled(Exception):
    """An admin canceled the job."""


def _jobs() -> dict[str, Callable[[dict[str, Any] | None], dict[str, Any]]]:
    from trainer import jobs, recent, scheduler

    return {
        "import": jobs.import_products,
        "retrain": jobs.retrain,
        "evaluate": jobs.evaluate,
        "evaluate_recent": recent.evaluate_recent,
        "scheduled_evaluation": scheduler.scheduled_evaluation,
    }


def preload() -> None:
    """Import every job's modules now, at worker start, rather than in the first job."""
    _jobs()


def raise_if_canceled() -> None:
    """Stop the running job if an admin canceled it (no-op outside a worker)."""
    job = get_current_job()
    if job is not None and job.connection.exists(keys.job_cancel(job.id)):
        raise JobCanceled(f"job {job.id} was canceled by an admin")


def run(kind: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
    """Run the ``kind`` job with ``params`` while keeping its liveness key fresh."""
    job = get_current_job()
    if job is None:
        return _jobs()[kind](params)

    def func(values: dict[str, Any] | None) -> dict[str, Any]:
        # Resolved inside the liveness window: a first import of the job modules
        # (TensorFlow) can outlast the beat's TTL.
        return _jobs()[kind](values)

    with log_context(job_id=job.id, job_kind=kind):
        return _observed(kind, job, func, params)


def _observed(
    kind: str,
    job: Any,
    func: Callable[[dict[str, Any] | None], dict[str, Any]],
    params: dict[str, Any] | None,
) -> dict[str, Any]:
    from trainer.observability import JOB_OUTCOMES, JOB_SECONDS

    started, outcome = time.monotonic(), "failed"
    try:
        result = _supervised(job, func, params)
        outcome = "finished"
        return result
    except JobCanceled:
        outcome = "canceled"
        raise
    finally:
        JOB_SECONDS.labels(kind).observe(time.monotonic() - started)
        JOB_OUTCOMES.labels(kind, outcome).inc()


def _supervised(
    job: Any, func: Callable[[dict[str, Any] | None], dict[str, Any]], params: dict[str, Any] | None
) -> dict[str, Any]:
    stop = threading.Event()
    ttl_s = load_settings().job_alive_ttl_s
    beat = threading.Thread(
        target=_beat, args=(job.connection, job.id, ttl_s, stop), daemon=True, name="job-alive"
    )
    beat.start()
    try:
        raise_if_canceled()
        return func(params)
    finally:
        stop.set()
        beat.join(timeout=5)


def _beat(connection: redis.Redis, job_id: str, ttl_s: int, stop: threading.Event) -> None:
    # A beat every third of the TTL: two can be lost before the job looks dead.
    while True:
        try:
            connection.set(keys.job_alive(job_id), "1", ex=ttl_s)
        except redis.RedisError as exc:
            logger.warning("job %s: liveness beat failed: %s", job_id, exc)
        if stop.wait(ttl_s / 3):
            return
