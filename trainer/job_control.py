"""What every job of the training queue gets: liveness, cancellation, metrics, log context.

``@supervised(kind)`` wraps a job function of ``trainer.jobs``: while it runs, a
thread refreshes a liveness key (a missing key means the trainer died, and the API
marks the job failed), and ``report`` both publishes progress in ``job.meta`` and
stops the job if an admin canceled it.
"""

from __future__ import annotations

import functools
import logging
import threading
import time
from collections.abc import Callable
from typing import Any

import redis
from rq import get_current_job

from common import keys
from common.logs import log_context
from trainer.context import current

logger = logging.getLogger(__name__)

Params = dict[str, Any] | None
JobFunction = Callable[[Params], dict[str, Any]]


class JobCanceled(Exception):
    """An admin canceled the job."""


def raise_if_canceled() -> None:
    """Stop the running job if an admin canceled it (no-op outside a worker)."""
    job = get_current_job()
    if job is not None and job.connection.exists(keys.job_cancel(job.id)):
        raise JobCanceled(f"job {job.id} was canceled by an admin")


def report(**values: Any) -> None:
    """Merge ``values`` into the running job's meta, then stop if it was canceled."""
    job = get_current_job()
    if job is None:
        return
    job.meta.update(values, updated_at=time.time())
    job.save_meta()
    raise_if_canceled()  # progress reports are where a canceled job stops


def supervised(kind: str) -> Callable[[JobFunction], JobFunction]:
    """Run a job of ``kind`` with its liveness key fresh, counted in the trainer's metrics."""

    def wrap(func: JobFunction) -> JobFunction:
        @functools.wraps(func)
        def run(params: Params = None) -> dict[str, Any]:
            job = get_current_job()
            if job is None:
                return func(params)
            with log_context(job_id=job.id, job_kind=kind):
                return _observed(kind, job, func, params)

        return run

    return wrap


def _observed(kind: str, job: Any, func: JobFunction, params: Params) -> dict[str, Any]:
    from trainer.observability import JOB_OUTCOMES, JOB_SECONDS

    started, outcome = time.monotonic(), "failed"
    try:
        result = _alive_while(job, func, params)
        outcome = "finished"
        return result
    except JobCanceled:
        outcome = "canceled"
        raise
    finally:
        JOB_SECONDS.labels(kind).observe(time.monotonic() - started)
        JOB_OUTCOMES.labels(kind, outcome).inc()


def _alive_while(job: Any, func: JobFunction, params: Params) -> dict[str, Any]:
    stop = threading.Event()
    ttl_s = current().settings.job_alive_ttl_s
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
