"""What happens when an admin job (import, retrain, evaluation) ends, however it ends.

RQ calls these callbacks by name: in the trainer when a job succeeds or fails,
and in whichever process finds a job abandoned by a dead trainer. Each records
an event, frees the training slot the job held and removes its staged upload.
"""

from __future__ import annotations

import logging
import shutil
from functools import cache
from pathlib import Path
from typing import Any

import redis
from sqlalchemy.orm import Session, sessionmaker

from common import keys
from common.db import make_engine, session_factory
from common.events import record_event
from common.settings import load_settings

logger = logging.getLogger(__name__)

SUCCESS = "common.job_events.on_success"
FAILURE = "common.job_events.on_failure"

_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""

EVENT_KIND = {
    "import": "ingestion",
    "retrain": "training",
    "evaluate": "evaluation",
    "evaluate_recent": "evaluation",
    "scheduled_evaluation": "evaluation",
}


@cache
def _sessions(url: str) -> sessionmaker[Session]:
    return session_factory(make_engine(url))


def release_training_slot(connection: redis.Redis, job_id: str) -> None:
    """Free the one training slot if ``job_id`` holds it."""
    connection.eval(_RELEASE, 1, keys.TRAINING_LOCK, job_id)


def finish(job: Any, connection: redis.Redis, ok: bool, summary: str) -> None:
    """Record the end of ``job`` and clean up after it (idempotent)."""
    settings = load_settings()
    kind = job.meta.get("kind", "job")
    # The liveness beat's key is left to expire: RQ runs this callback before it marks
    # the job finished, and a status read in between must still see a live trainer.
    try:
        release_training_slot(connection, job.id)
    except redis.RedisError as exc:
        logger.warning("job %s: could not release its training slot: %s", job.id, exc)
    staging = job.meta.get("staging")
    if staging and Path(staging).resolve().parent == settings.uploads_path.resolve():
        shutil.rmtree(staging, ignore_errors=True)
    record_event(
        _sessions(settings.database_url),
        EVENT_KIND.get(kind, "error"),
        f"{kind} job {job.id} {'finished' if ok else 'failed'}: {summary}",
        level="info" if ok else "error",
        actor=job.meta.get("requested_by"),
        subject=job.id,
    )


def on_success(job: Any, connection: redis.Redis, result: Any, *args: Any, **kwargs: Any) -> None:
    summary = ", ".join(
        f"{k}={result[k]}"
        for k in ("version", "promoted", "inserted", "updated", "rejected", "f1_weighted")
        if isinstance(result, dict) and k in result
    )
    finish(job, connection, True, summary or "done")


def on_failure(
    job: Any, connection: redis.Redis, exc_type: Any, exc_value: Any, *args: Any, **kwargs: Any
) -> None:
    name = getattr(exc_type, "__name__", str(exc_type))
    finish(job, connection, False, f"{name}: {exc_value}".strip().rstrip(":"))
