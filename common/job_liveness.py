"""Whether an admin job's trainer is still alive, and failing the job when it is not.

A running job refreshes ``keys.job_alive`` (``trainer.job_control``); when that key is
gone the trainer died, and the job is failed through RQ's own abandoned-job path, which
also runs its failure callback (``common.job_events``). The API (reading or cancelling a
job) and whoever claims the training slot (API, schedule, alerts) check here.
"""

from __future__ import annotations

import logging
import re
import time
from datetime import UTC

import redis
from rq.exceptions import NoSuchJobError
from rq.job import Job, JobStatus
from rq.registry import StartedJobRegistry
from rq.timeouts import TimerDeathPenalty

from common import keys
from common.settings import Settings

logger = logging.getLogger(__name__)

ACTIVE = frozenset({JobStatus.QUEUED, JobStatus.STARTED, JobStatus.DEFERRED, JobStatus.SCHEDULED})
JOB_ID = re.compile(r"^[A-Za-z0-9_-]{1,128}$")


def fetch(connection: redis.Redis, job_id: str) -> Job | None:
    """The job ``job_id``, or None when there is none (or the id is not one RQ could give)."""
    if not JOB_ID.match(job_id):
        return None
    try:
        return Job.fetch(job_id, connection=connection)
    except NoSuchJobError:
        return None


def status(connection: redis.Redis, settings: Settings, job: Job) -> JobStatus:
    """The job's status, after failing it if its trainer is gone."""
    found = job.get_status(refresh=True)
    if found == JobStatus.STARTED and abandoned(connection, settings, job):
        fail_abandoned(connection, job)
        found = job.get_status(refresh=True)
    return found


def is_active(connection: redis.Redis, settings: Settings, job_id: str) -> bool:
    """Whether ``job_id`` is queued or running on a live trainer."""
    job = fetch(connection, job_id)
    return job is not None and status(connection, settings, job) in ACTIVE


def abandoned(connection: redis.Redis, settings: Settings, job: Job) -> bool:
    """A started job whose liveness beat is missing for longer than its TTL."""
    if connection.exists(keys.job_alive(job.id)):
        return False
    started = job.started_at.replace(tzinfo=UTC).timestamp() if job.started_at else time.time()
    # The first beat comes as the job starts; allow it one TTL to appear.
    return time.time() - started > settings.job_alive_ttl_s


def fail_abandoned(connection: redis.Redis, job: Job) -> None:
    """Fail ``job`` as RQ fails a job whose worker died, failure callback included."""
    # RQ fails a started job once its registry entry expires; expire ours now.
    # Timer, not signal, time limits for the failure callback: this may not be the main thread.
    registry = StartedJobRegistry(
        job.origin, connection=connection, death_penalty_class=TimerDeathPenalty
    )
    members: list[bytes] = connection.zrange(registry.key, 0, -1)  # type: ignore[assignment]
    for member in members:
        if member.decode().split(":", 1)[0] == job.id:
            connection.zadd(registry.key, {member: 0}, xx=True)
    registry.cleanup(timestamp=1)
    logger.warning("job %s: its trainer stopped beating; marked failed", job.id)
