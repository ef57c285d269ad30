"""What every job of the training queue gets: liveness, cancellation, metrics, log context.

``@supervised(kind)`` wraps a job function of ``trainer.jobs``: while it runs, a
thread refreshes a liveness key (a missing key means the trainer died, and the job
is marked failed) and, for a retrain, the training slot it holds; ``report``
publishes progress in ``job.meta`` and, unless told the job is past the point where
stopping is safe (``cancelable=False``), stops the job if an admin canceled it.
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
from common.job_queue import refresh_training_slot
from common.logs import log_context
from common.settings import Settings
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


def report(*, cancelable: bool = True, **values: Any) -> None:
    """Merge ``values`` into the running job's meta, then stop if it was canceled.

    ``cancelable=False`` publishes only: the job is past its point of no return.
    """
    job = get_current_job()
    if job is None:
        return
    job.meta.update(values, updated_at=time.time())
    job.save_meta()
    if cancelable:
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
        result = _alive_while(kind, job, func, params)
        outcome = "finished"
        return result
    except JobCanceled:
        outcome = "canceled"
        raise
    finally:
        JOB_SECONDS.labels(kind).observe(time.monotonic() - started)
        JOB_OUTCOMES.labels(kind, outcome).inc()


def _alive_while(kind: str, job: Any, func: JobFunction, params: Params) -> dict[str, Any]:
    stop = threading.Event()
    beat = threading.Thread(
        target=_beat,
        args=(job.connection, job.id, current().settings, kind == "retrain", stop),
        daemon=True,
        name="job-alive",
    )
    beat.start()
    try:
        raise_if_canceled()
        return func(params)
    finally:
        stop.set()
        beat.join(timeout=5)


def _beat(
    connection: redis.Redis, job_id: str, settings: Settings, training: bool, stop: threading.Event
) -> None:
    # A beat every third of the TTL: two can be lost before the job looks dead.
    while True:
        beat(connection, job_id, settings, training=training)
        if stop.wait(settings.job_alive_ttl_s / 3):
            return


def beat(connection: redis.Redis, job_id: str, settings: Settings, *, training: bool) -> None:
    """One liveness beat of ``job_id``; a retrain (``training``) also keeps its slot held."""
    try:
        connection.set(keys.job_alive(job_id), "1", ex=settings.job_alive_ttl_s)
        if training:
            # Its TTL was set when queued: a long wait or run must not let it lapse.
            refresh_training_slot(connection, settings, job_id)
    except redis.RedisError as exc:
        logger.warning("job %s: liveness beat failed: %s", job_id, exc)
