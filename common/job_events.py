"""What happens when an admin job (import, retrain, evaluation) ends, however it ends.

RQ calls these callbacks by name: in the trainer when a job succeeds or fails,
and in whichever process finds a job abandoned by a dead trainer. Each records
an event, frees the training slot the job held and removes its staged upload,
unless RQ will run the job again (an import's retry). They use the settings and
sessions the process's composition root installed (``install``).
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
from common.settings import Settings, load_settings

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


_installed: tuple[Settings, sessionmaker[Session]] | None = None


def install(settings: Settings, sessions: sessionmaker[Session]) -> None:
    """Record this process's job ends with its composition root's settings and sessions."""
    global _installed
    _installed = (settings, sessions)


def uninstall() -> None:
    """Forget the installed settings and sessions (tests that build several roots)."""
    global _installed
    _installed = None


def _root() -> tuple[Settings, sessionmaker[Session]]:
    if _installed is not None:
        return _installed
    # A bare `rq worker` built no root: record the job's end anyway.
    logger.warning("job callbacks: no settings installed; reading them from the environment")
    settings = load_settings()
    return settings, _sessions(settings.database_url)


@cache
def _sessions(url: str) -> sessionmaker[Session]:
    return session_factory(make_engine(url))


def release_training_slot(connection: redis.Redis, job_id: str) -> None:
    """Free the one training slot if ``job_id`` holds it."""
    connection.eval(_RELEASE, 1, keys.TRAINING_LOCK, job_id)


def finish(job: Any, connection: redis.Redis, ok: bool, summary: str) -> None:
    """Record the end of ``job`` and clean up after it (idempotent)."""
    _, sessions = _root()
    kind = job.meta.get("kind", "job")
    retrying = not ok and _will_retry(job, connection)
    # The liveness beat's key is left to expire: RQ runs this callback before it marks
    # the job finished, and a status read in between must still see a live trainer.
    clean_up(job, connection, keep_upload=retrying)
    ended = "finished" if ok else "failed, queued again" if retrying else "failed"
    record_event(
        sessions,
        EVENT_KIND.get(kind, "error"),
        f"{kind} job {job.id} {ended}: {summary}",
        level="info" if ok else "warning" if retrying else "error",
        actor=job.meta.get("requested_by"),
        subject=job.id,
    )


def clean_up(job: Any, connection: redis.Redis, *, keep_upload: bool = False) -> None:
    """Free the training slot ``job`` held and remove its staged upload (idempotent)."""
    try:
        release_training_slot(connection, job.id)
    except redis.RedisError as exc:
        logger.warning("job %s: could not release its training slot: %s", job.id, exc)
    staging = job.meta.get("staging")
    uploads = _root()[0].uploads_path.resolve()
    if staging and not keep_upload and Path(staging).resolve().parent == uploads:
        shutil.rmtree(staging, ignore_errors=True)


def _will_retry(job: Any, connection: redis.Redis) -> bool:
    """Whether RQ runs the failed ``job`` again: it has retries left and was not canceled."""
    if not getattr(job, "retries_left", None):
        return False
    try:
        canceled = bool(connection.exists(keys.job_cancel(job.id)))
    except redis.RedisError:
        canceled = False
    if canceled:
        # RQ reads this count after the callback: a canceled job ends with this run.
        job.retries_left = 0
    return not canceled


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
